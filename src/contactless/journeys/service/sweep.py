"""Time-driven work: journeys left past their time to live expire (``journey.abandoned``),
and actions whose cooling-off period has passed run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from contactless.journeys import repository
from contactless.journeys.models import JourneyStatus
from contactless.journeys.service import finish
from contactless.journeys.service.engine import emit, now, read
from contactless.journeys.service.reviews import owner_actor
from contactless.platform import audit
from contactless.platform.context import SYSTEM


@dataclass(frozen=True)
class SweepReport:
    expired: int
    executed: int
    rejected: int


def sweep(session: Session, *, at: datetime | None = None, limit: int = 500) -> SweepReport:
    """Run everything that is due at ``at`` (now by default); running it twice does nothing
    more."""
    at = at or now()
    expired = expire_journeys(session, at=at, limit=limit)
    executed, rejected = run_cooling_off(session, at=at, limit=limit)
    return SweepReport(expired, executed, rejected)


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
