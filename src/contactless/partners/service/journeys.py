"""Embedded journeys (嵌入式旅程): a partner starts one of the bank's journeys for the customer of
a granted consent that covers ``products:apply``, and sends the customer to it in /m, where the
partner's name and logo show. The journey's channel is ``partner`` and it carries the partner
as its source, so its outcome is the partner's conversion, not a QR code's. The partner follows
its own journeys only (another partner's is the same 404 as none), and only while the consent
stands. Every journey event carries the partner's id, so the partner's webhooks tell it when
its journey ends (:mod:`.webhooks`); here its row records how it ended."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.orm import Session

from contactless.journeys import service as journeys
from contactless.journeys.schemas import JourneyView
from contactless.journeys.sources import PartnerSource
from contactless.partners import repository
from contactless.partners.errors import PartnerJourneyNotFound, PartnerNotActive, ProductNotAllowed
from contactless.partners.models import PartnerJourney, PartnerStatus
from contactless.partners.schemas import OpenJourney, OpenJourneyStep
from contactless.partners.service.access import PartnerCaller, require_scope
from contactless.partners.service.consents import consented_customer
from contactless.partners.service.onboarding import logo_url
from contactless.platform import audit, guard
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.i18n import Translator

log = structlog.get_logger(__name__)
SCOPE = "products:apply"
PARTNER_START = "partner_journey_start"  # the operation risk control decides on
# the journeys' events that end one, and the status each leaves
FINISHING = ("journey.completed", "journey.rejected", "journey.abandoned")


def _open(view: JourneyView, row: PartnerJourney) -> OpenJourney:
    current = next((step.key for step in view.steps if step.status == "current"), None)
    return OpenJourney(
        id=view.id, product=view.journey, title=view.title, status=view.status,
        url=f"/m/journeys/{view.id}", consent_id=row.consent_id, channel=view.channel,
        channel_code=row.channel_code, current_step=current,
        steps=[OpenJourneyStep(key=s.key, title=s.title, status=s.status) for s in view.steps],
        started_at=view.started_at, expires_at=view.expires_at,
        completed_at=view.completed_at,
        amount=f"{view.amount:.2f}" if view.amount is not None else None,
        currency=view.currency)


def start_partner_journey(session: Session, caller: PartnerCaller, *, consent_id: uuid.UUID,
                          product: str, params: dict[str, str], channel_code: str | None,
                          translator: Translator) -> OpenJourney:
    """Start (or resume, when the customer has the same one open from this partner) a journey
    for the consenting customer; refused unless the token and the consent cover
    ``products:apply`` and the bank allowed the partner this product."""
    customer = consented_customer(session, caller, consent_id=consent_id, scope=SCOPE)
    partner = repository.partner_by_id(session, caller.partner_id)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise PartnerNotActive("this partner is not active")
    if product not in partner.allowed_products:
        raise ProductNotAllowed("this partner may not offer {product}", product=product[:64])
    journeys.check_start_params(session, params)
    # risk control sees the start: a payee list entry ``partner:<id>`` or a rule on
    # ``partner_journey_start`` stops a partner's starts before anything is made
    guard.check(session, caller.actor, guard.Guarded(
        kind=PARTNER_START, channel="partner", customer_id=uuid.UUID(customer.id),
        payee=f"partner:{partner.id}",
        attributes={"product": product, "consent_id": str(consent_id)}))
    source = PartnerSource(partner_id=partner.id, name=partner.name,
                           logo_url=logo_url(partner), channel_code=channel_code,
                           consent_id=consent_id)
    view = journeys.start_journey(session, customer, journey_key=product, params=params,
                                  translator=translator, partner=source)
    row = repository.partner_journey(session, view.id)
    if row is None:
        row = PartnerJourney(partner_id=partner.id, client_id=caller.client_id,
                             consent_id=consent_id, customer_id=uuid.UUID(customer.id),
                             journey_id=view.id, journey_key=product,
                             channel_code=channel_code, status=view.status)
        session.add(row)
        session.flush()
        audit.record(session, caller.actor, action="partner.journey_started",
                     target_type="journey_instance", target_id=view.id,
                     details={"consent_id": str(consent_id), "product": product,
                              "client_id": caller.client_id, "channel_code": channel_code})
    return _open(view, row)


def partner_journey_status(session: Session, caller: PartnerCaller, *, journey_id: uuid.UUID,
                           translator: Translator) -> OpenJourney:
    """Where the partner's journey stands (scope ``products:apply``, the consent still
    standing)."""
    require_scope(caller, SCOPE)
    row = repository.partner_journey(session, journey_id)
    if row is None or row.partner_id != caller.partner_id:
        raise PartnerJourneyNotFound("journey not found")
    consented_customer(session, caller, consent_id=row.consent_id, scope=SCOPE)
    view = journeys.journey_for_partner(session, journey_id=journey_id,
                                        partner_id=caller.partner_id, translator=translator)
    return _open(view, row)


def _ended_status(event: DomainEvent) -> str:
    if event.topic == "journey.completed":
        return "completed"
    if event.topic == "journey.rejected":
        return "rejected"
    return str(event.payload.get("reason") or "abandoned")[:16]


def on_journey_finished(session: Session, event: DomainEvent) -> None:
    """Record how a partner's journey ended (once: a replayed event changes nothing)."""
    payload = event.payload
    if not payload.get("partner_id"):
        return
    try:
        journey_id = uuid.UUID(str(payload.get("journey_id")))
    except ValueError:
        log.warning("partner_journey_event_without_id", event_id=str(event.id))
        return
    row = repository.partner_journey(session, journey_id, for_update=True)
    if row is None or row.finished_at is not None:
        return
    row.status = _ended_status(event)
    row.finished_at = utcnow()


def subscribe(bus: EventBus) -> None:
    """Follow partners' journeys on this bus (once, however often it is called)."""
    for topic in FINISHING:
        bus.subscribe(topic, on_journey_finished)
