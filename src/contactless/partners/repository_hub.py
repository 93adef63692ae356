"""The partners domain's queries for webhooks and the service hub."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contactless.partners.models import (
    DeliveryStatus,
    HubService,
    HubStatus,
    Partner,
    PartnerStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
    WebhookStatus,
)


def endpoints_of(session: Session, partner_id: uuid.UUID) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint)
                                .where(WebhookEndpoint.partner_id == partner_id)
                                .order_by(WebhookEndpoint.created_at)))


def subscribed(session: Session, partner_id: uuid.UUID, event_type: str) -> list[WebhookEndpoint]:
    """The partner's active endpoints that take ``event_type``."""
    rows = session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == partner_id,
        WebhookEndpoint.status == WebhookStatus.ACTIVE.value))
    return [row for row in rows if event_type in row.event_types]


def endpoint_by_id(session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def message_by_id(session: Session, message_id: str) -> WebhookMessage | None:
    return session.get(WebhookMessage, message_id)


def message_by_source(session: Session, partner_id: uuid.UUID,
                      source_key: str) -> WebhookMessage | None:
    return session.scalar(select(WebhookMessage).where(
        WebhookMessage.partner_id == partner_id, WebhookMessage.source_key == source_key))


def due_delivery_ids(session: Session, *, now: datetime, limit: int,
                     skip_locked: bool) -> list[uuid.UUID]:
    query = (select(WebhookDelivery.id)
             .where(WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    WebhookDelivery.next_attempt_at <= now)
             .order_by(WebhookDelivery.next_attempt_at).limit(limit))
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def delivery_by_id(session: Session, delivery_id: uuid.UUID, *,
                   for_update: bool = False) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def deliveries_of(session: Session, partner_id: uuid.UUID, *,
                  limit: int) -> list[tuple[WebhookDelivery, WebhookMessage, WebhookEndpoint]]:
    """The partner's latest deliveries with their message and endpoint, newest first."""
    rows = session.execute(
        select(WebhookDelivery, WebhookMessage, WebhookEndpoint)
        .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.partner_id == partner_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookMessage.id).limit(limit))
    return [(row[0], row[1], row[2]) for row in rows]


def attempts_of(session: Session, delivery_ids: list[uuid.UUID]) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    return list(session.scalars(select(WebhookAttempt)
                                .where(WebhookAttempt.delivery_id.in_(delivery_ids))
                                .order_by(WebhookAttempt.attempted_at.desc())))


def hub_services_of(session: Session, partner_id: uuid.UUID | None = None) -> list[HubService]:
    query = select(HubService).order_by(HubService.scenario, HubService.created_at)
    if partner_id is not None:
        query = query.where(HubService.partner_id == partner_id)
    return list(session.scalars(query))


def hub_service_by_id(session: Session, service_id: uuid.UUID, *,
                      for_update: bool = False) -> HubService | None:
    query = select(HubService).where(HubService.id == service_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def listed_hub_services(session: Session, *, on: date) -> list[tuple[HubService, str]]:
    """Services listed and valid on ``on``, of active partners, with the partner's name."""
    rows = session.execute(
        select(HubService, Partner.name).join(Partner, Partner.id == HubService.partner_id)
        .where(HubService.status == HubStatus.LISTED.value,
               Partner.status == PartnerStatus.ACTIVE.value,
               HubService.valid_from <= on,
               or_(HubService.valid_until.is_(None), HubService.valid_until >= on))
        .order_by(HubService.scenario, HubService.title))
    return [(row[0], row[1]) for row in rows]
