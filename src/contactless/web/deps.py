"""Typed dependencies shared by every router: the database session, the kernel, the language,
CSRF and idempotency keys, and the cookies and bearer tokens that carry sign-ins. Who is signed
in is answered by the domain that knows them: ``identity.web`` (staff) and ``customers.web``."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from contactless.platform.errors import ContactlessError, Forbidden, Unauthorized
from contactless.platform.i18n import Translator, from_accept_language, normalise
from contactless.platform.kernel import Kernel

STAFF_COOKIE = "cl_staff"
CUSTOMER_COOKIE = "cl_customer"
LOCALE_COOKIE = "cl_lang"
# the anonymous device id a QR scan leaves (random, tied to nobody until a sign-in)
DEVICE_COOKIE = "cl_dev"
# the visitor's or customer's answer to behaviour analytics on this browser: granted/declined
ANALYTICS_COOKIE = "cl_analytics"
STAFF_SESSION = "staff-session"
CUSTOMER_SESSION = "customer-session"


class LoginRequired(Unauthorized):
    """A page needs a signed-in person: pages redirect to sign-in, the API answers 401."""

    code = "login_required"

    def __init__(self, message: str, *, area: str) -> None:
        super().__init__(message)
        self.area = area


class CsrfFailed(Forbidden):
    """The form's CSRF token is missing or does not match the session's."""

    code = "csrf_failed"


async def kernel_dependency(request: Request) -> Kernel:
    # async: no I/O, so FastAPI runs it on the event loop instead of a worker thread
    return get_kernel(request)


def get_kernel(request: Request) -> Kernel:
    return request.app.state.kernel  # type: ignore[no-any-return]


KernelDep = Annotated[Kernel, Depends(kernel_dependency)]


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with get_kernel(request).db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    host = request.client.host if request.client else "0.0.0.0"  # noqa: S104 - a label only
    return host


def locale_of(request: Request) -> str:
    kernel = get_kernel(request)
    chosen = request.query_params.get("lang") or request.cookies.get(LOCALE_COOKIE)
    if chosen:
        return normalise(chosen, kernel.settings.default_locale)
    header = request.headers.get("accept-language")
    if header and not request.url.path.startswith("/console"):
        # customers' phones and API clients say which language they read; staff pages keep
        # the bank's until someone switches
        return from_accept_language(header, kernel.settings.default_locale)
    return normalise(kernel.settings.default_locale)


Locale = Annotated[str, Depends(locale_of)]


def translator_of(request: Request) -> Translator:
    """The caller's language as the translator a service composing text is handed."""
    return Translator(locale_of(request))


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def staff_session_data(request: Request) -> dict[str, object] | None:
    kernel = get_kernel(request)
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        return None
    data = kernel.signer.loads(token, purpose=STAFF_SESSION,
                               max_age=kernel.settings.session_max_age_seconds)
    return data if isinstance(data, dict) else None


def csrf_token_for(request: Request) -> str:
    """The CSRF token of the current console or customer session (a fresh one if none)."""
    staff = staff_session_data(request)
    if staff and staff.get("csrf"):
        return str(staff["csrf"])
    kernel = get_kernel(request)
    cookie = request.cookies.get(CUSTOMER_COOKIE) or request.cookies.get("cl_pre")
    if cookie:
        for purpose in (CUSTOMER_SESSION, "pre-session"):
            data = kernel.signer.loads(cookie, purpose=purpose, max_age=24 * 3600)
            if isinstance(data, dict) and data.get("csrf"):
                return str(data["csrf"])
    token = getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Every form post carries the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = csrf_token_for(request)
    # compared as bytes: a token that is not ASCII is simply wrong, not an error
    if not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("the form expired; reload the page and try again")


CsrfChecked = Depends(check_csrf)


def idempotency_key(
    header: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    # read as optional so a missing key gets its own 400 code; the schema marks it required
    key = (header or "").strip()
    if not key or len(key) > 128:
        raise ContactlessError("send an Idempotency-Key header (1-128 characters)",
                               status=400, code="idempotency_key_required")
    return key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]
