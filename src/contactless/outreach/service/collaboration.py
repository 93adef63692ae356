"""Collaboration (协同营销): co-owners of a code and their credit shares, and the corporate
client's read-only progress page.

An invited RM (any branch or line of business) accepts or declines; an accepted owner starts
with a 0% share until the creator sets the shares, which must always add up to exactly 100%.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.identity.errors import UnknownStaff
from contactless.identity.permissions import Operation, authorize
from contactless.outreach import repository
from contactless.outreach import repository_conversions as conversions_repository
from contactless.outreach.errors import (
    CodeStateConflict,
    InvalidOwner,
    InvitationConflict,
    ProgressLinkInvalid,
    RosterInvalid,
    SharesInvalid,
)
from contactless.outreach.models import CodeStatus, OwnerStatus, QrCode, QrCodeOwner
from contactless.outreach.service.common import (
    HUNDRED,
    NO_SHARE,
    OWNER_ROLES,
    CodeView,
    code_for_change,
    code_view,
    enterprise_name,
    staff_id_of,
    staff_name,
)
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import MinorUnits, utcnow
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_mobile, mask_name

PROGRESS_PURPOSE = "outreach-progress"
PROGRESS_DAYS = 180


def invite_owner(session: Session, actor: Actor, *, code_id: uuid.UUID,
                 staff_id: uuid.UUID) -> CodeView:
    """Invite an RM as co-owner; they see the invitation and accept or decline."""
    code = code_for_change(session, actor, code_id)
    if code.status == CodeStatus.REVOKED or code.parent_id is not None:
        raise CodeStateConflict("co-owners are invited to an active group or personal code")
    try:
        invitee = identity.actor_for_staff_id(session, staff_id)
    except UnknownStaff as exc:
        raise InvalidOwner("only relationship managers can own a QR code") from exc
    if invitee.role not in {role.value for role in OWNER_ROLES}:
        raise InvalidOwner("only relationship managers can own a QR code")
    row = repository.owner(session, code.id, staff_id)
    if row is not None and row.status != OwnerStatus.DECLINED:
        raise InvitationConflict("this person is already an owner or invited")
    if row is None:
        row = QrCodeOwner(code_id=code.id, staff_id=staff_id, share=NO_SHARE)
        session.add(row)
    row.status = OwnerStatus.INVITED
    row.share = NO_SHARE
    row.invited_by = staff_id_of(actor) if actor.kind == "staff" else None
    row.responded_at = None
    session.flush()
    audit.record(session, actor, action="outreach.owner_invited", target_type="qr_code",
                 target_id=code.id, details={"staff_id": str(staff_id)})
    return code_view(session, code)


def respond_to_invitation(session: Session, actor: Actor, *, code_id: uuid.UUID,
                          accept: bool) -> CodeView:
    """The invited RM accepts (becomes an owner at 0% until the creator sets the shares) or
    declines."""
    authorize(actor, Operation.CODE_INVITATION)
    row = repository.owner(session, code_id, staff_id_of(actor))
    if row is None or row.status != OwnerStatus.INVITED:
        raise InvitationConflict("there is no open invitation for you on this code")
    row.status = OwnerStatus.ACCEPTED if accept else OwnerStatus.DECLINED
    row.responded_at = utcnow()
    session.flush()
    audit.record(session, actor, action="outreach.invitation_" + ("accepted" if accept
                                                                  else "declined"),
                 target_type="qr_code", target_id=code_id)
    code = repository.code_by_id(session, code_id)
    assert code is not None  # noqa: S101 - the owner row's foreign key
    return code_view(session, code)


@dataclass(frozen=True)
class Invitation:
    code_id: uuid.UUID
    title: str
    invited_by: str
    purpose: str
    channel: str


def my_invitations(session: Session, actor: Actor) -> list[Invitation]:
    if actor.kind != "staff":
        return []
    return [Invitation(code.id, code.title,
                       staff_name(session, row.invited_by) if row.invited_by else "",
                       code.purpose, code.channel)
            for row, code in repository.invitations_of(session, staff_id_of(actor))]


def parse_share(value: object) -> Decimal:
    if isinstance(value, float | bool):
        raise SharesInvalid("give shares as exact numbers such as \"33.34\"")
    try:
        share = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation as exc:
        raise SharesInvalid("a share is a number from 0 to 100") from exc
    if not share.is_finite() or not 0 <= share <= HUNDRED:
        raise SharesInvalid("a share is a number from 0 to 100")
    # a share is kept as a conversion's is: in hundredths (ConversionShare.share)
    if not MinorUnits.holds(share):
        raise SharesInvalid("shares have at most two decimal places")
    return share.quantize(MinorUnits.unit)


def set_shares(session: Session, actor: Actor, *, code_id: uuid.UUID,
               shares: dict[uuid.UUID, object]) -> CodeView:
    """The creator sets every accepted owner's share; they must add up to exactly 100."""
    code = code_for_change(session, actor, code_id)
    owners = {row.staff_id: row for row in repository.owners(session, [code.id])
              if row.status == OwnerStatus.ACCEPTED}
    unknown = set(shares) - set(owners)
    if unknown:
        raise SharesInvalid("shares can only be given to owners who accepted")
    if set(owners) - set(shares):
        raise SharesInvalid("give a share for every owner who accepted")
    parsed = {staff: parse_share(value) for staff, value in shares.items()}
    total = sum(parsed.values(), Decimal(0))
    if total != HUNDRED:
        raise SharesInvalid("the shares must add up to exactly 100%", total=str(total))
    before = {str(staff): str(row.share) for staff, row in owners.items()}
    for staff, share in parsed.items():
        owners[staff].share = share
    session.flush()
    audit.record(session, actor, action="outreach.shares_set", target_type="qr_code",
                 target_id=code.id, before=before,
                 after={str(staff): str(share) for staff, share in parsed.items()})
    return code_view(session, code)


# ---- the corporate contact's progress page ---------------------------------------------------


def progress_token(session: Session, actor: Actor, *, code_id: uuid.UUID,
                   renew: bool = False) -> str:
    """A signed link for the enterprise's contact: read-only, valid 180 days. ``renew`` cuts
    off every link given before."""
    code = code_for_change(session, actor, code_id)
    if code.enterprise_id is None or not code.roster_restricted:
        raise RosterInvalid("progress links are for group codes with a roster")
    if renew:
        code.progress_version += 1
        session.flush()
        audit.record(session, actor, action="outreach.progress_link_renewed",
                     target_type="qr_code", target_id=code.id,
                     after={"version": code.progress_version})
    return str(kernel_of(session).signer.dumps({"c": str(code.id), "v": code.progress_version},
                                               purpose=PROGRESS_PURPOSE))


@dataclass(frozen=True)
class ProgressMember:
    name: str
    mobile: str
    completed: bool


@dataclass(frozen=True)
class Progress:
    """What the enterprise's contact sees: counts, and names and mobiles masked."""

    title: str
    enterprise: str | None
    total: int
    completed: int
    members: list[ProgressMember]

    @property
    def not_yet(self) -> list[ProgressMember]:
        return [m for m in self.members if not m.completed]


def _decrypt(session: Session, value: str | None, context: str) -> str:
    return kernel_of(session).cipher.decrypt(value, context=context) if value else ""


def roster_progress(session: Session, code: QrCode) -> list[ProgressMember]:
    family = [code.id, *repository.child_code_ids(session, code.id)]
    done = conversions_repository.converted_customers(session, family)
    return [
        ProgressMember(
            mask_name(_decrypt(session, m.name_encrypted, "outreach.roster.name")),
            mask_mobile(_decrypt(session, m.mobile_encrypted, "outreach.roster.mobile"))
            if m.mobile_encrypted else "",
            m.customer_id is not None and m.customer_id in done,
        )
        for m in repository.roster(session, code.id)
    ]


def progress_by_token(session: Session, *, token: str) -> Progress:
    """The progress page behind a signed link (no sign-in: the link is the key)."""
    data = kernel_of(session).signer.loads(token, purpose=PROGRESS_PURPOSE,
                                           max_age=PROGRESS_DAYS * 86400)
    code = None
    if isinstance(data, dict):
        try:
            code = repository.code_by_id(session, uuid.UUID(str(data.get("c"))))
        except ValueError:
            code = None
    if code is None or data.get("v") != code.progress_version:  # type: ignore[union-attr]
        raise ProgressLinkInvalid("this progress link is not valid any more; ask your bank "
                                  "contact for a new one")
    members = roster_progress(session, code)
    return Progress(code.title, enterprise_name(session, code.enterprise_id), len(members),
                    sum(m.completed for m in members), members)
