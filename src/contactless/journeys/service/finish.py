"""The end of a journey: the risk check, then step-up, review, cooling-off or the final action,
and the outcome (completed or rejected) with its event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys.declaration import Deal, Done, StepContext
from contactless.journeys.errors import AlreadyCustomer
from contactless.journeys.models import (
    ConsentRecord,
    JourneyReview,
    JourneyStatus,
    JourneyStep,
    Prospect,
)
from contactless.journeys.service.engine import (
    PROSPECT,
    STEP_UP,
    Loaded,
    action_context,
    code_purpose,
    emit,
    save_facts,
    source_scan_id,
)
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.risk import service as risk
from contactless.risk.port import Decision, Operation, Outcome, strictest

ENGINE_ID = "journey-engine"


def engine_actor(channel: str) -> Actor:
    """The bank's automated decisions in a journey (an approved loan booked, a group-opened
    payroll account): the system, acting through the journey's channel."""
    return Actor(kind="system", id=ENGINE_ID, channel=channel, display="journey engine")


def operation_of(ctx: StepContext, deal: Deal) -> Operation:
    return Operation(
        kind=ctx.journey.key, customer_id=ctx.customer_id, channel=ctx.channel,
        amount=deal.amount.amount if deal.amount else None,
        currency=deal.amount.currency if deal.amount else None, product=deal.product,
        attributes={**deal.attributes, "journey_id": str(ctx.instance_id),
                    "prospect": ctx.is_prospect},
    )


def conclude(session: Session, actor: Actor, loaded: Loaded, ctx: StepContext,
             at: datetime) -> None:
    """After the last step: ask the risk port (and the journey's own pre-check), then act on
    the decision. Nothing moves money unless the outcome is approve."""
    instance = loaded.instance
    deal = loaded.journey.deal(ctx)
    instance.product = deal.product
    instance.amount = deal.amount.amount if deal.amount else None
    instance.currency = deal.amount.currency if deal.amount else None
    decision = risk.decide(session, operation=operation_of(ctx, deal))
    if loaded.journey.precheck is not None:
        decision = strictest(decision, loaded.journey.precheck(ctx))
    ctx.facts["decision"] = {"outcome": decision.outcome.value,
                             "reasons": list(decision.reasons)}
    save_facts(session, loaded, ctx)
    audit.record(session, actor, action="journey.risk_decided", target_type="journey_instance",
                 target_id=instance.id, details={"outcome": decision.outcome.value,
                                                 "reasons": list(decision.reasons)})
    if decision.outcome is Outcome.BLOCK:
        reject(session, actor, loaded, at, reasons=["blocked_by_risk_check",
                                                     *decision.reasons])
    elif decision.outcome is Outcome.REVIEW:
        park(session, actor, loaded, decision, at)
    elif decision.outcome is Outcome.STEP_UP:
        step_up(session, loaded, ctx, at)
    else:
        approved(session, actor, loaded, at)


def step_up(session: Session, loaded: Loaded, ctx: StepContext, at: datetime) -> None:
    instance = loaded.instance
    instance.status = JourneyStatus.STEP_UP
    instance.current_step = STEP_UP
    session.add(JourneyStep(instance_id=instance.id, step_key=STEP_UP,
                            position=len(loaded.journey.steps) + 1, entered_at=at))
    identity.send_one_time_code(session, mobile=ctx.mobile(),
                                purpose=code_purpose(instance.journey_key, STEP_UP))


def park(session: Session, actor: Actor, loaded: Loaded, decision: Decision,
         at: datetime) -> None:
    instance = loaded.instance
    instance.status = JourneyStatus.IN_REVIEW
    instance.current_step = None
    reasons = list(decision.reasons)
    review = JourneyReview(instance_id=instance.id, reasons=reasons)
    session.add(review)
    session.flush()
    audit.record(session, actor, action="journey.parked_for_review",
                 target_type="journey_instance", target_id=instance.id,
                 details={"review_id": str(review.id), "reasons": reasons})


def approved(session: Session, actor: Actor, loaded: Loaded, at: datetime, *,
             bank_actor: Actor | None = None) -> None:
    """Run the final action now, or after the cooling-off period where the product has one."""
    instance = loaded.instance
    ctx = action_context(session, actor, loaded, at,
                         bank_actor=bank_actor or engine_actor(instance.channel),
                         make_customer=_customer_maker(session, actor, loaded))
    cooling = loaded.journey.cooling_off(ctx) if loaded.journey.cooling_off else None
    if cooling:
        instance.status = JourneyStatus.COOLING_OFF
        instance.current_step = None
        instance.execute_after = at + cooling
        audit.record(session, actor, action="journey.cooling_off",
                     target_type="journey_instance", target_id=instance.id,
                     details={"execute_after": instance.execute_after.isoformat()})
        return
    execute(session, actor, loaded, at, bank_actor=bank_actor)


def execute(session: Session, actor: Actor, loaded: Loaded, at: datetime, *,
            bank_actor: Actor | None = None) -> Done:
    """The final action, through the core-banking port; its calls are keyed by the instance,
    so running it twice could never post twice."""
    instance = loaded.instance
    ctx = action_context(session, actor, loaded, at,
                         bank_actor=bank_actor or engine_actor(instance.channel),
                         make_customer=_customer_maker(session, actor, loaded))
    done = loaded.journey.action(ctx)
    instance.customer_id = ctx.customer_id
    ctx.facts["done"] = done.references
    save_facts(session, loaded, ctx)
    complete(session, actor, loaded, done, at)
    return done


def complete(session: Session, actor: Actor, loaded: Loaded, done: Done, at: datetime) -> None:
    instance = loaded.instance
    instance.status = JourneyStatus.COMPLETED
    instance.current_step = None
    instance.completed_at = at
    instance.finished_at = at
    instance.updated_at = at
    instance.product = done.product
    instance.amount = done.amount.amount if done.amount else None
    instance.currency = done.amount.currency if done.amount else None
    audit.record(session, actor, action="journey.completed", target_type="journey_instance",
                 target_id=instance.id,
                 details={"journey": instance.journey_key, "product": done.product,
                          "amount": str(done.amount.amount) if done.amount else None,
                          "references": done.references})
    emit(session, "journey.completed", instance, at,
         amount=str(done.amount.amount) if done.amount else None,
         currency=done.amount.currency if done.amount else None, product=done.product,
         completed_at=at.isoformat(), references=dict(done.references),
         qr_scan_id=source_scan_id(loaded.facts),
         outcome=done.business.fact() if done.business else None,
         duration_seconds=round((at - instance.started_at).total_seconds(), 3))


def reject(session: Session, actor: Actor, loaded: Loaded, at: datetime, *,
           reasons: list[str], step: str | None = None) -> None:
    instance = loaded.instance
    instance.status = JourneyStatus.REJECTED
    instance.current_step = None
    instance.finished_at = at
    instance.updated_at = at
    instance.reasons = reasons
    audit.record(session, actor, action="journey.rejected", target_type="journey_instance",
                 target_id=instance.id, details={"reasons": reasons})
    emit(session, "journey.rejected", instance, at, reasons=reasons, step=step,
         product=instance.product)


def execute_or_reject(session: Session, actor: Actor, loaded: Loaded, at: datetime, *,
                      bank_actor: Actor | None = None) -> bool:
    """For actions run later (after review or cooling-off): a refusal from the core rejects
    the instance with its code instead of failing the job. True if it completed."""
    try:
        with session.begin_nested():
            execute(session, actor, loaded, at, bank_actor=bank_actor)
        return True
    except ContactlessError as error:
        reject(session, actor, loaded, at, reasons=[error.code])
        return False


# -- prospects become customers -------------------------------------------------------------------


def _customer_maker(session: Session, actor: Actor, loaded: Loaded) -> Any:
    def make(*, name: str, mobile: str, id_number: str,
             fallback_rm_id: uuid.UUID | None = None) -> uuid.UUID:
        return make_customer(session, actor, loaded, name=name, mobile=mobile,
                             id_number=id_number, fallback_rm_id=fallback_rm_id)

    return make


def make_customer(session: Session, actor: Actor, loaded: Loaded, *, name: str, mobile: str,
                  id_number: str, fallback_rm_id: uuid.UUID | None) -> uuid.UUID:
    """Register the prospect as a customer under the QR code's first owner (else the fallback,
    else the bank's default RM), and carry their consents over."""
    instance = loaded.instance
    if customers.find_by_id_number(session, id_number=id_number) is not None:
        raise AlreadyCustomer("you are already our customer: sign in with your registered "
                              "mobile number")
    source = loaded.facts.get("_source") or {}
    owners = source.get("owner_ids") or []
    rm_id = uuid.UUID(owners[0]) if owners else (fallback_rm_id or default_rm(session, loaded))
    # a prospect cannot register themself: the bank does, through the journey they completed
    registrar = actor if actor.kind != PROSPECT else engine_actor(instance.channel)
    view = customers.create_customer(session, registrar, name=name, mobile=mobile,
                                     id_number=id_number, primary_rm_id=rm_id)
    instance.customer_id = view.id
    if instance.prospect_id is not None:
        prospect = session.get(Prospect, instance.prospect_id)
        if prospect is not None:
            prospect.customer_id = view.id
        session.execute(update(ConsentRecord)
                        .where(ConsentRecord.instance_id == instance.id)
                        .values(customer_id=view.id))
    return view.id


def default_rm(session: Session, loaded: Loaded) -> uuid.UUID:
    username = loaded.plugins.default_rm_username
    if username:
        return identity.staff_by_username(session, username=username).id
    rms = identity.list_rms(session)
    if not rms:
        raise ContactlessError("no relationship manager can take new customers yet",
                               status=503, code="no_default_rm")
    return sorted(rms, key=lambda rm: (rm.display_name, str(rm.id)))[0].id
