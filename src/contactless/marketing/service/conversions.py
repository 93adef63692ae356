"""Conversions (转化): a ``journey.completed`` of a campaign's goal journey, by a member (in
the control group too: that is what uplift compares), within the goal's days of entering the
campaign. The money is read from the books through corebank's service: the principal of the
deposit the journey renewed or placed, the amount a wealth subscription took."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.marketing import repository
from contactless.marketing.models import CallTask, CampaignMember, CampaignStatus, TaskOutcome
from contactless.marketing.service import runs
from contactless.platform import audit
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.kernel import kernel_of

JOURNEY_COMPLETED = "journey.completed"
COUNTED = (CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value,
           CampaignStatus.FINISHED.value)


def money_of(session: Session, outcome: dict[str, Any] | None,
             fallback: str | None) -> Decimal | None:
    """What the outcome put (or kept) in the bank, as the books hold it."""
    kind = (outcome or {}).get("kind")
    try:
        reference = uuid.UUID(str((outcome or {}).get("reference_id")))
    except ValueError:
        reference = None
    try:
        if reference is not None and kind in ("deposit_kept", "deposit_placed"):
            return corebank.get_deposit(session, SYSTEM, deposit_id=reference).principal.amount
        if reference is not None and kind == "wealth_purchase":
            order = corebank.get_wealth_order(session, SYSTEM, order_id=reference)
            return order.amount.amount if order.amount else None
    except ContactlessError:
        return None
    return Decimal(fallback) if fallback else None


def record_conversion(session: Session, *, customer_id: uuid.UUID, journey_key: str,
                      journey_id: str, at: datetime, amount: Decimal | None) -> int:
    """Mark the customer converted in every counting campaign whose goal this is; an open
    call task of theirs in it is closed as converted. Returns how many campaigns counted."""
    counted = 0
    # members enter on the bank's day (run dates): compare in the bank's zone, not in UTC,
    # or a conversion in the bank's early morning falls a day before its member entered
    day = at.astimezone(ZoneInfo(kernel_of(session).settings.timezone)).date()
    for campaign in repository.campaigns_with_status(session, COUNTED):
        goal = campaign.goal
        if goal.get("event") != JOURNEY_COMPLETED or goal.get("journey") != journey_key:
            continue
        earliest = day - timedelta(days=int(goal["within_days"]))
        result = session.execute(
            update(CampaignMember)
            .where(CampaignMember.campaign_id == campaign.id,
                   CampaignMember.customer_id == customer_id,
                   CampaignMember.converted_at.is_(None),
                   CampaignMember.entered_on >= earliest, CampaignMember.entered_on <= day)
            .values(converted_at=at, conversion_amount=amount,
                    conversion_journey_id=journey_id))
        if not result.rowcount:  # type: ignore[attr-defined]
            continue
        counted += 1
        session.execute(update(CallTask).where(
            CallTask.campaign_id == campaign.id, CallTask.customer_id == customer_id,
            CallTask.status == "open").values(status="done",
                                              outcome=TaskOutcome.CONVERTED.value,
                                              updated_at=at))
        audit.record(session, SYSTEM, action="marketing.conversion_recorded",
                     target_type="marketing_campaign", target_id=campaign.id,
                     details={"customer_id": str(customer_id), "journey_id": journey_id,
                              "amount": str(amount) if amount is not None else None})
    return counted


def on_journey_completed(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    if not payload.get("customer_id") or not payload.get("journey_key"):
        return
    moment = payload.get("completed_at") or payload.get("at")
    at = datetime.fromisoformat(moment) if moment else event.created_at
    record_conversion(session, customer_id=uuid.UUID(payload["customer_id"]),
                      journey_key=payload["journey_key"], journey_id=payload["journey_id"],
                      at=at, amount=money_of(session, payload.get("outcome"),
                                             payload.get("amount")))


def on_outbound_sent(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    if not payload.get("customer_id"):
        return
    amount = Decimal(payload["amount"]) if payload.get("amount") else None
    runs.on_trigger(session, topic=event.topic, customer_id=uuid.UUID(payload["customer_id"]),
                    amount=amount, at=event.created_at)


def subscribe(bus: EventBus) -> None:
    """Marketing's reactions on the bus: conversions and event-triggered campaigns."""
    bus.subscribe(JOURNEY_COMPLETED, on_journey_completed)
    bus.subscribe("corebank.outbound_sent", on_outbound_sent)
