"""Making and managing QR codes: create, list, pause, resume, revoke, extend; images."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.journeys import service as journeys
from contactless.outreach import images, repository
from contactless.outreach.errors import CodeStateConflict, InvalidCode
from contactless.outreach.models import CodeStatus, OwnerStatus, QrCode, QrCodeOwner
from contactless.outreach.service import tokens
from contactless.outreach.service.changes import mark_changed
from contactless.outreach.service.common import (
    HUNDRED,
    CodeView,
    code_for_change,
    code_for_view,
    code_view,
    code_views,
    enterprise_name,
    staff_id_of,
)
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.i18n import Translator, gettext_for
from contactless.platform.kernel import kernel_of
from contactless.web.labels import label_in

INFO = "info"
DEFAULT_DAYS = 30
MAX_DAYS = 2 * 366
MAX_SCANS = 10_000_000
MAX_PER_CUSTOMER = 10_000
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
PARAM_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CHANNEL_PATTERN = re.compile(r"^(chat|sms|poster|partner|campaign:[A-Za-z0-9_-]{1,48})$")
CHANNELS = ("chat", "sms", "poster", "partner")


def check_purpose(purpose: str, params: dict[str, Any] | None) -> tuple[str, dict[str, str]]:
    """``info`` or a journey key, with at most 10 short string parameters."""
    purpose = purpose.strip()
    if not PURPOSE_PATTERN.fullmatch(purpose):
        raise InvalidCode("purpose must be 'info' or a journey key such as deposit_renewal")
    clean: dict[str, str] = {}
    for key, value in (params or {}).items():
        if not PARAM_PATTERN.fullmatch(str(key)) or not isinstance(value, str | int):
            raise InvalidCode("journey parameters are short names with text values")
        text = str(value)
        if len(text) > 500 or (key != "message" and len(text) > 128):
            raise InvalidCode("a journey parameter value is too long")
        clean[str(key)] = text
    if len(clean) > 10:
        raise InvalidCode("a QR code takes at most 10 journey parameters")
    return purpose, clean


def check_channel(channel: str) -> str:
    channel = channel.strip()
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise InvalidCode("channel must be chat, sms, poster, partner or campaign:<id>")
    return channel


def check_window(not_before: datetime, expires_at: datetime, now: datetime) -> None:
    if not_before.tzinfo is None or expires_at.tzinfo is None:
        raise InvalidCode("give times with a time zone")
    if expires_at <= not_before:
        raise InvalidCode("the code must expire after it becomes valid")
    if expires_at <= now:
        raise InvalidCode("the expiry must be in the future")
    if expires_at - now > timedelta(days=MAX_DAYS):
        raise InvalidCode("a QR code is valid for at most two years")


def check_limits(max_scans: int | None, per_customer_limit: int | None) -> None:
    if max_scans is not None and not 1 <= max_scans <= MAX_SCANS:
        raise InvalidCode("max scans must be between 1 and 10,000,000")
    if per_customer_limit is not None and not 1 <= per_customer_limit <= MAX_PER_CUSTOMER:
        raise InvalidCode("the per-customer limit must be between 1 and 10,000")


def create_code(
    session: Session, actor: Actor, *, purpose: str, channel: str, title: str | None = None,
    headline: str | None = None, params: dict[str, Any] | None = None,
    enterprise_id: uuid.UUID | None = None,
    roster_restricted: bool = False, not_before: datetime | None = None,
    expires_at: datetime | None = None, max_scans: int | None = None,
    per_customer_limit: int | None = None, bind_on_first_scan: bool = False,
) -> CodeView:
    """Make a code owned by its creator alone (share 100%), valid now for 30 days, unlimited,
    unless told otherwise. Co-owners are invited afterwards. ``title`` is the owners'
    internal label; ``headline`` is what customers read on the poster and landing page."""
    authorize(actor, Operation.CODE_CREATE)
    if actor.kind != "staff":
        raise InvalidCode("a QR code is created by a relationship manager")
    now = utcnow()
    purpose, clean_params = check_purpose(purpose, params)
    channel = check_channel(channel)
    starts = not_before or now
    ends = expires_at or max(starts, now) + timedelta(days=DEFAULT_DAYS)
    check_window(starts, ends, now)
    check_limits(max_scans, per_customer_limit)
    if enterprise_id is not None:
        if enterprise_name(session, enterprise_id) is None:
            raise InvalidCode("unknown enterprise")
        # a group code is made for an enterprise of the creator's own branch subtree
        customers.check_enterprise_in_scope(session, actor, Operation.CODE_CREATE,
                                            enterprise_id=enterprise_id)
    if roster_restricted and enterprise_id is None:
        raise InvalidCode("a roster-restricted code belongs to an enterprise")
    title = (title or "").strip() or untitled_label(session, purpose, channel)
    if len(title) > 128:
        raise InvalidCode("the title is at most 128 characters")
    headline = (headline or "").strip() or None
    if headline is not None and len(headline) > 128:
        raise InvalidCode("the headline is at most 128 characters")
    creator = staff_id_of(actor)
    code = QrCode(
        short_code=tokens.new_short_code(), title=title, headline=headline, purpose=purpose,
        params=clean_params,
        channel=channel, enterprise_id=enterprise_id, roster_restricted=roster_restricted,
        not_before=starts, expires_at=ends, max_scans=max_scans,
        per_customer_limit=per_customer_limit, bind_on_first_scan=bind_on_first_scan,
        status=CodeStatus.ACTIVE, created_by=creator, branch_path=actor.branch_path or "/",
    )
    session.add(code)
    session.flush()
    session.add(QrCodeOwner(code_id=code.id, staff_id=creator, share=HUNDRED,
                            status=OwnerStatus.ACCEPTED, responded_at=now))
    session.flush()
    audit.record(session, actor, action="outreach.code_created", target_type="qr_code",
                 target_id=code.id, after=_state(code),
                 details={"purpose": purpose, "channel": channel})
    return code_view(session, code)


def _state(code: QrCode) -> dict[str, Any]:
    return {"status": code.status, "not_before": code.not_before.isoformat(),
            "expires_at": code.expires_at.isoformat(), "max_scans": code.max_scans,
            "per_customer_limit": code.per_customer_limit,
            "bind_on_first_scan": code.bind_on_first_scan, "purpose": code.purpose,
            "channel": code.channel, "roster_restricted": code.roster_restricted}


def list_codes(session: Session, actor: Actor, *, status: str | None = None,
               include_personal: bool = False, limit: int = 200) -> list[CodeView]:
    """An RM's own codes (created, owned or invited to); a manager's branch codes; all codes
    for head-office admins and auditors."""
    if actor.kind == "system":
        codes = repository.codes_in_branch(session, None, status=status, limit=limit)
    elif actor.role == Role.RM:
        codes = repository.codes_of_staff(session, staff_id_of(actor), status=status,
                                          include_personal=include_personal, limit=limit)
    else:
        authorize(actor, Operation.CODE_READ)
        codes = repository.codes_in_branch(session, identity.scope_path(actor), status=status,
                                           limit=limit)
    return code_views(session, codes)


def get_code(session: Session, actor: Actor, *, code_id: uuid.UUID) -> CodeView:
    return code_view(session, code_for_view(session, actor, code_id))


def _change(session: Session, actor: Actor, code: QrCode, action: str,
            before: dict[str, Any]) -> CodeView:
    # the lean scan path's per-process cache forgets the code (others within its 2 s TTL)
    mark_changed(session, code.short_code)
    session.flush()
    audit.record(session, actor, action=f"outreach.code_{action}", target_type="qr_code",
                 target_id=code.id, before=before, after=_state(code))
    return code_view(session, code)


def pause_code(session: Session, actor: Actor, *, code_id: uuid.UUID) -> CodeView:
    """Stop scans for now; resuming opens the code again."""
    code = code_for_change(session, actor, code_id)
    if code.status != CodeStatus.ACTIVE:
        raise CodeStateConflict("only an active code can be paused")
    before = _state(code)
    code.status = CodeStatus.PAUSED
    return _change(session, actor, code, "paused", before)


def resume_code(session: Session, actor: Actor, *, code_id: uuid.UUID) -> CodeView:
    code = code_for_change(session, actor, code_id)
    if code.status != CodeStatus.PAUSED:
        raise CodeStateConflict("only a paused code can be resumed")
    before = _state(code)
    code.status = CodeStatus.ACTIVE
    return _change(session, actor, code, "resumed", before)


def revoke_code(session: Session, actor: Actor, *, code_id: uuid.UUID) -> CodeView:
    """Withdraw a code for good (its personal codes too). Credit already earned stays."""
    code = code_for_change(session, actor, code_id, admin_may=True)
    if code.status == CodeStatus.REVOKED:
        raise CodeStateConflict("the code is already revoked")
    before = _state(code)
    code.status = CodeStatus.REVOKED
    for child in repository.codes_by_ids(session, repository.child_code_ids(session, code.id)):
        child.status = CodeStatus.REVOKED
        mark_changed(session, child.short_code)
    return _change(session, actor, code, "revoked", before)


def extend_code(session: Session, actor: Actor, *, code_id: uuid.UUID,
                expires_at: datetime) -> CodeView:
    """Move the expiry later (also brings an expired code back)."""
    code = code_for_change(session, actor, code_id)
    if code.status == CodeStatus.REVOKED:
        raise CodeStateConflict("a revoked code cannot be extended")
    if expires_at.tzinfo is None or expires_at <= code.expires_at:
        raise InvalidCode("the new expiry must be later than the current one")
    check_window(code.not_before, expires_at, utcnow())
    before = _state(code)
    code.expires_at = expires_at
    for child in repository.codes_by_ids(session, repository.child_code_ids(session, code.id)):
        child.expires_at = expires_at
        mark_changed(session, child.short_code)
    return _change(session, actor, code, "extended", before)


# ---- images ----------------------------------------------------------------------------------


def untitled_label(session: Session, purpose: str, channel: str) -> str:
    """An untitled code's internal label, in the bank's language: "定期存款到期转存 · 短信"."""
    locale = kernel_of(session).settings.default_locale
    names = {entry.key: entry.title for entry in journeys.journey_catalog(session,
                                                                          translator=Translator.of(locale))}
    name = gettext_for(locale)("Information page") if purpose == "info" else \
        names.get(purpose, purpose)
    return f"{name} · {label_in(locale, 'channel', channel)}"


def customer_headline(session: Session, view: CodeView, *, translator: Translator) -> str:
    """What a customer reads as the code's title: its headline, or else the journey's name
    (an information code without a headline has none). Never the owners' internal label."""
    if view.headline:
        return view.headline
    if view.purpose == "info":
        return ""
    names = {entry.key: entry.title for entry in journeys.journey_catalog(
        session, translator=Translator.of(translator.locale))}
    return names.get(view.purpose, "")


def _label(session: Session, view: CodeView, title: str = "") -> images.Label:
    bank = kernel_of(session).settings.bank_name
    return images.Label(bank_name=bank, caption=view.owner_names, title=title,
                        enterprise=view.enterprise_name)


def code_png(session: Session, actor: Actor, *, code_id: uuid.UUID, base_url: str,
             scale: int = 8) -> bytes:
    """The code as PNG, with the bank's and the owners' names under it."""
    view = get_code(session, actor, code_id=code_id)
    return images.png(base_url + view.path, _label(session, view), scale=scale)


def code_svg(session: Session, actor: Actor, *, code_id: uuid.UUID, base_url: str) -> str:
    view = get_code(session, actor, code_id=code_id)
    return images.svg(base_url + view.path, _label(session, view))


def code_poster(session: Session, actor: Actor, *, code_id: uuid.UUID, base_url: str,
                translator: Translator) -> bytes:
    """A printable A4 poster (PDF) for branch counters and company notice boards."""
    view = get_code(session, actor, code_id=code_id)
    title = customer_headline(session, view, translator=translator)
    return images.poster_pdf(base_url + view.path, _label(session, view, title),
                             expires_at=view.expires_at,
                             zone=kernel_of(session).settings.timezone,
                             locale=translator.locale)
