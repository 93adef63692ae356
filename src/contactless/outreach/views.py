"""Outreach pages: the scan route ``/q/{token}`` and its landing pages in /m, the enterprise
contact's progress page, and the RM console (my codes, a code's funnel, my conversions,
leaderboards). ``install`` wires the event subscriptions, the sign-in link and the menu."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio
import structlog
from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys import service as journeys
from contactless.journeys.plugins import use_sources
from contactless.journeys.web import OptionalJourneyActor
from contactless.outreach import fastscan
from contactless.outreach import service as outreach
from contactless.outreach.api import RULE
from contactless.outreach.errors import InvalidCode, QrLinksRateLimited
from contactless.outreach.fastscan import DEVICE_COOKIE, DEVICE_MAX_AGE
from contactless.outreach.service.attribution import subscribe
from contactless.outreach.sources import OutreachQrSources
from contactless.platform.db import utcnow
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.platform.kernel import Kernel
from contactless.platform.money import plain
from contactless.web.deps import (
    CUSTOMER_COOKIE,
    CUSTOMER_SESSION,
    CsrfChecked,
    CurrentStaff,
    DbSession,
    KernelDep,
    OptionalCustomer,
    client_ip,
    locale_of,
)
from contactless.web.templating import extra_navigation, render

log = structlog.get_logger(__name__)

STAFF_ROLES = frozenset({"rm", "branch_manager", "admin", "auditor"})
NAVIGATION = [
    ("/console/outreach", "QR codes", STAFF_ROLES),
    ("/console/outreach/conversions", "My conversions", frozenset({"rm", "branch_manager"})),
    ("/console/outreach/leaderboard", "Leaderboards", frozenset({"branch_manager", "admin"})),
]

scan_router = APIRouter(include_in_schema=False)
mobile_router = APIRouter(prefix="/m", include_in_schema=False)
console_router = APIRouter(prefix="/console/outreach", include_in_schema=False)


def install(app: FastAPI) -> None:
    """Subscribe attribution to the journeys' events, tie sign-ins to earlier scans on the same
    device, answer simple scans on the lean path, and add the console menu entries."""
    kernel: Kernel = app.state.kernel
    subscribe(kernel.bus)
    use_sources(kernel, OutreachQrSources())
    buffer = fastscan.install(app, kernel)
    # scans on the lean path are written a moment later: write them before linking a sign-in
    app.add_middleware(SignInAfterScan, kernel=kernel, before_link=buffer.flush)
    extra_navigation(app.state.templates, NAVIGATION)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ---- customers: scanning and landing pages ---------------------------------------------------


def _in_language(request: Request) -> dict[str, Any]:
    locale = locale_of(request)
    gettext = gettext_for(locale)

    def _(message: str, **params: Any) -> str:
        text = gettext(message)
        return text.format(**params) if params else text

    return {"_": _, "locale": locale, "other_locale": "en" if locale == "zh-CN" else "zh-CN"}


def _scan(request: Request, session: DbSession, kernel: Kernel, token: str,
          customer_id: uuid.UUID | None, prospect_mobile: str | None = None) -> Response:
    device = request.cookies.get(DEVICE_COOKIE) or ""
    fresh = not (8 <= len(device) <= 48)
    if fresh:
        device = outreach.new_device_id()
    outcome = outreach.resolve_scan(
        session, token=token, device_id=device,
        user_agent=request.headers.get("user-agent", ""), ip=client_ip(request),
        customer_id=customer_id, prospect_mobile=prospect_mobile)
    if outcome.error is not None:
        context = _in_language(request)
        response: Response = render(request, "outreach/scan_rejected.html", {
            **context, "title": context["_"](outcome.error.code.replace("_", " ")),
            "detail": context["_"](outcome.error.message), "reason": outcome.error.code,
        }, status=outcome.error.status)
        if isinstance(outcome.error, QrLinksRateLimited):
            response.headers["Retry-After"] = str(outreach.BAD_LINK_WINDOW)
    else:
        response = RedirectResponse(outcome.landing or "/m", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    if fresh:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_MAX_AGE, httponly=True,
                            samesite="lax", secure=kernel.settings.cookie_secure)
    return response


@scan_router.get("/q/{token}")
def scan(request: Request, token: str, session: DbSession, kernel: KernelDep,
         customer: OptionalCustomer) -> Response:
    """A scanned QR code: verify, record, then the landing page (or a page saying why not)."""
    return _scan(request, session, kernel, token,
                 uuid.UUID(customer.id) if customer else None)


@mobile_router.get("/q/{token}")
def scan_after_sign_in(request: Request, token: str, session: DbSession, kernel: KernelDep,
                       person: OptionalJourneyActor) -> Response:
    """Where a code that must know who scans continues: a signed-in customer, or someone new
    to the bank who proved their mobile (enough for a roster). Anyone else is sent to prove
    their mobile when the code's journey takes newcomers (that page also offers sign-in), or
    to sign in."""
    if person is not None and person.kind == "customer":
        return _scan(request, session, kernel, token, uuid.UUID(person.id))
    mobile = journeys.proven_mobile(session, person) if person is not None else None
    if mobile is not None:
        return _scan(request, session, kernel, token, None, prospect_mobile=mobile)
    here = quote(f"/m/q/{token}", safe="/")
    purpose = outreach.purpose_of(session, token=token)
    takes_newcomers = any(e.key == purpose and e.prospects
                          for e in journeys.journey_catalog(session, locale=locale_of(request)))
    target = (f"/m/journeys/{purpose}/prospect?next={here}" if takes_newcomers
              else f"/m/login?next={here}")
    return RedirectResponse(target, status_code=303)


@mobile_router.get("/outreach/info/{token}")
def info(request: Request, token: str, session: DbSession,
         customer: OptionalCustomer) -> Response:
    """The information page of an ``info`` code: who the RM is, their message, sign-in."""
    context = _in_language(request)
    try:
        page = outreach.info_page(session, token=token)
    except ContactlessError as error:
        return render(request, "outreach/scan_rejected.html", {
            **context, "title": context["_"](error.code.replace("_", " ")),
            "detail": context["_"](error.message), "reason": error.code,
        }, status=error.status)
    return render(request, "outreach/info.html", {**context, "page": page,
                                                  "signed_in": customer is not None})


@scan_router.get("/q/progress/{token}")
def progress(request: Request, token: str, session: DbSession) -> Response:
    """The enterprise contact's read-only progress page (the signed link is the key)."""
    context = _in_language(request)
    try:
        result = outreach.progress_by_token(session, token=token)
    except ContactlessError as error:
        return render(request, "outreach/scan_rejected.html", {
            **context, "title": context["_"](error.code.replace("_", " ")),
            "detail": context["_"](error.message), "reason": error.code,
        }, status=error.status)
    response = render(request, "outreach/progress.html", {**context, "progress": result})
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


class SignInAfterScan:
    """When a customer signs in on a device that scanned codes, tie those scans to them (the
    funnel's sign-in step). Watches only /m responses that start a customer session from a
    request carrying the anonymous device cookie; a failure here never fails the sign-in."""

    def __init__(self, app: ASGIApp, kernel: Kernel,
                 before_link: Callable[[], object] | None = None) -> None:
        self.app = app
        self.kernel = kernel
        self.before_link = before_link

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/m/"):
            await self.app(scope, receive, send)
            return
        device = _cookie(scope, DEVICE_COOKIE)
        if not device:
            await self.app(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                customer_id = self._new_customer(message)
                if customer_id is not None:
                    await anyio.to_thread.run_sync(self._link, device, customer_id)
            await send(message)

        await self.app(scope, receive, watch)

    def _new_customer(self, message: Message) -> uuid.UUID | None:
        prefix = CUSTOMER_COOKIE.encode() + b"="
        for name, value in message.get("headers", []):
            if name.lower() == b"set-cookie" and value.startswith(prefix):
                token = value[len(prefix):].split(b";", 1)[0].decode().strip('"')
                data = self.kernel.signer.loads(token, purpose=CUSTOMER_SESSION, max_age=3600)
                if isinstance(data, dict) and data.get("cid"):
                    try:
                        return uuid.UUID(str(data["cid"]))
                    except ValueError:
                        return None
        return None

    def _link(self, device: str, customer_id: uuid.UUID) -> None:
        try:
            if self.before_link is not None:
                self.before_link()
            with self.kernel.db.session() as session:
                outreach.link_sign_in(session, device_id=device, customer_id=customer_id)
        except Exception:  # the sign-in itself has succeeded; only the funnel misses a step
            log.exception("scan_sign_in_link_failed")


def _cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            text: str = bytes(value).decode("latin-1")
            for part in text.split(";"):
                key, _, cookie = part.strip().partition("=")
                if key == name and cookie:
                    return cookie.strip('"')
    return None


# ---- console: my codes -----------------------------------------------------------------------


def _message(request: Request, error: ContactlessError) -> str:
    return gettext_for(locale_of(request))(error.message)


def _purposes(request: Request, session: DbSession) -> dict[str, str]:
    """What a code can open, by key: the information page and every journey in the catalog
    (built-in or from a plugin), named in the staff member's language."""
    locale = locale_of(request)
    named = {"info": gettext_for(locale)("Information page")}
    named.update({entry.key: entry.title
                  for entry in journeys.journey_catalog(session, locale=locale)})
    return named


def _codes_page(request: Request, session: DbSession, actor: CurrentStaff, *,
                error: str | None = None, status: int = 200, form: dict[str, Any] | None = None,
                ) -> Response:
    codes = outreach.list_codes(session, actor)
    enterprises = (customers.list_enterprises(session)
                   if actor.role in ("rm", "branch_manager") else [])
    return render(request, "outreach/codes.html", {
        "codes": codes, "invitations": outreach.my_invitations(session, actor),
        "enterprises": enterprises, "channels": outreach.CHANNELS, "error": error,
        "form": form or {}, "base_url": _base_url(request),
        "can_create": actor.role in ("rm", "branch_manager"),
        "purposes": _purposes(request, session),
    }, status=status)


@console_router.get("")
def my_codes(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return _codes_page(request, session, actor)


def _optional_int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidCode("limits are whole numbers")
    return int(value)


@console_router.post("/codes", dependencies=[CsrfChecked])
def create_code(
    request: Request, session: DbSession, actor: CurrentStaff,
    purpose: Annotated[str, Form()], channel: Annotated[str, Form()],
    title: Annotated[str, Form()] = "", message: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "", campaign: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "30", max_scans: Annotated[str, Form()] = "",
    per_customer_limit: Annotated[str, Form()] = "",
    bind_on_first_scan: Annotated[str, Form()] = "", enterprise_id: Annotated[str, Form()] = "",
    roster_restricted: Annotated[str, Form()] = "",
) -> Response:
    form = {"purpose": purpose, "channel": channel, "title": title, "message": message,
            "product": product, "campaign": campaign, "days": days, "max_scans": max_scans,
            "per_customer_limit": per_customer_limit}
    try:
        params = {"message": message.strip()} if purpose.strip() == "info" and message.strip() \
            else {}
        if product.strip():
            params["product"] = product.strip()
        valid_days = _optional_int(days) or 30
        view = outreach.create_code(
            session, actor, purpose=purpose, title=title or None, params=params,
            channel=f"campaign:{campaign.strip()}" if channel == "campaign" else channel,
            expires_at=utcnow() + timedelta(days=valid_days),
            max_scans=_optional_int(max_scans),
            per_customer_limit=_optional_int(per_customer_limit),
            bind_on_first_scan=bool(bind_on_first_scan),
            enterprise_id=uuid.UUID(enterprise_id) if enterprise_id else None,
            roster_restricted=bool(roster_restricted))
    except (ContactlessError, ValueError) as error:
        text = (_message(request, error) if isinstance(error, ContactlessError)
                else gettext_for(locale_of(request))("unknown enterprise"))
        return _codes_page(request, session, actor, error=text, status=422, form=form)
    return RedirectResponse(f"/console/outreach/codes/{view.id}", status_code=303)


def _detail(request: Request, session: DbSession, actor: CurrentStaff, code_id: uuid.UUID, *,
            error: str | None = None, flash: str | None = None, status: int = 200,
            extra: dict[str, Any] | None = None) -> Response:
    view = outreach.get_code(session, actor, code_id=code_id)
    result = outreach.funnel(session, actor, code_id=code_id)
    gettext = gettext_for(locale_of(request))
    is_creator = actor.kind == "staff" and str(view.created_by) == actor.id
    mine = next((o for o in view.owners if str(o.staff_id) == actor.id), None)
    roster = (outreach.roster_members(session, actor, code_id=code_id)
              if view.roster_restricted and view.parent_id is None else [])
    chart = {
        "steps": [gettext(s.label) for s in result.steps],
        "counts": [s.count for s in result.steps],
        "days": [d.isoformat() for d, _n in result.daily],
        "daily": [n for _d, n in result.daily],
    }
    return render(request, "outreach/code.html", {
        "code": view, "url": _base_url(request) + view.path, "funnel": result, "chart": chart,
        "scans": outreach.recent_scans(session, actor, code_id=code_id, limit=20),
        "is_creator": is_creator, "invited": mine is not None and mine.status == "invited",
        "roster": roster, "roster_done": sum(m.completed for m in roster),
        "rms": [r for r in identity.list_rms(session) if str(r.id) != actor.id]
        if is_creator else [],
        "purposes": _purposes(request, session),
        "error": error, "flash": flash, **(extra or {}),
    }, status=status)


@console_router.get("/codes/{code_id}")
def code_detail(request: Request, code_id: uuid.UUID, session: DbSession,
                actor: CurrentStaff, done: str | None = None) -> Response:
    flash = gettext_for(locale_of(request))(DONE[done]) if done in DONE else None
    return _detail(request, session, actor, code_id, flash=flash)


DONE = {
    "paused": "The code is paused.", "resumed": "The code is active again.",
    "revoked": "The code is revoked.", "extended": "The expiry is extended.",
    "invited": "The invitation is sent.", "accepted": "You are now a co-owner.",
    "declined": "You declined the invitation.", "shares": "The shares are saved.",
}


def _act(request: Request, session: DbSession, actor: CurrentStaff, code_id: uuid.UUID,
         action: Any, done: str) -> Response:
    """Run a change; show the code again with what happened, or why it was refused (services
    check everything before they write, so a refusal leaves nothing to roll back). A change
    that only needs a message redirects, so reloading the page repeats nothing."""
    try:
        result = action()
    except ContactlessError as error:
        return _detail(request, session, actor, code_id, error=_message(request, error),
                       status=error.status)
    if done in DONE:
        return RedirectResponse(f"/console/outreach/codes/{code_id}?done={done}",
                                status_code=303)
    return _detail(request, session, actor, code_id,
                   flash=gettext_for(locale_of(request))(done),
                   extra=result if isinstance(result, dict) else None)


@console_router.post("/codes/{code_id}/status", dependencies=[CsrfChecked])
def change_status(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff, action: Annotated[str, Form()]) -> Response:
    actions = {"pause": (outreach.pause_code, "paused"),
               "resume": (outreach.resume_code, "resumed"),
               "revoke": (outreach.revoke_code, "revoked")}
    if action not in actions:
        return _detail(request, session, actor, code_id, status=422,
                       error=gettext_for(locale_of(request))("unknown action"))
    function, done = actions[action]
    return _act(request, session, actor, code_id,
                lambda: function(session, actor, code_id=code_id), done)


@console_router.post("/codes/{code_id}/extend", dependencies=[CsrfChecked])
def extend(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           until: Annotated[str, Form()]) -> Response:
    zone = ZoneInfo(request.app.state.kernel.settings.timezone)

    def run() -> object:
        try:
            day = datetime.strptime(until, "%Y-%m-%d").date()
        except ValueError as exc:
            raise InvalidCode("the new expiry must be later than the current one") from exc
        return outreach.extend_code(session, actor, code_id=code_id,
                                    expires_at=datetime.combine(day, time(23, 59, 59), zone))

    return _act(request, session, actor, code_id, run, "extended")


@console_router.post("/codes/{code_id}/owners", dependencies=[CsrfChecked])
def invite(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           staff_id: Annotated[str, Form()]) -> Response:
    def run() -> object:
        try:
            staff = uuid.UUID(staff_id)
        except ValueError as exc:
            raise InvalidCode("choose an RM to invite") from exc
        return outreach.invite_owner(session, actor, code_id=code_id, staff_id=staff)

    return _act(request, session, actor, code_id, run, "invited")


@console_router.post("/codes/{code_id}/invitation", dependencies=[CsrfChecked])
def answer(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           accept: Annotated[str, Form()]) -> Response:
    yes = accept == "yes"
    return _act(request, session, actor, code_id,
                lambda: outreach.respond_to_invitation(session, actor, code_id=code_id,
                                                       accept=yes),
                "accepted" if yes else "declined")


@console_router.post("/codes/{code_id}/shares", dependencies=[CsrfChecked])
async def shares(request: Request, code_id: uuid.UUID, session: DbSession,
                 actor: CurrentStaff) -> Response:
    form = await request.form()
    values: dict[uuid.UUID, object] = {}
    for key, value in form.items():
        if key.startswith("share_"):
            try:
                values[uuid.UUID(key.removeprefix("share_"))] = str(value)
            except ValueError:
                continue
    return await anyio.to_thread.run_sync(lambda: _act(
        request, session, actor, code_id,
        lambda: outreach.set_shares(session, actor, code_id=code_id, shares=values),
        "shares"))


@console_router.post("/codes/{code_id}/roster", dependencies=[CsrfChecked])
def upload(request: Request, code_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           file: Annotated[UploadFile, File()]) -> Response:
    content = file.file.read(5_000_001)
    return _act(request, session, actor, code_id, lambda: {"report": outreach.upload_roster(
        session, actor, code_id=code_id, content=content)}, "The roster is uploaded.")


@console_router.post("/codes/{code_id}/roster/import", dependencies=[CsrfChecked])
def import_roster(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff) -> Response:
    return _act(request, session, actor, code_id, lambda: {
        "report": outreach.import_enterprise_roster(session, actor, code_id=code_id)},
        "The enterprise roster is copied.")


@console_router.post("/codes/{code_id}/progress-link", dependencies=[CsrfChecked])
def progress_link(request: Request, code_id: uuid.UUID, session: DbSession,
                  actor: CurrentStaff, renew: Annotated[str, Form()] = "") -> Response:
    def run() -> dict[str, Any]:
        token = outreach.progress_token(session, actor, code_id=code_id, renew=bool(renew))
        return {"progress_url": f"{_base_url(request)}/q/progress/{token}"}

    return _act(request, session, actor, code_id, run, "Send this link to the company contact.")


# ---- console: conversions and leaderboards ---------------------------------------------------


@console_router.get("/conversions")
def conversions(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    mine = outreach.my_conversions(session, actor)
    rule = gettext_for(locale_of(request))(RULE).format(days=mine.window_days)
    return render(request, "outreach/conversions.html", {"mine": mine, "rule": rule})


@console_router.get("/leaderboard")
def leaderboard(request: Request, session: DbSession, actor: CurrentStaff,
                days: int = 30) -> Response:
    days = min(max(days, 1), 365)
    rms = outreach.rm_leaderboard(session, actor, days=days)
    channels = outreach.channel_leaderboard(session, actor, days=days)
    gettext = gettext_for(locale_of(request))
    chart = {
        "rms": [r.name for r in rms[:15]],
        "rm_conversions": [plain(r.conversions) for r in rms[:15]],
        "rm_scans": [r.scans for r in rms[:15]],
        "channels": [gettext(c.channel) for c in channels],
        "channel_scans": [c.scans for c in channels],
        "channel_conversions": [c.conversions for c in channels],
    }
    return render(request, "outreach/leaderboard.html", {
        "rms": rms, "channels": channels, "days": days, "chart": chart})
