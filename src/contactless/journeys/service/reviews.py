"""Staff review of operations the risk check parked: approve (the final action runs, with the
staff member as the bank's actor) or reject (nothing runs). The customer gets a text."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity.errors import NotAllowed
from contactless.identity.permissions import Operation, authorize, is_head_office, may
from contactless.journeys import repository
from contactless.journeys.declaration import render_text
from contactless.journeys.errors import JourneyWaiting, ReviewDecided, ReviewNotFound
from contactless.journeys.models import JourneyInstance, JourneyReview, JourneyStatus
from contactless.journeys.plugins import plugins_of
from contactless.journeys.schemas import LineView, ReviewView
from contactless.journeys.service import finish
from contactless.journeys.service.engine import (
    PROSPECT,
    Loaded,
    context,
    line_view,
    now,
    prospect_actor,
    prospect_mobile,
    read,
)
from contactless.platform import audit
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator, gettext_for
from contactless.platform.kernel import kernel_of


def _visible(session: Session, actor: Actor, instance: JourneyInstance) -> bool:
    """A review lies in the reviewer's scope when its customer does; a prospect (no customer
    yet, no branch) is reviewed at head office."""
    if instance.customer_id is None:
        return is_head_office(actor)
    return customers.can_see(session, actor, customer_id=instance.customer_id)


def owner_actor(instance: JourneyInstance) -> Actor:
    if instance.customer_id is not None:
        return customers.customer_actor(instance.customer_id, channel=instance.channel)
    if instance.prospect_id is None:
        raise RuntimeError("a journey instance without an owner")
    return prospect_actor(instance.prospect_id, channel=instance.channel)


def _view(session: Session, review: JourneyReview, instance: JourneyInstance, *,
          translator: Translator, summary: bool = False) -> ReviewView:
    gettext = translator
    catalog = plugins_of(session).catalog
    journey = catalog.get(instance.journey_key) if instance.journey_key in catalog else None
    name = None
    if instance.customer_id is not None:
        name = customers.get_customer(session, SYSTEM, customer_id=instance.customer_id).name
    lines: list[LineView] = []
    if summary and journey is not None:
        loaded = read(session, instance)
        ctx = context(session, owner_actor(instance), loaded, now())
        for step in journey.steps:
            if step.show is not None and step.kind.value == "confirm":
                lines = [line_view(line.label, line.value, line.emphasis, gettext)
                         for line in step.show(ctx)]
    return ReviewView(
        id=review.id, instance_id=instance.id, journey=instance.journey_key,
        title=render_text(journey.title, gettext) if journey else instance.journey_key,
        status=review.status, reasons=list(review.reasons), customer_id=instance.customer_id,
        customer_name=name, product=instance.product,
        amount=str(instance.amount) if instance.amount is not None else None,
        currency=instance.currency, created_at=review.created_at,
        decided_at=review.decided_at, note=review.note, summary=lines,
    )


def list_reviews(session: Session, actor: Actor, *, status: str | None = "pending",
                 translator: Translator) -> list[ReviewView]:
    """Parked operations of the reviewer's data scope (their branch subtree's customers)."""
    authorize(actor, Operation.JOURNEY_REVIEW_READ)
    return [_view(session, review, instance, translator=translator)
            for review, instance in repository.reviews(session, status=status)
            if _visible(session, actor, instance)]


def get_review(session: Session, actor: Actor, *, review_id: uuid.UUID,
               translator: Translator) -> ReviewView:
    authorize(actor, Operation.JOURNEY_REVIEW_READ)
    review = repository.review(session, review_id)
    instance = repository.instance(session, review.instance_id) if review else None
    if review is None or instance is None or not _visible(session, actor, instance):
        raise ReviewNotFound("review not found")
    return _view(session, review, instance, translator=translator, summary=True)


def _pending(session: Session, actor: Actor,
             review_id: uuid.UUID) -> tuple[JourneyReview, JourneyInstance]:
    if actor.kind != "staff":
        raise NotAllowed("a journey review is decided by a staff member")
    authorize(actor, Operation.JOURNEY_REVIEW_DECIDE)
    review = repository.review(session, review_id, for_update=True)
    instance = (repository.instance(session, review.instance_id, for_update=True)
                if review else None)
    if review is None or instance is None or not _visible(session, actor, instance):
        raise ReviewNotFound("review not found")
    if review.status != "pending":
        raise ReviewDecided("this review was already decided")
    if instance.status != JourneyStatus.IN_REVIEW:
        raise JourneyWaiting("this journey is not waiting for review")
    return review, instance


def approve_review(session: Session, actor: Actor, *, review_id: uuid.UUID, note: str = "",
                   translator: Translator) -> ReviewView:
    """Approve a parked operation: the final action runs now (or after a cooling-off period),
    with this staff member as the bank's actor. A refusal from the core rejects the journey
    with its reason instead."""
    review, instance = _pending(session, actor, review_id)
    at = now()
    review.status = "approved"
    review.decided_by = uuid.UUID(actor.id)
    review.decided_at = at
    review.note = note.strip()[:500] or None
    audit.record(session, actor, action="journey.review_approved", target_type="journey_review",
                 target_id=review.id, details={"instance_id": str(instance.id)})
    loaded = read(session, instance)
    owner = owner_actor(instance)
    try:
        with session.begin_nested():
            finish.approved(session, owner, loaded, at, bank_actor=actor)
    except ContactlessError as error:
        finish.reject(session, owner, loaded, at, reasons=[error.code])
    _notify(session, loaded, approved=instance.status != JourneyStatus.REJECTED)
    return _view(session, review, instance, translator=translator, summary=True)


def reject_review(session: Session, actor: Actor, *, review_id: uuid.UUID, note: str = "",
                  translator: Translator) -> ReviewView:
    """Reject a parked operation: nothing is executed; ``journey.rejected`` is published."""
    review, instance = _pending(session, actor, review_id)
    at = now()
    review.status = "rejected"
    review.decided_by = uuid.UUID(actor.id)
    review.decided_at = at
    review.note = note.strip()[:500] or None
    audit.record(session, actor, action="journey.review_rejected", target_type="journey_review",
                 target_id=review.id, details={"instance_id": str(instance.id)})
    loaded = read(session, instance)
    finish.reject(session, owner_actor(instance), loaded, at, reasons=["rejected_by_staff"])
    _notify(session, loaded, approved=False)
    return _view(session, review, instance, translator=translator, summary=True)


def _notify(session: Session, loaded: Loaded, *, approved: bool) -> None:
    instance = loaded.instance
    mobile: str | None
    if instance.customer_id is not None:
        mobile = customers.get_customer(session, SYSTEM, customer_id=instance.customer_id,
                                        unmasked=True).mobile
    else:
        mobile = prospect_mobile(session, instance.prospect_id)
    if not mobile:
        return
    kernel = kernel_of(session)
    zh = gettext_for("zh-CN")
    title = render_text(loaded.journey.title, zh)
    en_title = render_text(loaded.journey.title, gettext_for("en"))
    if approved:
        body = (f"【{kernel.settings.bank_name}】您的“{title}”申请已通过审核。"
                f" Your request “{en_title}” was approved.")
    else:
        body = (f"【{kernel.settings.bank_name}】很抱歉，您的“{title}”申请未通过审核。"
                f" Your request “{en_title}” was declined.")
    kernel.channel.send(session, to_mobile=mobile, body=body, kind="journey.review")


def pending_count(session: Session, actor: Actor) -> int:
    if actor.kind != "staff" or not may(actor, Operation.JOURNEY_REVIEW_READ):
        return 0
    return len(list_reviews(session, actor, translator=Translator.of("en")))


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


__all__ = ["PROSPECT", "approve_review", "get_review", "list_reviews", "pending_count",
           "reject_review"]
