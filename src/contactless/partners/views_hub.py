"""A partner's page in the console (its webhook endpoints, the delivery log with replay, its
services in the hub) and the customer's service hub in /m (生活服务), whose links go through
the bank so a click is recorded."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.customers.web import CurrentCustomer
from contactless.identity.permissions import Operation, may
from contactless.identity.web import CurrentStaff
from contactless.partners import service as partners
from contactless.partners.errors import InvalidHubService
from contactless.partners.models import Scenario
from contactless.partners.schemas import WEBHOOK_EVENTS, IssuedEndpoint
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.templating import render

console_router = APIRouter(prefix="/console/partners", include_in_schema=False)
mobile_router = APIRouter(prefix="/m/hub", include_in_schema=False)


def _page(request: Request, session: DbSession, actor: Actor, partner_id: uuid.UUID, *,
          error: str | None = None, issued: IssuedEndpoint | None = None,
          status: int = 200) -> Response:
    partner = partners.get_partner(session, actor, partner_id=partner_id)
    return render(request, "console/partner.html", {
        "partner": partner, "issued": issued, "error": error,
        "endpoints": partners.endpoints(session, actor, partner_id=partner_id),
        "deliveries": partners.delivery_log(session, actor, partner_id=partner_id),
        "services": partners.hub_services(session, actor, partner_id=partner_id),
        "events": WEBHOOK_EVENTS, "scenarios": list(Scenario),
        "may_manage": may(actor, Operation.PARTNER_MANAGE),
    }, status=status)


def _refused(request: Request, session: DbSession, actor: Actor, partner_id: uuid.UUID,
             error: ContactlessError) -> Response:
    message = localized(error, locale_of(request)).message
    return _page(request, session, actor, partner_id, error=message, status=error.status)


def _back(partner_id: uuid.UUID) -> Response:
    return RedirectResponse(f"/console/partners/{partner_id}", status_code=303)


@console_router.get("/{partner_id}")
def partner_page(request: Request, session: DbSession, actor: CurrentStaff,
                 partner_id: uuid.UUID) -> Response:
    return _page(request, session, actor, partner_id)


@console_router.post("/{partner_id}/webhooks", dependencies=[CsrfChecked])
async def add_webhook(request: Request, session: DbSession, actor: CurrentStaff,
                      partner_id: uuid.UUID) -> Response:
    form = await request.form()
    try:
        issued = partners.add_endpoint(session, actor, partner_id=partner_id,
                                       url=str(form.get("url", "")),
                                       event_types=[str(v) for v in form.getlist("events")])
    except ContactlessError as error:
        return _refused(request, session, actor, partner_id, error)
    # the secret is on this answer only
    return _page(request, session, actor, partner_id, issued=issued)


@console_router.post("/{partner_id}/webhooks/{endpoint_id}/status", dependencies=[CsrfChecked])
def webhook_status(request: Request, session: DbSession, actor: CurrentStaff,
                   partner_id: uuid.UUID, endpoint_id: uuid.UUID,
                   active: Annotated[str, Form()]) -> Response:
    try:
        partners.set_endpoint_status(session, actor, partner_id=partner_id,
                                     endpoint_id=endpoint_id, active=active == "1")
    except ContactlessError as error:
        return _refused(request, session, actor, partner_id, error)
    return _back(partner_id)


@console_router.post("/{partner_id}/deliveries/{delivery_id}/replay",
                     dependencies=[CsrfChecked])
def replay(request: Request, session: DbSession, actor: CurrentStaff, partner_id: uuid.UUID,
           delivery_id: uuid.UUID) -> Response:
    try:
        partners.replay_delivery(session, actor, partner_id=partner_id, delivery_id=delivery_id)
    except ContactlessError as error:
        return _refused(request, session, actor, partner_id, error)
    return _back(partner_id)


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidHubService("a date is written YYYY-MM-DD") from None


@console_router.post("/{partner_id}/hub", dependencies=[CsrfChecked])
def add_service(request: Request, session: DbSession, actor: CurrentStaff,
                partner_id: uuid.UUID, title: Annotated[str, Form()],
                link: Annotated[str, Form()], scenario: Annotated[str, Form()],
                valid_from: Annotated[str, Form()] = "", valid_until: Annotated[str, Form()] = "",
                regions: Annotated[str, Form()] = "",
                summary: Annotated[str, Form()] = "") -> Response:
    try:
        if scenario not in set(Scenario):
            raise InvalidHubService("choose one of the scenarios")
        partners.add_hub_service(
            session, actor, partner_id=partner_id, title=title, summary=summary,
            scenario=Scenario(scenario), link=link,
            valid_from=_date(valid_from), valid_until=_date(valid_until),
            regions=regions.replace("，", ",").split(","))
    except ContactlessError as error:
        return _refused(request, session, actor, partner_id, error)
    return _back(partner_id)


@console_router.post("/{partner_id}/hub/{service_id}/status", dependencies=[CsrfChecked])
def service_status(request: Request, session: DbSession, actor: CurrentStaff,
                   partner_id: uuid.UUID, service_id: uuid.UUID,
                   listed: Annotated[str, Form()]) -> Response:
    try:
        partners.set_hub_service_status(session, actor, service_id=service_id,
                                        listed=listed == "1")
    except ContactlessError as error:
        return _refused(request, session, actor, partner_id, error)
    return _back(partner_id)


# ---- the customer's service hub ---------------------------------------------------------------


@mobile_router.get("")
def hub_page(request: Request, session: DbSession, actor: CurrentCustomer,
             region: str = "") -> Response:
    shelves, regions = partners.browse_hub(session, region=region[:32] or None)
    context: dict[str, Any] = {"shelves": shelves, "regions": regions, "region": region[:32]}
    return render(request, "m/hub.html", context)


@mobile_router.get("/{service_id}/go")
def follow(request: Request, session: DbSession, actor: CurrentCustomer,
           service_id: uuid.UUID) -> Response:
    """Record the click, then send the customer to the partner's page."""
    link = partners.click_hub_service(session, actor, service_id=service_id)
    return RedirectResponse(link, status_code=303)
