"""Customer-facing outreach pages: the scan route ``/q/{token}`` and its landing pages in /m,
the enterprise contact's progress page, and the middleware that ties a sign-in to the
device's earlier scans."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import anyio
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contactless.customers.web import OptionalCustomer
from contactless.journeys import service as journeys
from contactless.journeys.web import OptionalJourneyActor
from contactless.outreach import service as outreach
from contactless.outreach.errors import QrLinksRateLimited
from contactless.outreach.fastscan import DEVICE_MAX_AGE
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.platform.kernel import Kernel
from contactless.web.deps import (
    CUSTOMER_COOKIE,
    CUSTOMER_SESSION,
    DEVICE_COOKIE,
    DbSession,
    KernelDep,
    client_ip,
    locale_of,
    translator_of,
)
from contactless.web.templating import render

log = structlog.get_logger(__name__)

scan_router = APIRouter(include_in_schema=False)
mobile_router = APIRouter(prefix="/m", include_in_schema=False)




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
                          for e in journeys.journey_catalog(
                              session, translator=translator_of(request)))
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

