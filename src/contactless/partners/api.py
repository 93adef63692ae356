"""Partner onboarding for staff (/api/v1/partners): admins register and change partners and
their API clients; another admin approves; auditors read."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from contactless.identity.web import CurrentStaff
from contactless.partners import schemas
from contactless.partners import service as partners
from contactless.web.deps import DbSession

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


@router.get("", response_model=list[schemas.PartnerView])
def list_partners(session: DbSession, actor: CurrentStaff, status: str | None = None) -> Any:
    return partners.list_partners(session, actor, status=status)


@router.post("", response_model=schemas.PartnerView, status_code=201)
def register_partner(body: schemas.PartnerCreate, session: DbSession,
                     actor: CurrentStaff) -> Any:
    """A new partner, pending until a second admin approves it."""
    return partners.register_partner(session, actor, name=body.name, scenario=body.scenario,
                                     allowed_products=body.allowed_products,
                                     callback_urls=body.callback_urls, logo=body.logo)


@router.get("/{partner_id}", response_model=schemas.PartnerView)
def get_partner(partner_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Any:
    return partners.get_partner(session, actor, partner_id=partner_id)


@router.patch("/{partner_id}", response_model=schemas.PartnerView)
def update_partner(partner_id: uuid.UUID, body: schemas.PartnerUpdate, session: DbSession,
                   actor: CurrentStaff) -> Any:
    return partners.update_partner(session, actor, partner_id=partner_id,
                                   allowed_products=body.allowed_products,
                                   callback_urls=body.callback_urls, logo=body.logo)


@router.post("/{partner_id}/approve", response_model=schemas.PartnerView)
def approve_partner(partner_id: uuid.UUID, body: schemas.PartnerDecision, session: DbSession,
                    actor: CurrentStaff) -> Any:
    """Another admin than the one who registered it makes the partner active."""
    return partners.decide_partner(session, actor, partner_id=partner_id, approve=True,
                                   note=body.note)


@router.post("/{partner_id}/refuse", response_model=schemas.PartnerView)
def refuse_partner(partner_id: uuid.UUID, body: schemas.PartnerDecision, session: DbSession,
                   actor: CurrentStaff) -> Any:
    return partners.decide_partner(session, actor, partner_id=partner_id, approve=False,
                                   note=body.note)


@router.post("/{partner_id}/suspend", response_model=schemas.PartnerView)
def suspend_partner(partner_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Any:
    return partners.suspend_partner(session, actor, partner_id=partner_id)


@router.post("/{partner_id}/clients", response_model=schemas.IssuedClient, status_code=201)
def issue_client(partner_id: uuid.UUID, body: schemas.ClientCreate, session: DbSession,
                 actor: CurrentStaff) -> Any:
    """A new API client; ``client_secret`` and ``signing_key`` are in this answer only."""
    return partners.issue_client(session, actor, partner_id=partner_id,
                                 allowed_scopes=body.allowed_scopes,
                                 ip_allowlist=body.ip_allowlist)


@router.post("/{partner_id}/clients/{client_id}/revoke", response_model=schemas.ClientView)
def revoke_client(partner_id: uuid.UUID, client_id: str, session: DbSession,
                  actor: CurrentStaff) -> Any:
    return partners.revoke_client(session, actor, partner_id=partner_id, client_id=client_id)
