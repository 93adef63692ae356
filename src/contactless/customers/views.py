"""Customer pages (/m, phone-first): one-time-code sign-in; staff console customer list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.customers import service as customers
from contactless.customers.web import OptionalCustomer, customer_cookie
from contactless.identity import service as identity
from contactless.identity.web import CurrentStaff
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.platform.security import mask_mobile
from contactless.web.deps import (
    ANALYTICS_COOKIE,
    CUSTOMER_COOKIE,
    DEVICE_COOKIE,
    CsrfChecked,
    DbSession,
    KernelDep,
    locale_of,
)
from contactless.web.errors import localized
from contactless.web.params import Page
from contactless.web.templating import render

mobile_router = APIRouter(prefix="/m", include_in_schema=False)
console_router = APIRouter(prefix="/console", include_in_schema=False)


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/m") and "//" not in value:
        return value
    return "/m/products"


@mobile_router.get("")
def mobile_home(actor: OptionalCustomer) -> Response:
    return RedirectResponse("/m/products" if actor else "/m/login", status_code=303)


@mobile_router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "m/login.html", {"next": next})


@mobile_router.post("/login", dependencies=[CsrfChecked])
def send_code(request: Request, session: DbSession, mobile: Annotated[str, Form()],
              next: Annotated[str, Form()] = "") -> Response:
    try:
        mobile = identity.check_mobile(mobile)
        wait = customers.request_sign_in_code(session, mobile=mobile)
    except ContactlessError as error:
        message = localized(error, locale_of(request)).message
        if error.code == "otp_resend_cooldown":
            # the code sent a moment ago is still good: the page counts down to the next one
            return render(request, "m/verify.html", {
                "mobile": mobile, "masked": mask_mobile(mobile), "next": next,
                "resend_after": error.extra.get("retry_after", 1)}, status=429)
        return render(request, "m/login.html", {"error": message, "mobile": mobile, "next": next},
                      status=error.status)
    return render(request, "m/verify.html", {"mobile": mobile, "masked": mask_mobile(mobile),
                                             "next": next, "resend_after": wait})


@mobile_router.post("/verify", dependencies=[CsrfChecked])
def verify(request: Request, session: DbSession, kernel: KernelDep,
           mobile: Annotated[str, Form()], code: Annotated[str, Form()],
           next: Annotated[str, Form()] = "") -> Response:
    try:
        actor = customers.complete_sign_in(session, mobile=mobile, code=code,
                                           anonymous_id=request.cookies.get(DEVICE_COOKIE))
    except ContactlessError as error:
        message = localized(error, locale_of(request)).message
        template = "m/login.html" if error.code in (
            "otp_expired", "otp_attempts_exceeded", "otp_locked", "otp_rate_limited",
            "customer_not_found") else "m/verify.html"
        return render(request, template, {"mobile": mobile, "masked": mask_mobile(mobile),
                                          "next": next, "error": message}, status=error.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(CUSTOMER_COOKIE, customer_cookie(session, actor), max_age=30 * 60,
                        httponly=True, samesite="lax", secure=kernel.settings.cookie_secure)
    response.delete_cookie("cl_pre")
    _carry_analytics(request, session, actor, response)
    return response


def _carry_analytics(request: Request, session: DbSession, actor: Actor,
                     response: Response) -> None:
    """At sign-in the customer's recorded answer wins on this browser; an answer given on
    this browser before signing in (and none recorded) becomes the customer's."""
    recorded = customers.analytics_consent_of(session, customer_id=uuid.UUID(actor.id))
    here = request.cookies.get(ANALYTICS_COOKIE)
    if recorded is None and here in customers.ANALYTICS_CHOICES:
        recorded = customers.set_analytics_consent(session, actor, granted=here == "granted")
    if recorded is not None:
        _analytics_cookie(request, response, recorded)
    else:
        response.delete_cookie(ANALYTICS_COOKIE)


def _analytics_cookie(request: Request, response: Response, value: str) -> None:
    kernel = request.app.state.kernel
    response.set_cookie(ANALYTICS_COOKIE, value, max_age=400 * 86400, httponly=True,
                        samesite="lax", secure=kernel.settings.cookie_secure)


@mobile_router.post("/analytics", dependencies=[CsrfChecked])
def analytics_consent(request: Request, session: DbSession, actor: OptionalCustomer,
                      choice: Annotated[str, Form()],
                      next: Annotated[str, Form()] = "") -> Response:
    """The answer to behaviour analytics (the banner's or 我的's toggle): recorded for a
    signed-in customer (audited), kept on this browser for a visitor."""
    if choice not in customers.ANALYTICS_CHOICES:
        return render(request, "m/login.html", {"error": _analytics_choice_error(request)},
                      status=422)
    if actor is not None:
        customers.set_analytics_consent(session, actor, granted=choice == "granted")
    response = RedirectResponse(_safe_next(next), status_code=303)
    _analytics_cookie(request, response, choice)
    return response


def _analytics_choice_error(request: Request) -> str:
    return gettext_for(locale_of(request))("Choose to allow or to decline analytics.")


@mobile_router.post("/logout", dependencies=[CsrfChecked])
def logout(session: DbSession, actor: OptionalCustomer) -> Response:
    """Signing out ends the session on the server too (and every other of this customer)."""
    if actor is not None:
        customers.sign_out(session, actor)
    response = RedirectResponse("/m/login", status_code=303)
    response.delete_cookie(CUSTOMER_COOKIE)
    return response


@console_router.get("/customers")
def customers_page(request: Request, session: DbSession, actor: CurrentStaff,
                   mobile: str | None = None, page: Page = 1) -> Response:
    page_size = 50
    error = None
    try:
        rows, total = customers.list_customers(session, actor, mobile=mobile or None,
                                               limit=page_size, offset=(page - 1) * page_size)
    except ContactlessError as exc:
        error = localized(exc, locale_of(request)).message
        rows, total = customers.list_customers(session, actor, limit=page_size)
    return render(request, "console/customers.html", {
        "customers": rows, "total": total, "mobile": mobile, "page": page,
        "page_size": page_size, "error": error,
    })
