"""Every query of the partners domain."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.partners.models import (
    Partner,
    PartnerClient,
    PartnerConsent,
    PartnerJourney,
    PartnerRequest,
)


def partner_by_id(session: Session, partner_id: uuid.UUID, *,
                  for_update: bool = False) -> Partner | None:
    query = select(Partner).where(Partner.id == partner_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def partner_by_name(session: Session, name: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.name == name))


def partners(session: Session, *, status: str | None = None) -> list[Partner]:
    query = select(Partner).order_by(Partner.created_at.desc())
    if status:
        query = query.where(Partner.status == status)
    return list(session.scalars(query))


def clients_of(session: Session, partner_ids: list[uuid.UUID]) -> list[PartnerClient]:
    if not partner_ids:
        return []
    return list(session.scalars(select(PartnerClient)
                                .where(PartnerClient.partner_id.in_(partner_ids))
                                .order_by(PartnerClient.created_at)))


def client_by_client_id(session: Session, client_id: str) -> PartnerClient | None:
    return session.scalar(select(PartnerClient).where(PartnerClient.client_id == client_id))


def client_by_id(session: Session, client_row_id: uuid.UUID) -> PartnerClient | None:
    return session.get(PartnerClient, client_row_id)


def consent_by_id(session: Session, consent_id: uuid.UUID, *,
                  for_update: bool = False) -> PartnerConsent | None:
    query = select(PartnerConsent).where(PartnerConsent.id == consent_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def consent_by_key(session: Session, partner_id: uuid.UUID,
                   idempotency_key: str) -> PartnerConsent | None:
    return session.scalar(select(PartnerConsent).where(
        PartnerConsent.partner_id == partner_id,
        PartnerConsent.idempotency_key == idempotency_key))


def consents_of_customer(session: Session, customer_id: uuid.UUID) -> list[PartnerConsent]:
    return list(session.scalars(select(PartnerConsent)
                                .where(PartnerConsent.customer_id == customer_id)
                                .order_by(PartnerConsent.created_at.desc())))


def names_of(session: Session, partner_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not partner_ids:
        return {}
    rows = session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(partner_ids)))
    return {row.id: row.name for row in rows}


def partner_journey(session: Session, journey_id: uuid.UUID, *,
                    for_update: bool = False) -> PartnerJourney | None:
    query = select(PartnerJourney).where(PartnerJourney.journey_id == journey_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def partner_request(session: Session, partner_id: uuid.UUID,
                    idempotency_key: str) -> PartnerRequest | None:
    return session.scalar(select(PartnerRequest).where(
        PartnerRequest.partner_id == partner_id,
        PartnerRequest.idempotency_key == idempotency_key))
