"""Attribution: which code a business outcome is credited to, counted once.

A conversion (转化) is a business outcome, not a journey: a deposit kept at maturity, new
money placed (a deposit, a wealth subscription, a loan paid out), an account opened. The
journey names it (``outcome`` in ``journey.completed``: its kind and the core's id of the
deposit, order, loan or account); that business key is unique, so a second journey on the
same deposit updates the same conversion. What it is worth, and whether it is pending,
realised or lost, is read from the books (``outcomes``), after the journey and again after
each corebank event that can settle it.

The rule (归因规则): the code the customer last scanned (an accepted scan, tied to them at the
scan or by signing in on that device) within the attribution window before completion (30
days unless the bank sets another). Someone with no scan of their own on record (a new
customer who opened online from a code) is credited to the code the journey was started from
only through the scan that proved the start link (the engine checks it against the scans on
record). Its owners share the credit by their shares; rejected scans never count. A journey
a partner platform started (``partner_id`` in its events) is that partner's conversion, kept by
the open platform, and no code's. Handlers
run after the journey's commit; a replayed completion changes nothing and is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.outreach import repository
from contactless.outreach import repository_conversions as conversions_repository
from contactless.outreach.errors import PolicyInvalid
from contactless.outreach.models import (
    CodeStatus,
    ConversionStatus,
    OutreachPolicy,
    OwnerStatus,
    QrCode,
    QrCodeOwner,
    QrConversion,
    QrCredit,
    QrJourney,
    QrScan,
    ScanResult,
)
from contactless.outreach.service import outcomes
from contactless.outreach.service.common import roster_entry_of, split_amount
from contactless.platform import audit
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.money import CURRENCY_EXPONENTS, DEFAULT_CURRENCY

log = structlog.get_logger(__name__)

DEFAULT_WINDOW_DAYS = 30
JOURNEY_STARTED = "journey.started"
JOURNEY_COMPLETED = "journey.completed"
# what the books publish that can settle a pending conversion: topic -> (kind, id field)
SETTLING_EVENTS: dict[str, tuple[str, str]] = {
    "corebank.deposit_matured": (outcomes.DEPOSIT_KEPT, "deposit_id"),
    "corebank.deposit_withdrawn_early": (outcomes.DEPOSIT_KEPT, "deposit_id"),
    "corebank.deposit_partially_withdrawn": (outcomes.DEPOSIT_KEPT, "deposit_id"),
    "corebank.deposit_instruction_changed": (outcomes.DEPOSIT_KEPT, "deposit_id"),
    "corebank.wealth_order_settled": (outcomes.WEALTH_PURCHASE, "order_id"),
    "corebank.loan_disbursed": (outcomes.LOAN_DISBURSED, "loan_id"),
}
ATTRIBUTION = SYSTEM.with_channel("outreach")
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


@dataclass(frozen=True)
class Touch:
    """The code a journey is credited to, and why."""

    code: QrCode
    scan: QrScan | None
    touched_at: datetime
    basis: str


def find_touch(session: Session, *, customer_id: uuid.UUID | None,
               qr_code_id: uuid.UUID | None, at: datetime, days: int,
               scan_id: uuid.UUID | None = None) -> Touch | None:
    """Last touch: the customer's latest accepted scan within ``days`` before ``at`` (of a code
    not revoked since). A person
    with no scan of their own on record (a new customer who opened online) is credited to the
    code the journey was started from only through ``scan_id``, the scan that proved the start
    link: accepted, of that very code, within the window, and the code not revoked since."""
    since = at - timedelta(days=days)
    if customer_id is not None:
        scan = repository.last_touch(session, customer_id, since=since, until=at)
        if scan is not None and scan.code_id is not None:
            code = repository.code_by_id(session, scan.code_id)
            if code is not None:
                return Touch(code, scan, scan.scanned_at, LAST_SCAN)
    if qr_code_id is None or scan_id is None:
        return None
    proof = conversions_repository.scan_by_id(session, scan_id)
    if (proof is None or proof.code_id != qr_code_id or proof.result != ScanResult.ACCEPTED
            or not since <= proof.scanned_at <= at):
        return None
    code = repository.code_by_id(session, qr_code_id)
    if code is None or code.status == CodeStatus.REVOKED:
        return None
    return Touch(code, proof, proof.scanned_at, JOURNEY_CODE)


def record_journey_started(
    session: Session, *, journey_id: str, customer_id: uuid.UUID | None,
    qr_code_id: uuid.UUID | None = None, journey_key: str = "",
    started_at: datetime | None = None, scan_id: uuid.UUID | None = None,
) -> QrJourney | None:
    """Count a started journey for the code it is attributed to (funnel step 3)."""
    started = started_at or utcnow()
    if conversions_repository.journey(session, journey_id) is not None:
        return None
    touch = find_touch(session, customer_id=customer_id, qr_code_id=qr_code_id, at=started,
                       days=window_days(session), scan_id=scan_id)
    if touch is None:
        return None
    row = QrJourney(journey_id=journey_id, code_id=touch.code.id, customer_id=customer_id,
                    journey_key=journey_key[:64], started_at=started)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Completion:
    """A completed journey as outreach reads its event."""

    journey_id: str
    customer_id: uuid.UUID
    kind: str | None
    reference_id: uuid.UUID | None
    product: str = ""
    currency: str = DEFAULT_CURRENCY
    completed_at: datetime | None = None
    qr_code_id: uuid.UUID | None = None
    scan_id: uuid.UUID | None = None
    journey_key: str = ""


def credit_conversion(session: Session, completion: Completion) -> QrConversion | None:
    """Credit the business outcome of a completed journey to the owners of its last-touch
    code (see ``find_touch``), split by their shares: a new conversion, or the one this
    outcome already has (re-credited to the newer touch). None when the journey had no
    business outcome, nothing in the window earns it, or this journey was counted before (a
    replay, audited)."""
    completed = completion.completed_at or utcnow()
    journey = conversions_repository.journey(session, completion.journey_id)
    if journey is not None and journey.completed_at is not None:
        audit.record(session, ATTRIBUTION, action="outreach.completion_replayed",
                     target_type="qr_journey", target_id=completion.journey_id,
                     details={"conversion_id": str(journey.conversion_id)
                              if journey.conversion_id else None})
        return None
    days = window_days(session)
    touch = find_touch(session, customer_id=completion.customer_id,
                       qr_code_id=completion.qr_code_id, at=completed, days=days,
                       scan_id=completion.scan_id)
    if touch is None:
        return None
    _tick_roster(session, touch.code, completion.customer_id)
    if completion.kind not in outcomes.KINDS or completion.reference_id is None:
        _journey_done(session, journey, completion, None, touch, completed)
        return None
    reading = outcomes.read_outcome(session, kind=completion.kind,
                                    reference_id=completion.reference_id)
    if reading is None:
        log.warning("conversion_without_books", kind=completion.kind,
                    reference_id=str(completion.reference_id))
        _journey_done(session, journey, completion, None, touch, completed)
        return None
    key = outcomes.business_key(completion.kind, completion.reference_id)
    conversion = conversions_repository.conversion_by_key(session, key, for_update=True)
    if conversion is None and completion.kind == outcomes.DEPOSIT_KEPT \
            and reading.status == outcomes.PENDING and reading.expected == 0:
        # an instruction to pay out keeps nothing: no conversion of its own
        _journey_done(session, journey, completion, None, touch, completed)
        return None
    if conversion is None:
        conversion = _new_conversion(session, completion, key, touch, completed, days,
                                     reading.currency)
        if conversion is None:  # another worker recorded the same outcome meanwhile
            conversion = conversions_repository.conversion_by_key(session, key, for_update=True)
    else:
        _update_conversion(session, conversion, completion, touch, completed, days)
    _journey_done(session, journey, completion, conversion, touch, completed)
    if conversion is None:
        return None
    settle(session, conversion, reading)
    return conversion


def _new_conversion(session: Session, completion: Completion, key: str, touch: Touch,
                    completed: datetime, days: int, currency: str) -> QrConversion | None:
    conversion = QrConversion(
        business_key=key, kind=str(completion.kind), reference_id=completion.reference_id,
        status=ConversionStatus.PENDING, journey_id=completion.journey_id, journeys=1,
        code_id=touch.code.id, scan_id=touch.scan.id if touch.scan else None,
        basis=touch.basis, customer_id=completion.customer_id,
        product=completion.product[:64], expected_amount=Decimal("0.00"),
        amount=Decimal("0.00"), currency=currency[:3], completed_at=completed,
        touched_at=touch.touched_at, window_days=days,
    )
    try:
        with session.begin_nested():
            session.add(conversion)
            session.flush()
    except IntegrityError:
        return None
    _credit_owners(session, conversion, touch.code)
    audit.record(session, ATTRIBUTION, action="outreach.conversion_recorded",
                 target_type="qr_conversion", target_id=conversion.id,
                 after={"business_key": key, "code_id": str(touch.code.id),
                        "journey_id": completion.journey_id, "basis": touch.basis})
    return conversion


def _update_conversion(session: Session, conversion: QrConversion, completion: Completion,
                       touch: Touch, completed: datetime, days: int) -> None:
    """A later journey on the same outcome: the same conversion, credited to the newer
    touch (last touch wins), never a second one."""
    before = {"code_id": str(conversion.code_id), "journey_id": conversion.journey_id,
              "journeys": conversion.journeys}
    conversion.journey_id = completion.journey_id
    conversion.journeys += 1
    conversion.product = completion.product[:64] or conversion.product
    conversion.completed_at = completed
    if conversion.status == ConversionStatus.PENDING and touch.code.id != conversion.code_id:
        conversion.code_id = touch.code.id
        conversion.scan_id = touch.scan.id if touch.scan else None
        conversion.basis = touch.basis
        conversion.touched_at = touch.touched_at
        conversion.window_days = days
        conversions_repository.delete_credits(session, conversion.id)
        _credit_owners(session, conversion, touch.code)
    session.flush()
    audit.record(session, ATTRIBUTION, action="outreach.conversion_updated",
                 target_type="qr_conversion", target_id=conversion.id, before=before,
                 after={"code_id": str(conversion.code_id),
                        "journey_id": conversion.journey_id,
                        "journeys": conversion.journeys})


def _credit_owners(session: Session, conversion: QrConversion, code: QrCode) -> None:
    """One credit row per accepted owner with a share (a personal code is credited to its
    group code's owners), by their shares of today; the amounts follow the books."""
    owners: list[QrCodeOwner] = [
        o for o in repository.owners(session, [code.parent_id or code.id])
        if o.status == OwnerStatus.ACCEPTED and o.share > 0
    ]
    for owner in owners:
        session.add(QrCredit(conversion_id=conversion.id, staff_id=owner.staff_id,
                             share=owner.share, amount=Decimal("0.00"),
                             expected=Decimal("0.00"), currency=conversion.currency,
                             completed_at=conversion.completed_at))
    session.flush()


def _journey_done(session: Session, journey: QrJourney | None, completion: Completion,
                  conversion: QrConversion | None, touch: Touch, completed: datetime) -> None:
    """Count the completion on the journey's row (the funnel's last step; a replay finds it
    counted)."""
    if journey is None:
        journey = QrJourney(journey_id=completion.journey_id, code_id=touch.code.id,
                            customer_id=completion.customer_id,
                            journey_key=completion.journey_key[:64], started_at=completed)
        session.add(journey)
    elif journey.customer_id is None:
        journey.customer_id = completion.customer_id
    journey.completed_at = completed
    journey.conversion_id = conversion.id if conversion is not None else None
    session.flush()


def settle(session: Session, conversion: QrConversion,
           reading: outcomes.Reading | None = None) -> bool:
    """Bring a pending conversion to what the books say (its expected amount, or realised
    with the money moved or kept, or lost); the owners' credits follow, split exactly to the
    fen. A realised or lost conversion never changes again. True if it changed."""
    if conversion.status != ConversionStatus.PENDING:
        return False
    if reading is None:
        if conversion.reference_id is None:
            return False
        reading = outcomes.read_outcome(session, kind=conversion.kind,
                                        reference_id=conversion.reference_id)
        if reading is None:
            return False
    exponent = CURRENCY_EXPONENTS.get(conversion.currency, 2)
    unit = Decimal(1).scaleb(-exponent)
    # a lost conversion keeps what it was expected to bring (the money that left)
    expected = (conversion.expected_amount if reading.status == outcomes.LOST
                else reading.expected.quantize(unit))
    amount = reading.amount.quantize(unit) if reading.status == outcomes.REALISED \
        else Decimal(0).quantize(unit)
    if reading.status == outcomes.PENDING and expected == conversion.expected_amount:
        return False
    before = {"status": conversion.status, "expected_amount": str(conversion.expected_amount)}
    conversion.expected_amount = expected
    conversion.amount = amount
    if reading.status != outcomes.PENDING:
        conversion.status = (ConversionStatus.REALISED if reading.status == outcomes.REALISED
                             else ConversionStatus.LOST)
        conversion.settled_at = (outcomes.settled_moment(session, reading.on) if reading.on
                                 else utcnow())
        conversion.entry_id = reading.entry_id
    credits = conversions_repository.credits_for(session, conversion.id)
    shares = [credit.share for credit in credits]
    for credit, part, hoped in zip(credits, split_amount(amount, shares, exponent),
                                   split_amount(expected, shares, exponent), strict=True):
        credit.amount = part
        credit.expected = hoped
    session.flush()
    audit.record(session, ATTRIBUTION, action=f"outreach.conversion_{conversion.status}",
                 target_type="qr_conversion", target_id=conversion.id, before=before,
                 after={"status": conversion.status, "amount": str(amount),
                        "expected_amount": str(expected), "currency": conversion.currency,
                        "entry_id": str(reading.entry_id) if reading.entry_id else None})
    return True


def settle_outcome(session: Session, *, kind: str, reference_id: uuid.UUID) -> bool:
    """The books changed for one deposit, order or loan: settle its conversion, if it has
    one. A settled conversion does not change again (a replayed event is audited)."""
    key = outcomes.business_key(kind, reference_id)
    conversion = conversions_repository.conversion_by_key(session, key, for_update=True)
    if conversion is None:
        return False
    if conversion.status != ConversionStatus.PENDING:
        audit.record(session, ATTRIBUTION, action="outreach.settlement_replayed",
                     target_type="qr_conversion", target_id=conversion.id,
                     details={"status": conversion.status})
        return False
    return settle(session, conversion)


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
    if payload.get("partner_id"):  # a partner's journey is the partner's conversion
        return
    journey_id = str(payload.get("journey_id") or "")
    if not journey_id:
        log.warning("journey_event_without_id", topic=event.topic, event_id=str(event.id))
        return
    record_journey_started(session, journey_id=journey_id,
                           customer_id=_uuid(payload.get("customer_id")),
                           qr_code_id=_uuid(payload.get("qr_code_id")),
                           journey_key=str(payload.get("journey_key") or ""),
                           started_at=_time(payload.get("started_at") or payload.get("at")),
                           scan_id=_uuid(payload.get("qr_scan_id")))


def completion_of(payload: dict[str, Any]) -> Completion | None:
    """Read a ``journey.completed`` payload; None without a journey or customer id."""
    customer_id = _uuid(payload.get("customer_id"))
    journey_id = str(payload.get("journey_id") or "")
    if customer_id is None or not journey_id:
        return None
    given = payload.get("outcome")
    outcome: dict[str, Any] = given if isinstance(given, dict) else {}
    return Completion(
        journey_id=journey_id, customer_id=customer_id,
        kind=str(outcome.get("kind")) if outcome.get("kind") else None,
        reference_id=_uuid(outcome.get("reference_id")),
        product=str(payload.get("product") or ""),
        currency=str(payload.get("currency") or DEFAULT_CURRENCY),
        completed_at=_time(payload.get("completed_at") or payload.get("at")),
        qr_code_id=_uuid(payload.get("qr_code_id")), scan_id=_uuid(payload.get("qr_scan_id")),
        journey_key=str(payload.get("journey_key") or ""))


def on_journey_completed(session: Session, event: DomainEvent) -> None:
    if event.payload.get("partner_id"):  # the open platform credits the partner that started it
        return
    completion = completion_of(event.payload)
    if completion is None:
        log.warning("journey_event_without_ids", topic=event.topic, event_id=str(event.id))
        return
    credit_conversion(session, completion)


def on_books_changed(session: Session, event: DomainEvent) -> None:
    """A corebank event that can settle a conversion (a maturity, an early withdrawal, an
    instruction changed at the counter, a wealth order settled, a loan paid out)."""
    kind, field = SETTLING_EVENTS[event.topic]
    reference_id = _uuid(event.payload.get(field))
    if reference_id is None:
        log.warning("corebank_event_without_id", topic=event.topic, event_id=str(event.id))
        return
    settle_outcome(session, kind=kind, reference_id=reference_id)


def subscribe(bus: EventBus) -> None:
    """Listen to the journeys' and the books' events on this bus (once, however often it is
    called: the bus keeps a handler once per topic)."""
    bus.subscribe(JOURNEY_STARTED, on_journey_started)
    bus.subscribe(JOURNEY_COMPLETED, on_journey_completed)
    for topic in SETTLING_EVENTS:
        bus.subscribe(topic, on_books_changed)
