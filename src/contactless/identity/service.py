"""Identity rules: branches, staff, sign-in with throttling, sessions and tokens, one-time codes.

Roles and what they see (数据范围): an RM sees own customers and those shared with them; every
other role sees its branch subtree; a role at head office (HQ) sees the whole bank.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from contactless.identity import permissions, repository
from contactless.identity.cards import ContactCard as ContactCard
from contactless.identity.cards import contact_card as contact_card
from contactless.identity.cards import set_contact_card as set_contact_card
from contactless.identity.codes import MOBILE_PATTERN as MOBILE_PATTERN
from contactless.identity.codes import check_mobile as check_mobile
from contactless.identity.codes import check_one_time_code as check_one_time_code
from contactless.identity.codes import resend_wait as resend_wait
from contactless.identity.codes import send_one_time_code as send_one_time_code
from contactless.identity.errors import (
    AccountLocked,
    BranchCodeTaken,
    BranchTreeConflict,
    InvalidBranchTree,
    InvalidCredentials,
    InvalidRole,
    InvalidUsername,
    TooManyLoginAttempts,
    UnknownBranch,
    UnknownStaff,
    UsernameTaken,
    WeakPassword,
)
from contactless.identity.models import Branch, StaffUser

# the roles and branch kinds are the domain's words: other domains take them from here
from contactless.identity.models import BranchKind as BranchKind
from contactless.identity.models import Role as Role
from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit, audit_verify
from contactless.platform.channels import Message, for_staff, list_messages
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.errors import Unauthorized
from contactless.platform.kernel import Kernel, kernel_of

HEAD_OFFICE_CODE = "HQ"
UNKNOWN_FAILURES_KEPT = 30 * 24 * 3600
ACCESS_PURPOSE = "access-token"
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
# 10 or more characters, a letter and a digit among them (the API schema states the same)
PASSWORD_PATTERN = re.compile(r"^[\s\S]*([A-Za-z][\s\S]*[0-9]|[0-9][\s\S]*[A-Za-z])[\s\S]*$")
_PARENT_KIND = {
    BranchKind.BRANCH: BranchKind.HEAD_OFFICE,
    BranchKind.SUB_BRANCH: BranchKind.BRANCH,
}


@dataclass(frozen=True)
class StaffView:
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    branch_code: str
    branch_name: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


def _view(user: StaffUser, branch: Branch) -> StaffView:
    return StaffView(user.id, user.username, user.display_name, user.role, branch.code,
                     branch.name, user.active, user.locked_until, user.last_login_at)


def staff_actor(user: StaffUser, branch: Branch, *, channel: str = "console") -> Actor:
    return Actor(kind="staff", id=str(user.id), role=user.role, branch_path=branch.path,
                 channel=channel, display=user.display_name)


def is_head_office(actor: Actor) -> bool:
    return permissions.is_head_office(actor)


def scope_path(actor: Actor) -> str | None:
    """The branch-path prefix the actor may see; None means the whole bank."""
    return permissions.scope_path(actor)


# ---- branches ---------------------------------------------------------------------------


def create_branch(
    session: Session, actor: Actor, *, code: str, name: str, kind: BranchKind,
    parent_code: str | None = None,
) -> Branch:
    """Add a branch under its parent; the head office is the single root."""
    authorize(actor, Operation.BRANCH_CREATE)
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,31}", code):
        raise InvalidBranchTree("branch code must be 2-32 letters, digits or '-'")
    if not name.strip():
        raise InvalidBranchTree("branch name is required")
    if repository.branch_by_code(session, code):
        raise BranchCodeTaken("branch code {branch} already exists", branch=code)
    parent: Branch | None = None
    if kind == BranchKind.HEAD_OFFICE:
        if parent_code or repository.branches(session):
            raise BranchTreeConflict("the head office is the single root of the branch tree")
    else:
        parent = repository.branch_by_code(session, (parent_code or "").upper())
        if parent is None:
            raise UnknownBranch("unknown parent branch {parent_code!r}", parent_code=parent_code)
        if parent.kind != _PARENT_KIND[kind]:
            raise BranchTreeConflict("a {kind} must sit under a {parent_kind}",
                                    kind=kind.value, parent_kind=_PARENT_KIND[kind].value)
    branch = Branch(
        code=code, name=name.strip(), kind=kind.value, parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{code}/",
    )
    session.add(branch)
    session.flush()
    audit.record(session, actor, action="branch.created", target_type="branch",
                 target_id=branch.id, after={"code": code, "name": branch.name, "kind": kind.value},
                 details={"code": code, "parent": parent.code if parent else None})
    return branch


def branch_ids_under(path_prefix: str) -> Select[uuid.UUID]:
    """The ids of the branches in a subtree, as a subquery for other domains' data scopes."""
    return repository.branch_ids_under(path_prefix)


def list_branches(session: Session, actor: Actor) -> list[Branch]:
    authorize(actor, Operation.BRANCH_READ)
    return repository.branches(session, path_prefix=scope_path(actor))


def get_branch(session: Session, *, code: str) -> Branch:
    branch = repository.branch_by_code(session, code.upper())
    if branch is None:
        raise UnknownBranch("unknown branch {branch!r}", branch=code)
    return branch


def branch_path_of(session: Session, branch_id: uuid.UUID) -> str:
    """The materialised path of a branch (``/HQ/HZ/``), for scope checks."""
    branch = repository.branch_by_id(session, branch_id)
    if branch is None:
        raise UnknownBranch("unknown branch")
    return branch.path


# ---- staff ------------------------------------------------------------------------------


def check_password_strength(password: str) -> None:
    if len(password) < 10 or not PASSWORD_PATTERN.fullmatch(password):
        raise WeakPassword("password needs at least 10 characters, with letters and digits")


def create_staff(
    session: Session, actor: Actor, *, username: str, role: Role | str, branch_code: str,
    password: str, display_name: str | None = None,
) -> StaffView:
    """Create a staff member; only an admin (or the CLI as system) may."""
    authorize(actor, Operation.STAFF_MANAGE)
    username = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidUsername("username: 3-64 lower-case letters, digits, '.', '_' or '-'")
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidRole("unknown role {role!r}; one of {roles}",
                          role=role, roles=', '.join(r.value for r in Role),
                          ) from exc
    check_password_strength(password)
    branch = get_branch(session, code=branch_code)
    if repository.staff_by_username(session, username):
        raise UsernameTaken("username {username} is taken", username=username)
    user = StaffUser(username=username, display_name=(display_name or username).strip(),
                     role=role.value, branch_id=branch.id,
                     password_hash=kernel_of(session).passwords.hash(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, action="staff.created", target_type="staff_user",
                 target_id=user.id, after={"username": username, "role": role.value,
                                           "branch": branch.code},
                 details={"role": role.value, "branch": branch.code})
    return _view(user, branch)


def list_staff(session: Session, actor: Actor, *, role: str | None = None) -> list[StaffView]:
    authorize(actor, Operation.STAFF_READ)
    return [_view(u, b) for u, b in
            repository.staff_list(session, path_prefix=scope_path(actor), role=role)]


def set_active(session: Session, actor: Actor, *, staff_id: uuid.UUID, active: bool) -> StaffView:
    """Deactivating ends every session and token of that person at once."""
    authorize(actor, Operation.STAFF_MANAGE)
    found = repository.staff_with_branch(session, staff_id)
    if found is None:
        raise UnknownStaff("unknown staff member")
    user, branch = found
    before = {"active": user.active}
    user.active = active
    user.session_version += 1
    if active:
        user.failed_logins = 0
        user.locked_until = None
    audit.record(session, actor, action="staff.activated" if active else "staff.deactivated",
                 target_type="staff_user", target_id=user.id, before=before,
                 after={"active": active})
    return _view(user, branch)


# ---- the audit trail and the message center ------------------------------------------------


def search_audit(session: Session, actor: Actor, **filters: Any) -> list[audit.AuditEntry]:
    """Audit entries (auditors and admins), filtered as :func:`platform.audit.search`."""
    authorize(actor, Operation.AUDIT_READ)
    return audit.search(session, **filters)


def audit_actor_names(session: Session, actor: Actor,
                      entries: list[audit.AuditEntry]) -> dict[str, str]:
    """The staff names behind the entries' actor ids, so the trail reads as people."""
    authorize(actor, Operation.AUDIT_READ)
    ids = set()
    for entry in entries:
        if entry.actor_kind == "staff":
            try:
                ids.add(uuid.UUID(entry.actor_id))
            except ValueError:
                continue
    return {str(key): name for key, name in repository.staff_names(session, list(ids)).items()}


def verify_audit(session: Session, actor: Actor) -> audit_verify.ChainReport:
    """The seals, the sequence and the anchors, checked as ``contactless audit verify``."""
    authorize(actor, Operation.AUDIT_READ)
    return audit_verify.verify_chain(session)


def audit_sealed_through(session: Session, actor: Actor) -> int:
    """The highest audit entry sealed so far: entries after it await their seal."""
    authorize(actor, Operation.AUDIT_READ)
    return audit.sealed_through(session)


def outbox_messages(session: Session, actor: Actor, *, to_mobile: str | None = None,
                    limit: int = 50) -> list[Message]:
    """Texts in the embedded outbox channel (the message center), with one-time codes masked:
    staff never read a customer's live code (``contactless messages list`` on the server
    shows them)."""
    authorize(actor, Operation.MESSAGES_READ)
    return [for_staff(m) for m in list_messages(session, kernel_of(session).cipher,
                                                to_mobile=to_mobile, limit=limit)]


# ---- sign-in ----------------------------------------------------------------------------


def authenticate(
    session: Session, *, username: str, password: str, ip: str, channel: str = "console",
) -> tuple[Actor, int]:
    """Check a password. Five failures lock the account for 15 minutes; an address is limited
    too. Returns the actor and the session version to put in the cookie or token."""
    kernel = kernel_of(session)
    settings = kernel.settings
    if kernel.store.incr(f"login-ip:{ip}", ttl=60) > settings.login_ip_limit_per_minute:
        raise TooManyLoginAttempts("too many sign-in attempts from this address; wait a minute")
    username = username.strip().lower()
    user = repository.staff_by_username(session, username, for_update=True)
    now = utcnow()
    if user is None or not user.active:
        kernel.passwords.burn(password)
        _unknown_user_failed(session, username)
    assert user is not None  # noqa: S101 - _unknown_user_failed always raises
    if user.locked_until and user.locked_until > now:
        kernel.passwords.burn(password)
        raise AccountLocked("account locked after repeated failures; try again later",
                            retry_after=max(int((user.locked_until - now).total_seconds()), 1))
    system = Actor(kind="staff", id=str(user.id), channel=channel)
    if not kernel.passwords.verify(user.password_hash, password):
        user.failed_logins += 1
        details: dict[str, object] = {"failures": user.failed_logins}
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(seconds=settings.login_lock_seconds)
            user.failed_logins = 0
            details["locked"] = True
        audit.record(session, system, action="staff.login_failed", target_type="staff_user",
                     target_id=user.id, details=details)
        raise InvalidCredentials("wrong username or password")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    branch = repository.branch_by_id(session, user.branch_id)
    assert branch is not None  # noqa: S101 - foreign key guarantees it
    actor = staff_actor(user, branch, channel=channel)
    audit.record(session, actor, action="staff.signed_in", target_type="staff_user",
                 target_id=user.id)
    return actor, user.session_version


def _unknown_user_failed(session: Session, username: str) -> NoReturn:
    """A name that is no (active) account fails, and locks, exactly like a real one: the
    same answers after the same number of tries, so a lock tells nobody that a name exists."""
    kernel = kernel_of(session)
    settings, store = kernel.settings, kernel.store
    name = hashlib.sha256(username.encode()).hexdigest()[:32]
    lock_key, count_key = f"login-lock:{name}", f"login-fail:{name}"
    if store.get(lock_key):
        raise AccountLocked("account locked after repeated failures; try again later",
                            retry_after=store.ttl(lock_key) or 1)
    # a real account's count of failures has no window either: it lasts until a success
    if store.incr(count_key, ttl=UNKNOWN_FAILURES_KEPT) >= settings.login_max_failures:
        store.delete(count_key)
        store.set(lock_key, "1", ttl=settings.login_lock_seconds)
    raise InvalidCredentials("wrong username or password")


def actor_for_session(
    session: Session, *, staff_id: str, version: int, channel: str = "console",
) -> Actor | None:
    """The actor behind a cookie or token, if the person is still active at that version."""
    try:
        staff_uuid = uuid.UUID(staff_id)
    except ValueError:
        return None
    found = repository.signed_in_staff(session, staff_uuid)
    if found is None:
        return None
    role, active, session_version, display_name, branch_path = found
    if not active or session_version != version:
        return None
    return Actor(kind="staff", id=str(staff_uuid), role=role, branch_path=branch_path,
                 channel=channel, display=display_name)


def _signed_in_user(session: Session, actor: Actor) -> StaffUser:
    if actor.kind != "staff":
        raise Unauthorized("only staff members sign in here")
    user = repository.staff_by_id(session, uuid.UUID(actor.id))
    if user is None:
        raise UnknownStaff("unknown staff member")
    return user


def sign_out(session: Session, actor: Actor) -> None:
    """End every session and token of this person (on every device), on the server."""
    user = _signed_in_user(session, actor)
    user.session_version += 1
    audit.record(session, actor, action="staff.signed_out", target_type="staff_user",
                 target_id=user.id)


def change_password(session: Session, actor: Actor, *, current_password: str,
                    new_password: str) -> None:
    """Change one's own password: the current one is required, and every session and token
    issued before ends."""
    user = _signed_in_user(session, actor)
    if not kernel_of(session).passwords.verify(user.password_hash, current_password):
        raise InvalidCredentials("the current password is not right")
    _set_password(session, actor, user, new_password)


def reset_password(session: Session, actor: Actor, *, username: str, password: str) -> None:
    """An admin (or the CLI) sets someone's password; their sessions and tokens end."""
    authorize(actor, Operation.STAFF_MANAGE)
    user = repository.staff_by_username(session, username.strip().lower(), for_update=True)
    if user is None:
        raise UnknownStaff("unknown staff member {username!r}", username=username)
    _set_password(session, actor, user, password)


def _set_password(session: Session, actor: Actor, user: StaffUser, password: str) -> None:
    check_password_strength(password)
    user.password_hash = kernel_of(session).passwords.hash(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, action="staff.password_changed", target_type="staff_user",
                 target_id=user.id, details={"sessions_ended": True})


def issue_access_token(session: Session, actor: Actor, *, version: int) -> str:
    kernel = kernel_of(session)
    return kernel.signer.dumps({"sub": actor.kind, "id": actor.id, "v": version},
                               purpose=ACCESS_PURPOSE)


def read_access_token(session: Session, token: str) -> dict[str, object] | None:
    return access_token_data(kernel_of(session), token)


def access_token_data(kernel: Kernel, token: str) -> dict[str, object] | None:
    """What a bearer token says, if this bank signed it and it has not expired (the person
    behind it is checked by :func:`actor_for_session`)."""
    data = kernel.signer.loads(token, purpose=ACCESS_PURPOSE,
                               max_age=kernel.settings.access_token_seconds)
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class StaffRef:
    id: uuid.UUID
    role: str
    branch_id: uuid.UUID
    display_name: str


def actor_for_staff_id(session: Session, staff_id: uuid.UUID) -> StaffRef:
    """A staff member by id (for linking records), or ``UnknownStaff``."""
    user = repository.staff_by_id(session, staff_id)
    if user is None:
        raise UnknownStaff("unknown staff member")
    return StaffRef(user.id, user.role, user.branch_id, user.display_name)


def staff_by_username(session: Session, *, username: str) -> StaffRef:
    user = repository.staff_by_username(session, username.strip().lower())
    if user is None:
        raise UnknownStaff("unknown staff member {username!r}", username=username)
    return StaffRef(user.id, user.role, user.branch_id, user.display_name)


def staff_rows() -> Select[uuid.UUID, str, bool, uuid.UUID]:
    """Every staff member as (staff_id, role, active, branch_id): a statement for set-based
    callers (a campaign reassigning the tasks of RMs who left), not rows."""
    return select(StaffUser.id.label("staff_id"), StaffUser.role, StaffUser.active,
                  StaffUser.branch_id)


def list_rms(session: Session) -> list[StaffRef]:
    return [StaffRef(u.id, u.role, u.branch_id, u.display_name)
            for u, _b in repository.staff_list(session, path_prefix=None, role=Role.RM.value,
                                               limit=10_000)]


def rm_actors(session: Session, *, channel: str) -> list[Actor]:
    """Every RM as an actor of their branch (for jobs and the demo bank acting as them),
    in a stable order."""
    return staff_actors(session, role=Role.RM, channel=channel)


def staff_actors(session: Session, *, role: Role, channel: str) -> list[Actor]:
    """Every staff member of ``role`` as an actor of their branch, in a stable order."""
    return [staff_actor(user, branch, channel=channel)
            for user, branch in sorted(repository.staff_list(
                session, path_prefix=None, role=role.value, limit=10_000),
                key=lambda row: str(row[0].id))]
