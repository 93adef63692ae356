"""Attribution: who gets the credit when a journey completes.

The rule (归因规则): the conversion goes to the code the customer last scanned (an accepted
scan, tied to them at the scan or by signing in on that device) within the attribution window
before completion (30 days unless the bank sets another). Someone with no scan of their own on
record (a new customer who opened online from a code) is credited to the code the journey was
started from. Its owners share the credit by their shares; rejected scans never count.
Handlers run after the journey's commit, once per journey (a replay changes nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import structlog
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.outreach import repository
from contactless.outreach.errors import PolicyInvalid
from contactless.outreach.models import (
    CodeStatus,
    OutreachPolicy,
    OwnerStatus,
    QrCode,
    QrCodeOwner,
    QrConversion,
    QrCredit,
    QrJourney,
    QrScan,
)
from contactless.outreach.service.common import roster_entry_of
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.money import CURRENCY_EXPONENTS, DEFAULT_CURRENCY

log = structlog.get_logger(__name__)

DEFAULT_WINDOW_DAYS = 30
JOURNEY_STARTED = "journey.started"
JOURNEY_COMPLETED = "journey.completed"
LAST_SCAN = "last_scan"
JOURNEY_CODE = "journey_code"


@dataclass(frozen=True)
class Policy:
    attribution_window_days: int
    updated_at: datetime | None
    updated_by: str | None


def window_days(session: Session) -> int:
    row = repository.policy(session)
    return row.attribution_window_days if row else DEFAULT_WINDOW_DAYS


def get_policy(session: Session) -> Policy:
    row = repository.policy(session)
    if row is None:
        return Policy(DEFAULT_WINDOW_DAYS, None, None)
    return Policy(row.attribution_window_days, row.updated_at, row.updated_by)


def set_policy(session: Session, actor: Actor, *, attribution_window_days: int) -> Policy:
    """Change the last-touch window (1-365 days); it applies to conversions from now on."""
    authorize(actor, Operation.ATTRIBUTION_POLICY_SET)
    if not 1 <= attribution_window_days <= 365:
        raise PolicyInvalid("the attribution window is 1 to 365 days")
    row = repository.policy(session)
    before = {"attribution_window_days": row.attribution_window_days if row
              else DEFAULT_WINDOW_DAYS}
    if row is None:
        row = OutreachPolicy(id=1, attribution_window_days=attribution_window_days,
                             updated_by=actor.id)
        session.add(row)
    row.attribution_window_days = attribution_window_days
    row.updated_at = utcnow()
    row.updated_by = actor.id
    session.flush()
    audit.record(session, actor, action="outreach.policy_changed", target_type="outreach_policy",
                 target_id=1, before=before,
                 after={"attribution_window_days": attribution_window_days})
    return get_policy(session)


# ---- reading events --------------------------------------------------------------------------


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif value:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    else:
        return utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _amount(value: Any) -> Decimal:
    # JSON has no decimal type: journeys send strings; a number is read through its text
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


# ---- the rule --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Touch:
    """The code a journey is credited to, and why."""

    code: QrCode
    scan: QrScan | None
    touched_at: datetime
    basis: str


def find_touch(session: Session, *, customer_id: uuid.UUID | None,
               qr_code_id: uuid.UUID | None, at: datetime, days: int) -> Touch | None:
    """Last touch: the customer's latest accepted scan within ``days`` before ``at``. A person
    with no scan of their own on record (a new customer who opened online) is credited to the
    code the journey was started from, if that code is genuine, not revoked, and was scanned
    successfully within the window."""
    since = at - timedelta(days=days)
    if customer_id is not None:
        scan = repository.last_touch(session, customer_id, since=since, until=at)
        if scan is not None and scan.code_id is not None:
            code = repository.code_by_id(session, scan.code_id)
            if code is not None:
                return Touch(code, scan, scan.scanned_at, LAST_SCAN)
    if qr_code_id is not None:
        code = repository.code_by_id(session, qr_code_id)
        if (code is not None and code.status != CodeStatus.REVOKED
                and repository.accepted_scan_between(session, code.id, since=since, until=at)):
            return Touch(code, None, at, JOURNEY_CODE)
    return None


def record_journey_started(
    session: Session, *, journey_id: str, customer_id: uuid.UUID | None,
    qr_code_id: uuid.UUID | None = None, journey_key: str = "",
    started_at: datetime | None = None,
) -> QrJourney | None:
    """Count a started journey for the code it is attributed to (funnel step 3)."""
    started = started_at or utcnow()
    if repository.journey(session, journey_id) is not None:
        return None
    touch = find_touch(session, customer_id=customer_id, qr_code_id=qr_code_id, at=started,
                       days=window_days(session))
    if touch is None:
        return None
    row = QrJourney(journey_id=journey_id, code_id=touch.code.id, customer_id=customer_id,
                    journey_key=journey_key[:64], started_at=started)
    session.add(row)
    session.flush()
    return row


def credit_conversion(
    session: Session, *, journey_id: str, customer_id: uuid.UUID, amount: Decimal,
    currency: str = DEFAULT_CURRENCY, product: str = "", completed_at: datetime | None = None,
    qr_code_id: uuid.UUID | None = None, journey_key: str = "",
) -> QrConversion | None:
    """Credit a completed journey to the owners of its last-touch code (see ``find_touch``),
    split by their shares. None when nothing in the window earns it, or when this journey was
    credited before (a replayed event changes nothing)."""
    completed = completed_at or utcnow()
    if repository.conversion(session, journey_id) is not None:
        return None
    days = window_days(session)
    touch = find_touch(session, customer_id=customer_id, qr_code_id=qr_code_id, at=completed,
                       days=days)
    if touch is None:
        return None
    code = touch.code
    _tick_roster(session, code, customer_id)
    started = repository.journey(session, journey_id)
    if started is None:
        session.add(QrJourney(journey_id=journey_id, code_id=code.id, customer_id=customer_id,
                              journey_key=journey_key[:64], started_at=completed))
    elif started.customer_id is None:
        started.customer_id = customer_id
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    value = amount.quantize(Decimal(1).scaleb(-exponent))
    conversion = QrConversion(
        journey_id=journey_id, code_id=code.id, scan_id=touch.scan.id if touch.scan else None,
        basis=touch.basis, customer_id=customer_id, product=product[:64], amount=value,
        currency=currency[:3], completed_at=completed, touched_at=touch.touched_at,
        window_days=days,
    )
    session.add(conversion)
    session.flush()
    # a personal code is credited to its group code's owners, by their shares of today
    owners: list[QrCodeOwner] = [
        o for o in repository.owners(session, [code.parent_id or code.id])
        if o.status == OwnerStatus.ACCEPTED and o.share > 0
    ]
    parts = split_amount(value, [o.share for o in owners], exponent)
    for owner, part in zip(owners, parts, strict=True):
        session.add(QrCredit(conversion_id=conversion.id, staff_id=owner.staff_id,
                             share=owner.share, amount=part, currency=conversion.currency,
                             completed_at=completed))
    session.flush()
    return conversion


def _tick_roster(session: Session, code: QrCode, customer_id: uuid.UUID) -> None:
    """Someone who scanned a roster code before they were a customer (they proved their
    mobile) completed: the roster entry that has no customer yet becomes this customer, so
    the progress page ticks them off."""
    if not (code.roster_restricted or code.parent_id):
        return
    member = roster_entry_of(session, code, customer_id)
    if member is not None and member.customer_id is None:
        member.customer_id = customer_id


def on_journey_started(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    journey_id = str(payload.get("journey_id") or "")
    if not journey_id:
        log.warning("journey_event_without_id", topic=event.topic, event_id=str(event.id))
        return
    record_journey_started(session, journey_id=journey_id,
                           customer_id=_uuid(payload.get("customer_id")),
                           qr_code_id=_uuid(payload.get("qr_code_id")),
                           journey_key=str(payload.get("journey_key") or ""),
                           started_at=_time(payload.get("started_at") or payload.get("at")))


def on_journey_completed(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    customer_id = _uuid(payload.get("customer_id"))
    journey_id = str(payload.get("journey_id") or "")
    if customer_id is None or not journey_id:
        log.warning("journey_event_without_ids", topic=event.topic, event_id=str(event.id))
        return
    credit_conversion(
        session, journey_id=journey_id, customer_id=customer_id,
        amount=_amount(payload.get("amount")),
        currency=str(payload.get("currency") or DEFAULT_CURRENCY),
        product=str(payload.get("product") or ""),
        completed_at=_time(payload.get("completed_at") or payload.get("at")),
        qr_code_id=_uuid(payload.get("qr_code_id")),
        journey_key=str(payload.get("journey_key") or ""),
    )


def subscribe(bus: EventBus) -> None:
    """Listen to the journeys' events on this bus (once, however often it is called: the bus
    keeps a handler once per topic)."""
    bus.subscribe(JOURNEY_STARTED, on_journey_started)
    bus.subscribe(JOURNEY_COMPLETED, on_journey_completed)
