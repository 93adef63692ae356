"""Partner pages: the console's partner register (/console/partners) and the customer's
consents in /m (answer a partner's request, see and revoke what was granted)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.customers.web import CurrentCustomer
from contactless.identity.permissions import Operation, may
from contactless.identity.web import CurrentStaff
from contactless.partners import service as partners
from contactless.partners.models import Scenario
from contactless.partners.schemas import OPEN_SCOPES, ConsentView, IssuedClient
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.web.csp import forms_may_lead_to
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.templating import extra_navigation, render

console_router = APIRouter(prefix="/console/partners", include_in_schema=False)
mobile_router = APIRouter(prefix="/m/partner-consents", include_in_schema=False)
logo_router = APIRouter(prefix="/m/partners", include_in_schema=False)
NAVIGATION = [("/console/partners", "Partners", frozenset({"admin", "auditor"}))]


def install(app: FastAPI) -> None:
    """The console menu entry; partners' journeys followed from the journeys' events; the
    partners' event type among the behaviour events."""
    extra_navigation(app.state.templates, NAVIGATION)
    partners.subscribe_journeys(app.state.kernel.bus)
    partners.register_event_type(app.state.kernel)


@logo_router.get("/{partner_id}/logo")
def logo(session: DbSession, actor: CurrentCustomer, partner_id: uuid.UUID) -> Response:
    """A partner's logo, for the journeys it started (the pages load images from the bank
    only); its address changes with the logo, so it may be kept a day."""
    found = partners.partner_logo(session, partner_id=partner_id)
    if found is None:
        return Response(status_code=404)
    content, media_type = found
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "private, max-age=86400"})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _page(request: Request, session: DbSession, actor: Actor, *, error: str | None = None,
          issued: IssuedClient | None = None, status: int = 200) -> Response:
    rows = partners.list_partners(session, actor)
    return render(request, "console/partners.html", {
        "partners": rows, "scenarios": list(Scenario), "scopes": OPEN_SCOPES, "error": error,
        "issued": issued, "may_manage": may(actor, Operation.PARTNER_MANAGE),
        "may_decide": {p.id: may(actor, Operation.PARTNER_APPROVE) and p.created_by != actor.id
                       for p in rows},
    }, status=status)


def _refused(request: Request, session: DbSession, actor: Actor,
             error: ContactlessError) -> Response:
    message = localized(error, locale_of(request)).message
    return _page(request, session, actor, error=message, status=error.status)


@console_router.get("")
def partners_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return _page(request, session, actor)


@console_router.post("", dependencies=[CsrfChecked])
def register(request: Request, session: DbSession, actor: CurrentStaff,
             name: Annotated[str, Form()], scenario: Annotated[str, Form()],
             products: Annotated[str, Form()] = "",
             callbacks: Annotated[str, Form()] = "") -> Response:
    try:
        partners.register_partner(session, actor, name=name,
                                  scenario=Scenario(scenario) if scenario in set(Scenario)
                                  else Scenario.OTHER,
                                  allowed_products=_lines(products),
                                  callback_urls=_lines(callbacks))
    except ContactlessError as error:
        return _refused(request, session, actor, error)
    return RedirectResponse("/console/partners", status_code=303)


@console_router.post("/{partner_id}/decision", dependencies=[CsrfChecked])
def decide(request: Request, session: DbSession, actor: CurrentStaff, partner_id: uuid.UUID,
           decision: Annotated[str, Form()], note: Annotated[str, Form()] = "") -> Response:
    try:
        partners.decide_partner(session, actor, partner_id=partner_id,
                                approve=decision == "approve", note=note)
    except ContactlessError as error:
        return _refused(request, session, actor, error)
    return RedirectResponse("/console/partners", status_code=303)


@console_router.post("/{partner_id}/suspension", dependencies=[CsrfChecked])
def suspend(request: Request, session: DbSession, actor: CurrentStaff,
            partner_id: uuid.UUID) -> Response:
    try:
        partners.suspend_partner(session, actor, partner_id=partner_id)
    except ContactlessError as error:
        return _refused(request, session, actor, error)
    return RedirectResponse("/console/partners", status_code=303)


@console_router.post("/{partner_id}/clients", dependencies=[CsrfChecked])
async def issue(request: Request, session: DbSession, actor: CurrentStaff,
                partner_id: uuid.UUID) -> Response:
    form = await request.form()
    scopes = [str(value) for value in form.getlist("scopes")]
    try:
        issued = partners.issue_client(session, actor, partner_id=partner_id,
                                       allowed_scopes=scopes,
                                       ip_allowlist=_lines(str(form.get("ips", ""))))
    except ContactlessError as error:
        return _refused(request, session, actor, error)
    # shown on this answer only: the bank keeps no readable copy of the secret
    return _page(request, session, actor, issued=issued)


@console_router.post("/{partner_id}/clients/{client_id}/revoke", dependencies=[CsrfChecked])
def revoke(request: Request, session: DbSession, actor: CurrentStaff, partner_id: uuid.UUID,
           client_id: str) -> Response:
    try:
        partners.revoke_client(session, actor, partner_id=partner_id, client_id=client_id)
    except ContactlessError as error:
        return _refused(request, session, actor, error)
    return RedirectResponse("/console/partners", status_code=303)


# ---- the customer's consents ------------------------------------------------------------------


def _consents_page(request: Request, session: DbSession, actor: Actor,
                   status: int = 200, **extra: Any) -> Response:
    return render(request, "m/partner_consents.html",
                  {"consents": partners.my_consents(session, actor), **extra}, status=status)


@mobile_router.get("")
def consents_page(request: Request, session: DbSession, actor: CurrentCustomer) -> Response:
    return _consents_page(request, session, actor)


@mobile_router.get("/{consent_id}")
def consent_page(request: Request, session: DbSession, actor: CurrentCustomer,
                 consent_id: uuid.UUID) -> Response:
    consent = partners.consent_for_customer(session, actor, consent_id=consent_id)
    return _consent_form(request, consent)


def _consent_form(request: Request, consent: ConsentView, *, error: str | None = None,
                  status: int = 200) -> Response:
    """The request to answer; its form may lead to the partner's redirect URI."""
    page = render(request, "m/partner_consent.html", {"consent": consent, "error": error},
                  status=status)
    page.headers["Content-Security-Policy"] = forms_may_lead_to(consent.redirect_uri or "")
    return page


@mobile_router.post("/{consent_id}/answer", dependencies=[CsrfChecked])
def answer(request: Request, session: DbSession, actor: CurrentCustomer, consent_id: uuid.UUID,
           decision: Annotated[str, Form()]) -> Response:
    try:
        _consent, back = partners.answer_consent(session, actor, consent_id=consent_id,
                                                 approve=decision == "approve")
    except ContactlessError as error:
        consent = partners.consent_for_customer(session, actor, consent_id=consent_id)
        return _consent_form(request, consent, status=error.status,
                             error=localized(error, locale_of(request)).message)
    return RedirectResponse(back, status_code=303)


@mobile_router.post("/{consent_id}/revoke", dependencies=[CsrfChecked])
def revoke_consent(request: Request, session: DbSession, actor: CurrentCustomer,
                   consent_id: uuid.UUID) -> Response:
    try:
        partners.revoke_consent(session, actor, consent_id=consent_id)
    except ContactlessError as error:
        return _consents_page(request, session, actor, status=error.status,
                              error=localized(error, locale_of(request)).message)
    return RedirectResponse("/m/partner-consents", status_code=303)
