"""The service hub (生活服务): partners' non-financial services (an online doctor, epidemic
information, free classes, a government service's appointments) that the bank lists for its
customers in /m, grouped by scenario. Admins list and withdraw them in the console (audited);
a customer's click goes through the bank, which records it as a ``hub.clicked`` behaviour
event before sending them on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from contactless.events import service as events
from contactless.identity.permissions import Operation, authorize
from contactless.partners import repository
from contactless.partners import repository_hub as hub_repository
from contactless.partners.errors import HubServiceNotFound, InvalidHubService, PartnerNotFound
from contactless.partners.models import HubService, HubStatus, Scenario
from contactless.partners.schemas import HubServiceView
from contactless.platform import audit, clock
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of


def _state(service: HubService) -> dict[str, Any]:
    return {"title": service.title, "scenario": service.scenario, "link": service.link,
            "valid_from": service.valid_from.isoformat(),
            "valid_until": service.valid_until.isoformat() if service.valid_until else None,
            "regions": list(service.regions), "status": service.status}


def _view(service: HubService, partner_name: str = "") -> HubServiceView:
    view = HubServiceView.model_validate(service)
    view.partner_name = partner_name
    return view


def _link(link: str) -> str:
    parts = urlsplit(link.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidHubService("a service's link must be an https address")
    return link.strip()


def _regions(regions: list[str]) -> list[str]:
    cleaned = [region.strip()[:32] for region in regions if region.strip()]
    return list(dict.fromkeys(cleaned))


def add_hub_service(session: Session, actor: Actor, *, partner_id: uuid.UUID, title: str,
                    scenario: Scenario, link: str, valid_from: date | None = None,
                    valid_until: date | None = None, regions: list[str] | None = None,
                    summary: str = "") -> HubServiceView:
    """List a partner's service from ``valid_from`` (the bank's today when not given) to
    ``valid_until``, in ``regions`` (none: everywhere)."""
    authorize(actor, Operation.PARTNER_MANAGE)
    partner = repository.partner_by_id(session, partner_id)
    if partner is None:
        raise PartnerNotFound("partner not found")
    valid_from = valid_from or clock.bank_today(kernel_of(session).settings)
    if valid_until is not None and valid_until < valid_from:
        raise InvalidHubService("a service's end date cannot be before its start date")
    if len(title.strip()) < 2:
        raise InvalidHubService("a service needs a title")
    service = HubService(partner_id=partner.id, title=title.strip()[:120],
                         summary=summary.strip()[:300], scenario=Scenario(scenario).value,
                         link=_link(link), valid_from=valid_from, valid_until=valid_until,
                         regions=_regions(regions or []), status=HubStatus.LISTED.value,
                         created_by=actor.id)
    session.add(service)
    session.flush()
    audit.record(session, actor, action="partner.hub_service_listed",
                 target_type="partner_hub_service", target_id=service.id,
                 after=_state(service), details={"partner_id": str(partner.id)})
    return _view(service, partner.name)


def set_hub_service_status(session: Session, actor: Actor, *, service_id: uuid.UUID,
                           listed: bool) -> HubServiceView:
    """Withdraw a service from the hub (or list it again)."""
    authorize(actor, Operation.PARTNER_MANAGE)
    service = hub_repository.hub_service_by_id(session, service_id, for_update=True)
    if service is None:
        raise HubServiceNotFound("service not found")
    wanted = (HubStatus.LISTED if listed else HubStatus.WITHDRAWN).value
    if service.status != wanted:
        before = _state(service)
        service.status = wanted
        session.flush()
        audit.record(session, actor, action=f"partner.hub_service_{wanted}",
                     target_type="partner_hub_service", target_id=service.id, before=before,
                     after=_state(service))
    return _view(service)


def hub_services(session: Session, actor: Actor, *,
                 partner_id: uuid.UUID | None = None) -> list[HubServiceView]:
    """Every service (all statuses) for the console."""
    authorize(actor, Operation.PARTNER_READ)
    rows = hub_repository.hub_services_of(session, partner_id)
    names = repository.names_of(session, {row.partner_id for row in rows})
    return [_view(row, names.get(row.partner_id, "")) for row in rows]


@dataclass(frozen=True)
class HubShelf:
    """One scenario's services, as the customer's page shows them."""

    scenario: str
    services: list[HubServiceView]


def browse_hub(session: Session, *, region: str | None = None) -> tuple[list[HubShelf], list[str]]:
    """What a customer sees today: listed, valid services of active partners in ``region``
    (and those for everywhere), grouped by scenario in the scenarios' order; and every region
    named, for the picker."""
    today = clock.bank_today(kernel_of(session).settings)
    rows = hub_repository.listed_hub_services(session, on=today)
    regions = sorted({name for service, _ in rows for name in service.regions})
    shelves = []
    for scenario in Scenario:
        services = [_view(service, name) for service, name in rows
                    if service.scenario == scenario.value
                    and (not region or not service.regions or region in service.regions)]
        if services:
            shelves.append(HubShelf(scenario.value, services))
    return shelves, regions


def click_hub_service(session: Session, actor: Actor, *, service_id: uuid.UUID) -> str:
    """Record a signed-in customer's click on a listed service (``hub.clicked``) and return where it
    leads; a service withdrawn, out of its dates or of a partner no longer active is not
    found."""
    today = clock.bank_today(kernel_of(session).settings)
    found = next(((service, name) for service, name in
                  hub_repository.listed_hub_services(session, on=today)
                  if service.id == service_id), None)
    if found is None:
        raise HubServiceNotFound("service not found")
    service = found[0]
    events.ingest(session, SYSTEM, events=[{
        "type": "hub.clicked", "event_id": str(uuid.uuid4()), "occurred_at": utcnow(),
        "channel": "h5", "customer_id": actor.id,
        "properties": {"service_id": str(service.id), "partner_id": str(service.partner_id),
                       "scenario": service.scenario}}])
    return service.link
