"""An RM's card (名片): what a customer who scans their code sees, and how staff set it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactless.identity import repository
from contactless.identity.errors import InvalidContactCard, UnknownStaff
from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.context import Actor

WORK_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}[0-9]$")
WECOM_URL = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~%/?=&+-]*)?$")


@dataclass(frozen=True)
class ContactCard:
    """The RM as a customer sees them: name, branch, work phone, WeCom "contact me" link."""

    staff_id: uuid.UUID
    name: str
    branch_name: str
    work_phone: str | None
    wecom_url: str | None


def contact_card(session: Session, *, staff_id: uuid.UUID) -> ContactCard | None:
    """Public: the card of an active staff member (None for anyone else)."""
    found = repository.staff_with_branch(session, staff_id)
    if found is None or not found[0].active:
        return None
    user, branch = found
    return ContactCard(user.id, user.display_name, branch.name, user.work_phone,
                       user.wecom_url)


def set_contact_card(session: Session, actor: Actor, *, staff_id: uuid.UUID,
                     work_phone: str | None, wecom_url: str | None) -> ContactCard:
    """A staff member sets their own card; admins anyone's. Empty clears a line."""
    if not (actor.kind == "staff" and actor.id == str(staff_id)):
        authorize(actor, Operation.STAFF_MANAGE)
    phone = (work_phone or "").strip() or None
    link = (wecom_url or "").strip() or None
    if phone is not None and not WORK_PHONE.fullmatch(phone):
        raise InvalidContactCard("a work phone is 6 to 20 digits, spaces or hyphens")
    if link is not None and (len(link) > 300 or not WECOM_URL.fullmatch(link)):
        raise InvalidContactCard("a WeCom contact link is an https:// address")
    found = repository.staff_with_branch(session, staff_id)
    if found is None:
        raise UnknownStaff("unknown staff member")
    user, _branch = found
    before = {"work_phone": user.work_phone, "wecom_url": user.wecom_url}
    user.work_phone, user.wecom_url = phone, link
    audit.record(session, actor, action="staff.card_set", target_type="staff_user",
                 target_id=user.id, before=before,
                 after={"work_phone": phone, "wecom_url": link})
    card = contact_card(session, staff_id=staff_id)
    if card is None:
        raise UnknownStaff("unknown staff member")
    return card
