"""Journey pages: phone-first /m pages for customers and prospects (the same services as the
API), and console pages for staff (analytics per journey, review of parked operations)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from contactless.customers.web import customer_cookie, session_ended_here
from contactless.identity.web import CurrentStaff
from contactless.journeys import service as journeys
from contactless.journeys.schemas import CatalogEntry, JourneyView
from contactless.journeys.uploads import UploadedFile
from contactless.journeys.web import (
    PROSPECT_COOKIE,
    PROSPECT_MAX_AGE,
    PROSPECT_SESSION,
    JourneyActor,
    OptionalJourneyActor,
)
from contactless.platform.context import Actor, current_request_id
from contactless.platform.db import utcnow
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator, gettext_for
from contactless.platform.security import mask_mobile
from contactless.web.deps import (
    CUSTOMER_COOKIE,
    DEVICE_COOKIE,
    CsrfChecked,
    DbSession,
    KernelDep,
    client_ip,
    locale_of,
    translator_of,
)
from contactless.web.errors import localized
from contactless.web.templating import NavItem, render

mobile_router = APIRouter(prefix="/m/journeys", include_in_schema=False)
console_router = APIRouter(prefix="/console/journeys", include_in_schema=False)

PUBLIC = frozenset({"/m/journeys/{journey_key}/prospect",
                    "/m/journeys/{journey_key}/prospect/verify"})
NAVIGATION: list[NavItem] = [
    ("/console/journeys", "Journeys", frozenset({"admin", "branch_manager", "rm", "marketer",
                                                 "risk_analyst", "auditor"})),
]
MAX_UPLOAD = 5 * 1024 * 1024 + 1
RESERVED = frozenset({"csrf_token", "idempotency_key"})


def _safe_next(value: str | None, default: str) -> str:
    if value and value.startswith("/m") and "//" not in value and "\\" not in value:
        return value
    return default


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _customer_cookie(response: Response, kernel: Any, session: Session, actor: Actor) -> None:
    response.set_cookie(CUSTOMER_COOKIE, customer_cookie(session, actor), max_age=30 * 60,
                        httponly=True, samesite="lax", secure=kernel.settings.cookie_secure)
    response.delete_cookie(PROSPECT_COOKIE)
    response.delete_cookie("cl_pre")


def _error_page(request: Request, error: ContactlessError) -> Response:
    gettext = gettext_for(locale_of(request))
    return render(request, "errors/m.html", {
        "status": error.status, "title": gettext(error.code.replace("_", " ")),
        "detail": localized(error, locale_of(request)).message,
        "request_id": current_request_id()},
        status=error.status)


# -- customer and prospect pages ------------------------------------------------------------------


@mobile_router.get("")
def hub(request: Request, session: DbSession, actor: OptionalJourneyActor) -> Response:
    """My journeys (to resume on any device) and the journeys to start."""
    if actor is None:
        return RedirectResponse(f"/m/login?next={quote('/m/journeys')}", status_code=303)
    locale = locale_of(request)
    mine = journeys.my_journeys(session, actor, translator=Translator.of(locale))
    return render(request, "journeys/m/hub.html", {
        "open": [view for view in mine if view.status in ("active", "step_up", "in_review",
                                                           "cooling_off")],
        "finished": [view for view in mine if view.status not in ("active", "step_up",
                                                                   "in_review", "cooling_off")],
        "catalog": journeys.journey_catalog(session, translator=Translator.of(locale)),
        "is_prospect": actor.kind == "prospect",
    })


@mobile_router.get("/pending")
def pending(request: Request, session: DbSession, actor: JourneyActor) -> Response:
    """The orders waiting on the bank or on the clock (a wealth order in its cooling-off period,
    an application in review): a part of 我的产品, loaded into it."""
    translator = translator_of(request)
    waiting = [view for view in journeys.my_journeys(session, actor, translator=translator)
               if view.status in ("in_review", "cooling_off")]
    return render(request, "journeys/m/_pending.html", {"waiting": waiting})


@mobile_router.get("/{journey_key}/start")
def start(request: Request, session: DbSession, actor: OptionalJourneyActor,
          journey_key: str) -> Response:
    """Where a QR scan lands (``?qr={code id}&{preset params}``) and where /m links start a
    journey: sign-in (or proving a mobile, for account opening) first, then the instance."""
    entry = next((item for item in journeys.journey_catalog(session, translator=Translator.of("en"))
                  if item.key == journey_key), None)
    here = quote(_here(request), safe="/")
    prospects = entry is not None and entry.prospects
    landing = _landing(request, session, entry) if actor is None and entry else None
    if landing is not None:
        return landing
    if actor is None and prospects:
        return RedirectResponse(f"/m/journeys/{journey_key}/prospect?next={here}",
                                status_code=303)
    if actor is None or (actor.kind == "prospect" and not prospects):
        return RedirectResponse(f"/m/login?next={here}", status_code=303)
    query = request.query_params
    params = {key: value for key, value in query.items() if key not in ("qr", "lang")}
    try:
        qr = uuid.UUID(query["qr"]) if query.get("qr") else None
    except ValueError:  # a mangled link still opens the journey, without a source
        qr = None
    try:
        view = journeys.start_journey(session, actor, journey_key=journey_key, params=params,
                                      qr_code_id=qr, campaign_id=params.get("campaign"),
                                      translator=translator_of(request),
                                      device_id=request.cookies.get(DEVICE_COOKIE))
    except ContactlessError as error:
        alternative = error.extra.get("alternative")
        if isinstance(alternative, str):
            return _instead(request, session, error, alternative, qr=query.get("qr"),
                            campaign=params.get("campaign"))
        return _error_page(request, error)
    return RedirectResponse(f"/m/journeys/{view.id}", status_code=303)


def _landing(request: Request, session: Session, entry: CatalogEntry) -> Response | None:
    """A scanned journey code, for someone not signed in: the RM's card, the product and the
    bank first; continuing leads to sign-in (or to proving a mobile) and back here. None when
    the link names no code the bank knows (a mangled link goes straight on) or was seen."""
    query = request.query_params
    if not query.get("qr") or query.get("seen"):
        return None
    try:
        cards = journeys.code_cards(session, qr_code_id=uuid.UUID(query["qr"]))
    except ValueError:
        return None
    if not cards:
        return None
    onward = [(key, value) for key, value in query.multi_items() if key != "lang"]
    catalog = journeys.journey_catalog(session, translator=translator_of(request))
    shown = next(item for item in catalog if item.key == entry.key)
    return render(request, "journeys/m/landing.html", {
        "entry": shown, "card": cards[0],
        "continue_url": f"{request.url.path}?{urlencode([*onward, ('seen', '1')])}"})


def _instead(request: Request, session: Session, error: ContactlessError, alternative: str, *,
             qr: str | None, campaign: str | None) -> Response:
    """A journey the customer cannot do (nothing to renew): what they can do instead, started
    from the same code, so the RM who sent it is still the one credited."""
    catalog = journeys.journey_catalog(session, translator=translator_of(request))
    entry = next((item for item in catalog if item.key == alternative), None)
    if entry is None:
        return _error_page(request, error)
    query = {key: value for key, value in (("qr", qr), ("campaign", campaign)) if value}
    start_url = entry.start_url + (f"?{urlencode(query)}" if query else "")
    return render(request, "journeys/m/instead.html", {
        "reason": localized(error, locale_of(request)).message, "entry": entry,
        "start_url": start_url}, status=error.status)


@mobile_router.get("/{journey_key}/prospect")
def prospect_page(request: Request, session: DbSession, journey_key: str,
                  next: str | None = None) -> Response:
    """Not a customer yet: prove your mobile to open an account (customers sign in)."""
    target = _safe_next(next, f"/m/journeys/{journey_key}/start")
    return render(request, "journeys/m/prospect.html", {
        "journey": _title(session, request, journey_key), "journey_key": journey_key,
        "next": target, "login_url": f"/m/login?next={quote(target, safe='/')}"})


@mobile_router.post("/{journey_key}/prospect", dependencies=[CsrfChecked])
def prospect_send(request: Request, session: DbSession, journey_key: str,
                  mobile: Annotated[str, Form(max_length=20)],
                  next: Annotated[str, Form(max_length=500)] = "") -> Response:
    context = {"journey": _title(session, request, journey_key), "journey_key": journey_key,
               "next": _safe_next(next, f"/m/journeys/{journey_key}/start"), "mobile": mobile,
               "masked": mask_mobile(mobile)}
    try:
        wait = journeys.request_prospect_code(session, mobile=mobile)
    except ContactlessError as error:
        if error.code == "otp_resend_cooldown":  # the last code is still good: count down
            return render(request, "journeys/m/prospect_verify.html", {
                **context, "resend_after": error.extra.get("retry_after", 1)},
                status=error.status)
        message = localized(error, locale_of(request)).message
        return render(request, "journeys/m/prospect.html", {**context, "error": message},
                      status=error.status)
    return render(request, "journeys/m/prospect_verify.html",
                  {**context, "resend_after": wait})


@mobile_router.post("/{journey_key}/prospect/verify", dependencies=[CsrfChecked])
def prospect_verify(request: Request, session: DbSession, kernel: KernelDep, journey_key: str,
                    mobile: Annotated[str, Form(max_length=20)],
                    code: Annotated[str, Form(max_length=8)],
                    next: Annotated[str, Form(max_length=500)] = "") -> Response:
    target = _safe_next(next, f"/m/journeys/{journey_key}/start")
    try:
        actor = journeys.verify_prospect(session, mobile=mobile, code=code)
    except ContactlessError as error:
        message = localized(error, locale_of(request)).message
        template = ("journeys/m/prospect.html" if error.code in (
            "otp_expired", "otp_attempts_exceeded", "otp_locked", "otp_rate_limited")
                    else "journeys/m/prospect_verify.html")
        return render(request, template, {
            "journey": _title(session, request, journey_key), "journey_key": journey_key,
            "next": target, "mobile": mobile, "masked": mask_mobile(mobile), "error": message,
        }, status=error.status)
    response = RedirectResponse(target, status_code=303)
    if actor.kind == "customer":
        _customer_cookie(response, kernel, session, actor)
    else:
        token = kernel.signer.dumps({"pid": actor.id}, purpose=PROSPECT_SESSION)
        response.set_cookie(PROSPECT_COOKIE, token, max_age=PROSPECT_MAX_AGE, httponly=True,
                            samesite="lax", secure=kernel.settings.cookie_secure)
    return response


def _title(session: DbSession, request: Request, journey_key: str) -> str:
    catalog = journeys.journey_catalog(session, translator=translator_of(request))
    entry = next((item for item in catalog if item.key == journey_key), None)
    return entry.title if entry else journey_key


@dataclass
class StepPayload:
    data: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    idempotency_key: str = ""


async def step_payload(request: Request) -> StepPayload:
    """A step form as posted: fields, consent fingerprints (``consent:{key}``) and files."""
    payload = StepPayload()
    form = await request.form()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                content = await value.read(MAX_UPLOAD)
                payload.files[name] = UploadedFile(value.filename, value.content_type or "",
                                                   content)
            await value.close()
        elif name == "idempotency_key":
            payload.idempotency_key = str(value)
        elif name.startswith("consent:"):
            payload.data.setdefault("consents", {})[name.removeprefix("consent:")] = value
        elif name not in RESERVED:
            payload.data[name] = value
    return payload


def _page(request: Request, view: JourneyView, *, error: str | None = None,
          field_errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
          flash: str | None = None, status: int = 200) -> Response:
    return render(request, "journeys/m/journey.html", {
        "view": view, "step": view.current_step, "error": error, "flash": flash,
        "field_errors": field_errors or {}, "values": values or {},
        "idempotency_key": secrets.token_urlsafe(18),
    }, status=status)


@mobile_router.get("/{journey_id}")
def instance_page(request: Request, session: DbSession, kernel: KernelDep,
                  actor: OptionalJourneyActor, journey_id: uuid.UUID) -> Response:
    """The current step of the journey, or its outcome."""
    if actor is None:
        return RedirectResponse(f"/m/login?next={quote(request.url.path)}", status_code=303)
    try:
        view = journeys.get_journey(session, actor, journey_id=journey_id,
                                    translator=translator_of(request))
    except ContactlessError as error:
        return _error_page(request, error)
    response = _page(request, view)
    customer_id = journeys.customer_of_prospect(session, actor)
    if customer_id is not None and view.status == "completed":
        # the prospect became a customer: from now on they are signed in as one
        _customer_cookie(response, kernel, session,
                         Actor(kind="customer", id=str(customer_id)))
    return response


@mobile_router.get("/{journey_id}/steps/{step}")
def step_page(journey_id: uuid.UUID, step: str) -> Response:
    """A step's address leads to the journey's current step: no step can be skipped to."""
    return RedirectResponse(f"/m/journeys/{journey_id}", status_code=303)


@mobile_router.post("/{journey_id}/steps/{step}", dependencies=[CsrfChecked])
def submit(request: Request, session: DbSession, kernel: KernelDep, actor: JourneyActor,
           journey_id: uuid.UUID, step: str,
           payload: Annotated[StepPayload, Depends(step_payload)]) -> Response:
    locale = locale_of(request)
    try:
        journeys.submit_step(
            session, actor, journey_id=journey_id, step=step[:64], data=payload.data,
            files=payload.files, idempotency_key=payload.idempotency_key or secrets.token_hex(8),
            translator=Translator.of(locale), ip=client_ip(request),
            user_agent=request.headers.get("user-agent"))
    except ContactlessError as error:
        try:
            view = journeys.get_journey(session, actor, journey_id=journey_id,
                                        translator=Translator.of(locale))
        except ContactlessError as missing:
            return _error_page(request, missing)
        errors = localized(error, locale).extra.get("errors") or []
        return _page(request, view, error=error.message, status=error.status,
                     field_errors={str(item.get("field")): str(item.get("message"))
                                   for item in errors if isinstance(item, dict)},
                     values={k: v for k, v in payload.data.items() if isinstance(v, str)})
    response = RedirectResponse(f"/m/journeys/{journey_id}", status_code=303)
    if actor.kind == "customer" and session_ended_here(request, session, actor):
        # a new mobile ended every older session: the person who proved both numbers keeps
        # theirs, at the new version
        _customer_cookie(response, kernel, session, actor)
    return response


@mobile_router.post("/{journey_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, session: DbSession, actor: JourneyActor,
           journey_id: uuid.UUID) -> Response:
    try:
        journeys.cancel_journey(session, actor, journey_id=journey_id,
                                translator=translator_of(request))
    except ContactlessError as error:
        return _error_page(request, error)
    return RedirectResponse(f"/m/journeys/{journey_id}", status_code=303)


@mobile_router.post("/{journey_id}/back", dependencies=[CsrfChecked])
def back(request: Request, session: DbSession, actor: JourneyActor,
         journey_id: uuid.UUID) -> Response:
    """The previous step, filled in with what was entered there."""
    try:
        journeys.go_back(session, actor, journey_id=journey_id, translator=translator_of(request))
    except ContactlessError as error:
        return _error_page(request, error)
    return RedirectResponse(f"/m/journeys/{journey_id}", status_code=303)


@mobile_router.post("/{journey_id}/resend", dependencies=[CsrfChecked])
def resend(request: Request, session: DbSession, actor: JourneyActor,
           journey_id: uuid.UUID) -> Response:
    locale = locale_of(request)
    gettext = gettext_for(locale)
    error: str | None = None
    flash: str | None = None
    status = 200
    try:
        journeys.resend_code(session, actor, journey_id=journey_id)
        flash = gettext("We sent a new code.")
    except ContactlessError as failed:
        status = failed.status
        # too soon is not a failure: the step's button counts down to the next code
        if failed.code != "otp_resend_cooldown":
            error = localized(failed, locale).message
    view = journeys.get_journey(session, actor, journey_id=journey_id,
                                translator=Translator.of(locale))
    return _page(request, view, error=error, flash=flash, status=status)


@mobile_router.get("/{journey_id}/consents/{consent_id}.pdf")
def receipt(request: Request, session: DbSession, actor: JourneyActor, journey_id: uuid.UUID,
            consent_id: uuid.UUID) -> Response:
    try:
        found = journeys.consent_receipt(session, actor, consent_id=consent_id,
                                         journey_id=journey_id, translator=translator_of(request))
    except ContactlessError as error:
        return _error_page(request, error)
    return Response(found.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"'})


# -- console -----------------------------------------------------------------------------------


@console_router.get("")
def overview(request: Request, session: DbSession, actor: CurrentStaff,
             days: Annotated[int, Query(ge=1, le=366)] = 30) -> Response:
    """Every journey: started, completed, conversion, time to complete, steps."""
    since = utcnow() - timedelta(days=days)
    rows = journeys.overview(session, actor, translator=translator_of(request), since=since)
    return render(request, "journeys/console/overview.html", {
        "rows": rows, "days": days, "pending": journeys.pending_count(session, actor)})


@console_router.get("/reviews")
def reviews(request: Request, session: DbSession, actor: CurrentStaff,
            status: Annotated[str, Query(max_length=16)] = "pending") -> Response:
    items = journeys.list_reviews(session, actor, status=status or None,
                                  translator=translator_of(request))
    return render(request, "journeys/console/reviews.html", {"items": items, "status": status})


@console_router.get("/reviews/{review_id}")
def review(request: Request, session: DbSession, actor: CurrentStaff,
           review_id: uuid.UUID) -> Response:
    item = journeys.get_review(session, actor, review_id=review_id,
                               translator=translator_of(request))
    return render(request, "journeys/console/review.html", {"item": item})


@console_router.post("/reviews/{review_id}/approve", dependencies=[CsrfChecked])
def approve(request: Request, session: DbSession, actor: CurrentStaff, review_id: uuid.UUID,
            note: Annotated[str, Form(max_length=500)] = "") -> Response:
    journeys.approve_review(session, actor, review_id=review_id, note=note,
                            translator=translator_of(request))
    return RedirectResponse(f"/console/journeys/reviews/{review_id}", status_code=303)


@console_router.post("/reviews/{review_id}/reject", dependencies=[CsrfChecked])
def reject(request: Request, session: DbSession, actor: CurrentStaff, review_id: uuid.UUID,
           note: Annotated[str, Form(max_length=500)] = "") -> Response:
    journeys.reject_review(session, actor, review_id=review_id, note=note,
                           translator=translator_of(request))
    return RedirectResponse(f"/console/journeys/reviews/{review_id}", status_code=303)


@console_router.get("/{journey_key}")
def journey_analytics(request: Request, session: DbSession, actor: CurrentStaff,
                      journey_key: str,
                      days: Annotated[int, Query(ge=1, le=366)] = 30) -> Response:
    """One journey's funnel by step, time to complete, drop-off, channels and QR codes."""
    since = utcnow() - timedelta(days=days)
    figures = journeys.journey_analytics(session, actor, journey_key=journey_key,
                                         translator=translator_of(request), since=since)
    return render(request, "journeys/console/journey.html", {
        "figures": figures, "days": days, "chart": figures.model_dump(mode="json")})


def install(app: Any) -> None:
    """Wire the journeys into the app: the console menu entry."""
    from contactless.web.templating import extra_navigation

    extra_navigation(app.state.templates, NAVIGATION)
