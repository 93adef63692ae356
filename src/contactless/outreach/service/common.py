"""What the outreach use cases share: the views they return and who may see or change a code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.errors import UnknownStaff
from contactless.identity.permissions import Operation, authorize, in_branch_scope
from contactless.identity.service import Role
from contactless.outreach import repository
from contactless.outreach.errors import CodeNotFound, NotCodeOwner
from contactless.outreach.models import (
    CodeStatus,
    OwnerStatus,
    QrCode,
    QrCodeOwner,
    QrRosterMember,
)
from contactless.outreach.service import tokens
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of

HUNDRED = Decimal("100.00")
NO_SHARE = Decimal("0.00")
# roles that may own and create codes (客户经理, and branch managers for counter posters)
OWNER_ROLES = (Role.RM, Role.BRANCH_MANAGER)
# roles that see every code of their branch subtree, not only their own
BRANCH_READERS = frozenset({Role.BRANCH_MANAGER.value, Role.ADMIN.value, Role.AUDITOR.value})


@dataclass(frozen=True)
class OwnerView:
    staff_id: uuid.UUID
    name: str
    share: Decimal
    status: str
    is_creator: bool


@dataclass(frozen=True)
class CodeView:
    """A code as pages and the API show it; ``path`` is ``/q/{token}`` signed with the
    current key (prefix the site's address to get the URL)."""

    id: uuid.UUID
    short_code: str
    path: str
    title: str
    headline: str | None
    purpose: str
    params: dict[str, Any]
    channel: str
    enterprise_id: uuid.UUID | None
    enterprise_name: str | None
    roster_restricted: bool
    parent_id: uuid.UUID | None
    not_before: datetime
    expires_at: datetime
    max_scans: int | None
    per_customer_limit: int | None
    bind_on_first_scan: bool
    status: str
    state: str
    created_by: uuid.UUID
    created_at: datetime
    owners: list[OwnerView]

    @property
    def owner_names(self) -> str:
        return "、".join(o.name for o in self.owners if o.status == OwnerStatus.ACCEPTED)


def roster_entry_of(session: Session, code: QrCode,
                    customer_id: uuid.UUID) -> QrRosterMember | None:
    """The entry a customer is on a roster code (by their mobile or ID number's blind index),
    or None."""
    person = customers.get_customer(session, SYSTEM, customer_id=customer_id, unmasked=True)
    cipher = kernel_of(session).cipher
    return repository.roster_member_of(
        session, code, mobile_index=cipher.blind_index(person.mobile, kind="mobile"),
        id_number_index=cipher.blind_index(person.id_number, kind="id_number"))


def state_of(code: QrCode, now: datetime | None = None) -> str:
    """The status a person needs: active, paused, revoked, or expired / scheduled by the clock."""
    now = now or utcnow()
    if code.status != CodeStatus.ACTIVE:
        return code.status
    if code.expires_at <= now:
        return "expired"
    if code.not_before > now:
        return "scheduled"
    return CodeStatus.ACTIVE


def staff_name(session: Session, staff_id: uuid.UUID) -> str:
    try:
        return identity.actor_for_staff_id(session, staff_id).display_name
    except UnknownStaff:
        return "?"


def enterprise_name(session: Session, enterprise_id: uuid.UUID | None) -> str | None:
    if enterprise_id is None:
        return None
    found = next((e for e in customers.list_enterprises(session) if e.id == enterprise_id), None)
    return found.name if found else None


def owner_views(session: Session, code: QrCode, rows: list[QrCodeOwner]) -> list[OwnerView]:
    return [OwnerView(o.staff_id, staff_name(session, o.staff_id), o.share, o.status,
                      o.staff_id == code.created_by) for o in rows]


def code_view(session: Session, code: QrCode, owner_rows: list[QrCodeOwner] | None = None,
              sign: Callable[[str], str] | None = None) -> CodeView:
    # a personal code has no owners of its own: its group code's owners stand behind it
    rows = (owner_rows if owner_rows is not None
            else repository.owners(session, [code.parent_id or code.id]))
    return CodeView(
        id=code.id, short_code=code.short_code,
        path=f"/q/{(sign or tokens.signer(session))(code.short_code)}",
        title=code.title, headline=code.headline, purpose=code.purpose,
        params=dict(code.params or {}),
        channel=code.channel, enterprise_id=code.enterprise_id,
        enterprise_name=enterprise_name(session, code.enterprise_id),
        roster_restricted=code.roster_restricted, parent_id=code.parent_id,
        not_before=code.not_before, expires_at=code.expires_at, max_scans=code.max_scans,
        per_customer_limit=code.per_customer_limit, bind_on_first_scan=code.bind_on_first_scan,
        status=code.status, state=state_of(code), created_by=code.created_by,
        created_at=code.created_at, owners=owner_views(session, code, rows),
    )


def code_views(session: Session, codes: list[QrCode]) -> list[CodeView]:
    rows = repository.owners(session, list({c.parent_id or c.id for c in codes}))
    by_code: dict[uuid.UUID, list[QrCodeOwner]] = {}
    for row in rows:
        by_code.setdefault(row.code_id, []).append(row)
    sign = tokens.signer(session)
    return [code_view(session, c, by_code.get(c.parent_id or c.id, []), sign) for c in codes]


def staff_id_of(actor: Actor) -> uuid.UUID:
    return uuid.UUID(actor.id)


def _sees_branch(actor: Actor, code: QrCode) -> bool:
    if actor.kind == "system":
        return True
    if actor.role in BRANCH_READERS:
        return in_branch_scope(actor, code.branch_path)
    return False


def code_for_view(session: Session, actor: Actor, code_id: uuid.UUID,
                  operation: Operation = Operation.CODE_READ) -> QrCode:
    """A code the actor may see: creator, owners and invitees, managers, admins and auditors
    of its branch subtree."""
    if actor.kind not in ("staff", "system"):
        raise CodeNotFound("QR code not found")
    authorize(actor, operation)
    code = repository.code_by_id(session, code_id)
    if code is None:
        raise CodeNotFound("QR code not found")
    if _sees_branch(actor, code):
        return code
    staff_id = staff_id_of(actor)
    if code.created_by == staff_id:
        return code
    row = repository.owner(session, code.parent_id or code.id, staff_id)
    if row is not None and row.status != OwnerStatus.DECLINED:
        return code
    raise CodeNotFound("QR code not found")


def code_for_change(session: Session, actor: Actor, code_id: uuid.UUID, *,
                    admin_may: bool = False,
                    operation: Operation = Operation.CODE_MANAGE) -> QrCode:
    """A code the actor may change: only its creator (and an admin of its branch subtree where
    ``admin_may``)."""
    code = code_for_view(session, actor, code_id, operation)
    if actor.kind == "system" or (admin_may and actor.role == Role.ADMIN):
        return code
    if code.created_by != staff_id_of(actor):
        raise NotCodeOwner("only the RM who created this QR code can change it")
    return code


def split_amount(amount: Decimal, shares: list[Decimal], exponent: int = 2) -> list[Decimal]:
    """Split ``amount`` by percent shares exactly: each part rounded down to the currency's
    unit, the leftover units to the largest shares first (ties: earlier owner)."""
    unit = Decimal(1).scaleb(-exponent)
    total = sum(shares, Decimal(0))
    if total == 0:
        return [Decimal(0).quantize(unit) for _ in shares]
    parts = [(amount * share / total).quantize(unit, rounding=ROUND_DOWN) for share in shares]
    leftover = int((amount.quantize(unit) - sum(parts, Decimal(0))) / unit)
    order = sorted(range(len(shares)), key=lambda i: (-shares[i], i))
    for step in range(abs(leftover)):
        parts[order[step % len(order)]] += unit if leftover > 0 else -unit
    return parts
