"""An instance's life outside its steps: the customer cancels it, goes back a step, or asks for
a code again."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.declaration import (
    StepKind,
)
from contactless.journeys.errors import NoEarlierStep
from contactless.journeys.models import (
    JourneyStatus,
)
from contactless.journeys.schemas import JourneyView
from contactless.journeys.service.engine import (
    STEP_UP,
    applicable_steps,
    build_view,
    check_open,
    code_purpose,
    context,
    effective_status,
    emit,
    load,
    now,
    read,
)
from contactless.journeys.service.start import send_step_code
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.errors import ValidationFailed
from contactless.platform.i18n import Translator


def cancel_journey(session: Session, actor: Actor, *, journey_id: uuid.UUID,
                   translator: Translator) -> JourneyView:
    """The customer leaves: an open instance (or one waiting for review or in its cooling-off
    period) is cancelled and nothing is executed. Publishes ``journey.abandoned``."""
    instance = load(session, actor, journey_id, for_update=True)
    at = now()
    status = effective_status(instance, at)
    if status not in JourneyStatus.OPEN | JourneyStatus.WAITING:
        loaded = read(session, instance)
        check_open(instance, loaded.journey, at)
    last_step = instance.current_step
    instance.status = JourneyStatus.CANCELLED
    instance.current_step = None
    instance.finished_at = at
    instance.updated_at = at
    review = repository.review_of(session, instance.id)
    if review is not None and review.status == "pending":
        review.status = "withdrawn"
        review.decided_at = at
    audit.record(session, actor, action="journey.cancelled", target_type="journey_instance",
                 target_id=instance.id, details={"last_step": last_step})
    emit(session, "journey.abandoned", instance, at, reason="cancelled",
         last_step=last_step)
    session.flush()
    return build_view(session, actor, read(session, instance), translator=translator, at=at)


def go_back(session: Session, actor: Actor, *, journey_id: uuid.UUID,
            translator: Translator) -> JourneyView:
    """Make the step before the current one current again, its answers kept to be changed
    (they are shown filled in). Every later step is done again from there, so going back never
    skips a check: a code step sends a new code when it is reached again."""
    instance = load(session, actor, journey_id, for_update=True)
    at = now()
    loaded = read(session, instance)
    check_open(instance, loaded.journey, at)
    if instance.status != JourneyStatus.ACTIVE:
        raise NoEarlierStep("there is no earlier step to go back to")
    keys = [step.key for step in applicable_steps(context(session, actor, loaded, at))]
    here = keys.index(instance.current_step) if instance.current_step in keys else 0
    if here == 0:
        raise NoEarlierStep("there is no earlier step to go back to")
    target = keys[here - 1]
    record = loaded.record(target)
    if record is not None:
        record.completed_at = None
    left = instance.current_step
    instance.current_step = target
    instance.updated_at = at
    audit.record(session, actor, action="journey.stepped_back", target_type="journey_instance",
                 target_id=instance.id, details={"from": left, "to": target})
    session.flush()
    return build_view(session, actor, read(session, instance), translator=translator, at=at)


def resend_code(session: Session, actor: Actor, *, journey_id: uuid.UUID) -> int:
    """Send the current code step's one-time code again (after the resend cooldown). Returns
    the seconds before another may be asked for."""
    instance = load(session, actor, journey_id, for_update=True)
    at = now()
    loaded = read(session, instance)
    check_open(instance, loaded.journey, at)
    ctx = context(session, actor, loaded, at)
    if instance.current_step == STEP_UP:
        return identity.send_one_time_code(
            session, mobile=ctx.mobile(), purpose=code_purpose(instance.journey_key, STEP_UP))
    step = loaded.journey.step(instance.current_step or "")
    if step is None or step.kind is not StepKind.CODE:
        raise ValidationFailed("this step has no code to send", code="no_code_step")
    return send_step_code(session, loaded, ctx, step)

