"""Time-driven work: journeys left past their time to live expire (``journey.abandoned``),
actions whose cooling-off period has passed run, and renewals into another term are placed
once their deposit has been paid out at maturity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, DepositStatus, Term
from contactless.journeys import repository
from contactless.journeys.models import JourneyStatus, RenewalOrder
from contactless.journeys.service import finish
from contactless.journeys.service.engine import emit, now, read
from contactless.journeys.service.reviews import owner_actor
from contactless.platform import audit
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError
from contactless.platform.money import Money


@dataclass(frozen=True)
class SweepReport:
    expired: int
    executed: int
    rejected: int
    renewals_placed: int


def sweep(session: Session, *, at: datetime | None = None, limit: int = 500) -> SweepReport:
    """Run everything that is due at ``at`` (now by default); running it twice does nothing
    more."""
    at = at or now()
    expired = expire_journeys(session, at=at, limit=limit)
    executed, rejected = run_cooling_off(session, at=at, limit=limit)
    placed = run_renewal_orders(session, limit=limit)
    return SweepReport(expired, executed, rejected, placed)


def expire_journeys(session: Session, *, at: datetime | None = None, limit: int = 500) -> int:
    """Mark open journeys past their expiry as expired; each publishes ``journey.abandoned``
    with reason ``expired`` and the step where the person left."""
    at = at or now()
    count = 0
    for instance in repository.expired_open(session, now=at, limit=limit):
        last_step = instance.current_step
        instance.status = JourneyStatus.EXPIRED
        instance.current_step = None
        instance.finished_at = at
        audit.record(session, SYSTEM, action="journey.expired", target_type="journey_instance",
                     target_id=instance.id, details={"last_step": last_step})
        emit(session, "journey.abandoned", instance, at, reason="expired", last_step=last_step)
        count += 1
    return count


def run_cooling_off(session: Session, *, at: datetime | None = None,
                    limit: int = 500) -> tuple[int, int]:
    """Run the final action of journeys whose cooling-off period has passed."""
    at = at or now()
    executed = rejected = 0
    for instance in repository.due_cooling_off(session, now=at, limit=limit):
        loaded = read(session, instance)
        if finish.execute_or_reject(session, owner_actor(instance), loaded, at):
            executed += 1
        else:
            rejected += 1
    return executed, rejected


def run_renewal_orders(session: Session, *, deposit_id: uuid.UUID | None = None,
                       limit: int = 500) -> int:
    """Place the new deposits of renewals into another term whose old deposit was paid out."""
    if deposit_id is not None:
        found = repository.renewal_order(session, deposit_id)
        orders = [found] if found is not None else []
    else:
        orders = repository.scheduled_renewals(session, limit=limit)
    placed = 0
    for order in orders:
        if order.status == "scheduled" and _place_renewal(session, order):
            placed += 1
    return placed


def _place_renewal(session: Session, order: RenewalOrder) -> bool:
    deposit = corebank.get_deposit(session, SYSTEM, deposit_id=order.deposit_id)
    if deposit.status == DepositStatus.ACTIVE:
        return False
    if deposit.status != DepositStatus.MATURED:
        order.status = "failed"
        order.error = f"deposit_{deposit.status}"[:200]
        return False
    interest = deposit.interest_paid.amount if deposit.interest_paid else Decimal(0)
    amount = deposit.principal.amount + (interest if order.renew_interest else Decimal(0))
    actor = finish.engine_actor(order.channel)
    try:
        with session.begin_nested():
            placed = corebank.place_deposit(
                session, actor, idempotency_key=f"journey-renewal:{order.id}",
                source_account_id=deposit.demand_account_id,
                product=DepositProduct(order.product), term=Term(order.term),
                amount=Money.of(amount, deposit.principal.currency), on=deposit.closed_on)
    except ContactlessError as error:
        order.status = "failed"
        order.error = error.code[:200]
        audit.record(session, actor, action="journey.renewal_failed",
                     target_type="journey_renewal_order", target_id=order.id,
                     details={"code": error.code})
        return False
    order.status = "done"
    order.new_deposit_id = placed.id
    order.executed_at = now()
    audit.record(session, actor, action="journey.renewal_placed",
                 target_type="journey_renewal_order", target_id=order.id,
                 details={"deposit_id": str(order.deposit_id),
                          "new_deposit_id": str(placed.id), "term": order.term})
    return True
