"""Jinja2 pages with the locale's translations, the CSRF token and role-based navigation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from contactless.platform.context import Actor
from contactless.platform.i18n import gettext_for
from contactless.platform.money import plain
from contactless.web.deps import (
    ANALYTICS_COOKIE,
    DEVICE_COOKIE,
    csrf_token_for,
    get_kernel,
    locale_of,
)
from contactless.web.labels import labeller

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# (path, message id, roles that see it); the console home is for every role
NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("/console", "Home", frozenset({"admin", "branch_manager", "rm", "marketer", "risk_analyst",
                                     "agent", "auditor"})),
    ("/console/customers", "Customers", frozenset({"admin", "branch_manager", "rm"})),
    ("/console/branches", "Branches", frozenset({"admin", "branch_manager"})),
    ("/console/staff", "Staff", frozenset({"admin", "branch_manager"})),
    ("/console/messages", "Message center", frozenset({"admin"})),
    ("/console/audit", "Audit trail", frozenset({"admin", "auditor"})),
    ("/console/approvals", "Approvals", frozenset({"branch_manager", "rm", "risk_analyst",
                                                   "auditor"})),
]


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = plain
    env.filters["qr_svg"] = qr_svg
    return env


def qr_svg(url: str) -> Markup:
    """A link as an inline SVG QR code (a contact card's WeCom link, scanned from a screen)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=2, dark="#1f2933", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own markup; the link is escaped inside it


NavItem = tuple[str, str, frozenset[str]]


def extra_navigation(env: Environment, items: list[NavItem]) -> None:
    """Let a domain add console menu entries (path, message id, roles)."""
    current: list[NavItem] = list(env.globals.get("extra_nav", []))  # type: ignore[call-overload]
    env.globals["extra_nav"] = current + items


def local_time(value: datetime | None, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def _analytics(request: Request) -> str | None:
    """This browser's answer to behaviour analytics (None: not asked yet)."""
    value = request.cookies.get(ANALYTICS_COOKIE)
    return value if value in ("granted", "declined") else None


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200) -> HTMLResponse:
    kernel = get_kernel(request)
    env: Environment = request.app.state.templates
    locale = locale_of(request)
    gettext = gettext_for(locale)
    actor: Actor | None = getattr(request.state, "actor", None)
    items: list[NavItem] = NAVIGATION + list(env.globals.get("extra_nav", []))  # type: ignore[call-overload]
    nav = [
        (path, gettext(label)) for path, label, roles in items
        if actor is not None and actor.kind == "staff" and actor.role in roles
    ]
    zone = kernel.settings.timezone

    def _(message: str, **params: Any) -> str:
        text = gettext(message)
        return text.format(**params) if params else text

    values = {
        "request": request,
        "_": _,
        "locale": locale,
        "other_locale": "en" if locale == "zh-CN" else "zh-CN",
        "csrf_token": csrf_token_for(request),
        "label": labeller(locale),
        "actor": actor,
        "nav": nav,
        "bank_name": kernel.settings.bank_name,
        "localtime": lambda value, fmt="%Y-%m-%d %H:%M": local_time(value, zone, fmt),
        "path": request.url.path,
        "analytics": _analytics(request),
        "device_id": request.cookies.get(DEVICE_COOKIE, "")[:48],
    }
    values.update(context or {})
    html = env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        # anonymous forms (sign-in) carry a CSRF token bound to this pre-session cookie
        response.set_cookie("cl_pre", kernel.signer.dumps({"csrf": new_csrf},
                            purpose="pre-session"), max_age=24 * 3600, httponly=True,
                            samesite="lax", secure=kernel.settings.cookie_secure)
    if "lang" in request.query_params:
        response.set_cookie("cl_lang", locale, max_age=365 * 86400, samesite="lax",
                            httponly=True)
    return response
