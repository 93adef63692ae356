"""Webhooks to partners: endpoints (a callback URL of the partner, the event types it takes,
a ``whsec_`` secret shown once), the messages the bank owes them, the delivery log and its
replay. A message is written in the transaction of what it reports (a consent answered or
revoked, a journey the partner started that ended), so it exists exactly when that change
does; :mod:`.delivery` sends it."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from typing import Any

from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.partners import repository
from contactless.partners import repository_hub as hub_repository
from contactless.partners.errors import (
    InvalidWebhookSetting,
    PartnerNotFound,
    WebhookDeliveryNotFound,
    WebhookEndpointNotFound,
)
from contactless.partners.models import (
    DeliveryStatus,
    PartnerConsent,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
    WebhookStatus,
)
from contactless.partners.schemas import (
    WEBHOOK_EVENTS,
    IssuedEndpoint,
    WebhookAttemptView,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from contactless.partners.service.delivery import RETRY_FOR, SECRET_CONTEXT, SECRET_PREFIX
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, EventBus
from contactless.platform.kernel import kernel_of


def _endpoint_state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "event_types": list(endpoint.event_types),
            "status": endpoint.status}


def add_endpoint(session: Session, actor: Actor, *, partner_id: uuid.UUID, url: str,
                 event_types: list[str]) -> IssuedEndpoint:
    """Subscribe one of the partner's callback URLs to ``event_types``; the secret is in this
    answer only."""
    authorize(actor, Operation.PARTNER_MANAGE)
    partner = repository.partner_by_id(session, partner_id)
    if partner is None:
        raise PartnerNotFound("partner not found")
    url = url.strip()
    if url not in partner.callback_urls:
        raise InvalidWebhookSetting("a webhook URL must be one of the partner's callback URLs")
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENTS))
    if unknown or not event_types:
        raise InvalidWebhookSetting("webhook events are {allowed}",
                                    allowed=", ".join(WEBHOOK_EVENTS))
    if any(row.url == url for row in hub_repository.endpoints_of(session, partner.id)):
        raise InvalidWebhookSetting("this URL already has a webhook endpoint")
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint = WebhookEndpoint(
        partner_id=partner.id, url=url,
        event_types=[name for name in WEBHOOK_EVENTS if name in event_types],
        secret=kernel_of(session).cipher.encrypt(secret, context=SECRET_CONTEXT),
        status=WebhookStatus.ACTIVE.value, created_by=actor.id)
    session.add(endpoint)
    session.flush()
    audit.record(session, actor, action="partner.webhook_added",
                 target_type="partner_webhook_endpoint", target_id=endpoint.id,
                 after=_endpoint_state(endpoint), details={"partner_id": str(partner.id)})
    return IssuedEndpoint(endpoint=WebhookEndpointView.model_validate(endpoint), secret=secret)


def _endpoint(session: Session, partner_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = hub_repository.endpoint_by_id(session, endpoint_id)
    if endpoint is None or endpoint.partner_id != partner_id:
        raise WebhookEndpointNotFound("webhook endpoint not found")
    return endpoint


def set_endpoint_status(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                        endpoint_id: uuid.UUID, active: bool) -> WebhookEndpointView:
    """Stop (or resume) sending new messages to an endpoint; what is queued stays queued."""
    authorize(actor, Operation.PARTNER_MANAGE)
    endpoint = _endpoint(session, partner_id, endpoint_id)
    wanted = (WebhookStatus.ACTIVE if active else WebhookStatus.DISABLED).value
    if endpoint.status != wanted:
        before = _endpoint_state(endpoint)
        endpoint.status = wanted
        session.flush()
        audit.record(session, actor, action=f"partner.webhook_{wanted}",
                     target_type="partner_webhook_endpoint", target_id=endpoint.id,
                     before=before, after=_endpoint_state(endpoint))
    return WebhookEndpointView.model_validate(endpoint)


def endpoints(session: Session, actor: Actor, *,
              partner_id: uuid.UUID) -> list[WebhookEndpointView]:
    authorize(actor, Operation.PARTNER_READ)
    return [WebhookEndpointView.model_validate(row)
            for row in hub_repository.endpoints_of(session, partner_id)]


def notify(session: Session, *, partner_id: uuid.UUID, event_type: str, source_key: str,
           data: dict[str, Any]) -> str | None:
    """Owe the partner ``event_type`` (once per ``source_key``) on every active endpoint that
    takes it; returns the message id, None when no endpoint wants it."""
    targets = hub_repository.subscribed(session, partner_id, event_type)
    if not targets:
        return None
    earlier = hub_repository.message_by_source(session, partner_id, source_key)
    if earlier is not None:
        return earlier.id
    now = utcnow()
    message = WebhookMessage(
        id="msg_" + uuid.uuid4().hex, partner_id=partner_id, event_type=event_type,
        source_key=source_key[:120], created_at=now,
        body=json.dumps({"type": event_type, "timestamp": now.isoformat(), "data": data},
                        ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    session.add(message)
    session.flush()
    for endpoint in targets:
        session.add(WebhookDelivery(message_id=message.id, endpoint_id=endpoint.id,
                                    partner_id=partner_id, status=DeliveryStatus.PENDING.value,
                                    attempts=0, next_attempt_at=now, give_up_at=now + RETRY_FOR,
                                    created_at=now))
    session.flush()
    return message.id


def delivery_log(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                 limit: int = 50) -> list[WebhookDeliveryView]:
    """The partner's latest deliveries, newest first, each with its attempts."""
    authorize(actor, Operation.PARTNER_READ)
    rows = hub_repository.deliveries_of(session, partner_id, limit=limit)
    tries: dict[uuid.UUID, list[WebhookAttemptView]] = {}
    for attempt in hub_repository.attempts_of(session, [row[0].id for row in rows]):
        tries.setdefault(attempt.delivery_id, []).append(
            WebhookAttemptView.model_validate(attempt))
    return [_delivery_view(delivery, message, endpoint, tries.get(delivery.id, []))
            for delivery, message, endpoint in rows]


def _delivery_view(delivery: WebhookDelivery, message: WebhookMessage, endpoint: WebhookEndpoint,
                   tries: list[WebhookAttemptView]) -> WebhookDeliveryView:
    return WebhookDeliveryView(
        id=delivery.id, message_id=message.id, event_type=message.event_type, url=endpoint.url,
        status=delivery.status, attempts=delivery.attempts, created_at=delivery.created_at,
        next_attempt_at=delivery.next_attempt_at, give_up_at=delivery.give_up_at,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        delivered_at=delivery.delivered_at, tries=tries)


def replay_delivery(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                    delivery_id: uuid.UUID) -> WebhookDeliveryView:
    """Send a delivery again from now (same ``webhook-id``, 24 more hours of retries), e.g.
    once a receiver that was down for longer than a day is back. Audited."""
    authorize(actor, Operation.PARTNER_MANAGE)
    delivery = hub_repository.delivery_by_id(session, delivery_id, for_update=True)
    if delivery is None or delivery.partner_id != partner_id:
        raise WebhookDeliveryNotFound("webhook delivery not found")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    now = utcnow()
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = now
    delivery.give_up_at = now + RETRY_FOR
    session.flush()
    audit.record(session, actor, action="partner.webhook_replayed",
                 target_type="partner_webhook_delivery", target_id=delivery.id, before=before,
                 after={"status": delivery.status, "next_attempt_at": now},
                 details={"partner_id": str(partner_id), "message_id": delivery.message_id})
    message = hub_repository.message_by_id(session, delivery.message_id)
    endpoint = hub_repository.endpoint_by_id(session, delivery.endpoint_id)
    if message is None or endpoint is None:  # foreign keys keep both
        raise WebhookDeliveryNotFound("webhook delivery not found")
    return _delivery_view(delivery, message, endpoint, [])


# ---- what the partner is told -----------------------------------------------------------------

JOURNEY_ENDINGS = ("journey.completed", "journey.rejected", "journey.abandoned")


def install(bus: EventBus) -> None:
    """A journey a partner started that ends becomes that partner's webhook, in the same
    transaction as the bus marks the event delivered (so once, however often it is retried)."""
    for topic in JOURNEY_ENDINGS:
        bus.subscribe(topic, on_journey_ended)


def on_journey_ended(session: Session, event: DomainEvent) -> None:
    payload = event.payload
    partner_id = payload.get("partner_id")
    if not partner_id:
        return
    notify(session, partner_id=uuid.UUID(str(partner_id)), event_type=event.topic,
           source_key=f"{event.topic}:{payload['journey_id']}",
           data={"journey_id": payload["journey_id"], "journey_key": payload["journey_key"],
                 "status": event.topic.removeprefix("journey."),
                 "occurred_at": payload.get("at") or event.created_at.isoformat(),
                 **({"reason": str(payload["reason"])[:200]} if payload.get("reason") else {})})


def consent_changed(session: Session, consent: PartnerConsent) -> None:
    """Tell the partner its consent was granted, refused or revoked."""
    event_type = f"consent.{consent.status}"
    if event_type not in WEBHOOK_EVENTS:
        return
    moment = consent.revoked_at or consent.decided_at
    notify(session, partner_id=consent.partner_id, event_type=event_type,
           source_key=f"{event_type}:{consent.id}",
           data={"consent_id": str(consent.id), "status": consent.status,
                 "scopes": list(consent.scopes),
                 "occurred_at": moment.isoformat() if moment else None,
                 "expires_at": consent.expires_at.isoformat() if consent.expires_at else None,
                 **({"state": consent.state} if consent.state else {})})
