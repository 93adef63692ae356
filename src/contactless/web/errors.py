"""One handler turns every ContactlessError into problem+json (API) or an error page (HTML)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from contactless.platform.context import current_request_id
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.web.deps import LoginRequired, locale_of

log = structlog.get_logger(__name__)
PROBLEM = "application/problem+json"


def _under(path: str, *areas: str) -> bool:
    # "/metrics" is not under "/m": an area is the segment itself or what lies below it
    return any(path == area or path.startswith(area + "/") for area in areas)


def wants_html(request: Request) -> bool:
    path = request.url.path
    return _under(path, "/console", "/m", "/q") or path == "/"


def localized(error: ContactlessError, locale: str) -> ContactlessError:
    """The one place an error's text is translated: its message (``{placeholders}`` filled
    from its extra fields after translation) and each field error's message. Services raise
    English message ids; pages and the APIs call this, once, on the way out."""
    gettext = gettext_for(locale)
    text = gettext(getattr(error, "template", error.message))
    try:
        error.message = text.format(**error.extra) if error.extra else text
    except (KeyError, IndexError, ValueError, AttributeError):
        error.message = text
    errors = error.extra.get("errors")
    if isinstance(errors, list):
        error.extra["errors"] = [
            {**item, "message": _field_message(item["message"], gettext)}
            # an item without a message of ours (pydantic's own "msg") stays as it is:
            # gettext("") is the catalog's header, not a translation
            if isinstance(item, dict) and item.get("message") else item for item in errors]
    return error


def _field_message(message: object, gettext: Callable[[str], str]) -> str:
    # a step's hooks may give a message with parameters that knows how to render itself
    render = getattr(message, "render", None)
    return str(render(gettext)) if callable(render) else gettext(str(message))


def problem_response(request: Request, error: ContactlessError) -> Response:
    """Render an error for the caller: problem+json for machines, a page for people."""
    locale = locale_of(request)
    detail = localized(error, locale).message
    headers = retry_headers(error)
    if wants_html(request):
        from contactless.web.templating import render

        area = "m" if _under(request.url.path, "/m", "/q") else "console"
        page = render(request, f"errors/{area}.html", {
            "status": error.status, "title": gettext_for(locale)(error.code.replace("_", " ")),
            "detail": detail, "request_id": current_request_id(),
        }, status=error.status)
        page.headers.update(headers)
        return page
    body = error.problem(instance=request.url.path)
    body["detail"] = detail
    body["request_id"] = current_request_id()
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=headers)


def retry_headers(error: ContactlessError) -> dict[str, str]:
    """``Retry-After`` for a refusal that says how long to wait."""
    retry_after = error.extra.get("retry_after")
    if error.status in (423, 429, 503) and isinstance(retry_after, int) and retry_after > 0:
        headers = {"Retry-After": str(retry_after)}
        limit = error.extra.get("rate_limit")
        if isinstance(limit, int):  # a counted window: its figures too
            headers |= {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(retry_after)}
        return headers
    return {}


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """What a 405 says the path does answer (RFC 9110 ``Allow``): every method some route
    matches in full on it, as a path's GET and POST are often two routes."""
    routes = request.app.router.routes
    allowed = [method for method in METHODS
               if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                      for route in routes)]
    return ", ".join(allowed)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, error: LoginRequired) -> Response:
        if wants_html(request) and request.method == "GET":
            target = "/m/login" if error.area == "m" else "/console/login"
            return RedirectResponse(f"{target}?next={quote(request.url.path)}", status_code=303)
        return problem_response(request, error)

    @app.exception_handler(ContactlessError)
    async def _contactless(request: Request, error: ContactlessError) -> Response:
        return problem_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        errors: list[dict[str, Any]] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in error.errors()
        ]
        wrapped = ContactlessError("the request is not valid", status=422,
                                   code="request_invalid", errors=errors)
        return problem_response(request, wrapped)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
        messages = {404: "page not found", 405: "method not allowed",
                    413: "the request body is too large"}
        wrapped = ContactlessError(messages.get(error.status_code, str(error.detail)),
                                   status=error.status_code,
                                   code=codes.get(error.status_code, "http_error"))
        response = problem_response(request, wrapped)
        if error.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        wrapped = ContactlessError("something went wrong on our side; it has been logged",
                                   status=500, code="internal_error")
        return problem_response(request, wrapped)
