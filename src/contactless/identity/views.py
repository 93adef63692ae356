"""Console pages of the identity domain: sign-in, branches, staff, message center, audit."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.identity import approvals
from contactless.identity import service as identity
from contactless.identity.models import BranchKind, Role
from contactless.identity.permissions import Operation, may
from contactless.identity.web import (
    CurrentStaff,
    OptionalStaff,
    end_console_session,
    start_idle_clock,
)
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.web.deps import (
    STAFF_COOKIE,
    STAFF_SESSION,
    CsrfChecked,
    DbSession,
    KernelDep,
    client_ip,
    locale_of,
)
from contactless.web.errors import localized
from contactless.web.params import Page
from contactless.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/console") and "//" not in value:
        return value
    return "/console"


def _message(request: Request, error: ContactlessError) -> str:
    return localized(error, locale_of(request)).message


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "console/login.html", {"next": next})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request, session: DbSession, kernel: KernelDep,
    username: Annotated[str, Form()], password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    try:
        actor, version = identity.authenticate(session, username=username, password=password,
                                               ip=client_ip(request))
    except ContactlessError as error:
        return render(request, "console/login.html",
                      {"error": _message(request, error), "username": username, "next": next},
                      status=error.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    data: dict[str, object] = {"sid": actor.id, "v": version, "n": secrets.token_urlsafe(18),
                               "csrf": secrets.token_urlsafe(24)}
    start_idle_clock(kernel, data)
    cookie = kernel.signer.dumps(data, purpose=STAFF_SESSION)
    response.set_cookie(STAFF_COOKIE, cookie, max_age=kernel.settings.session_max_age_seconds,
                        httponly=True, samesite="lax", secure=kernel.settings.cookie_secure)
    response.delete_cookie("cl_pre")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: DbSession, actor: OptionalStaff) -> Response:
    """Signing out ends this session on the server, and every other session and token of the
    same person."""
    if actor is not None:
        identity.sign_out(session, actor)
    end_console_session(request)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(STAFF_COOKIE)
    return response


@router.get("/branches")
def branches_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return render(request, "console/branches.html", {
        "branches": identity.list_branches(session, actor),
        "can_create": may(actor, Operation.BRANCH_CREATE),
        "form": {},
    })


@router.post("/branches", dependencies=[CsrfChecked])
def create_branch(
    request: Request, session: DbSession, actor: CurrentStaff,
    code: Annotated[str, Form()], name: Annotated[str, Form()], kind: Annotated[str, Form()],
    parent_code: Annotated[str, Form()] = "",
) -> Response:
    try:
        identity.create_branch(session, actor, code=code, name=name, kind=BranchKind(kind),
                               parent_code=parent_code or None)
    except (ContactlessError, ValueError) as error:
        message = (_message(request, error) if isinstance(error, ContactlessError)
                   else gettext_for(locale_of(request))("unknown branch kind"))
        return render(request, "console/branches.html", {
            "branches": identity.list_branches(session, actor), "can_create": True,
            "error": message,
            "form": {"code": code, "name": name, "kind": kind, "parent_code": parent_code},
        }, status=getattr(error, "status", 422))
    return RedirectResponse("/console/branches", status_code=303)


def _staff_context(session: DbSession, actor: CurrentStaff) -> dict[str, object]:
    return {
        "staff": identity.list_staff(session, actor),
        "branches": identity.list_branches(session, actor),
        "roles": [role.value for role in Role],
        "can_create": may(actor, Operation.STAFF_MANAGE),
        "form": {},
    }


@router.get("/staff")
def staff_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return render(request, "console/staff.html", _staff_context(session, actor))


@router.post("/staff", dependencies=[CsrfChecked])
def create_staff(
    request: Request, session: DbSession, actor: CurrentStaff,
    username: Annotated[str, Form()], display_name: Annotated[str, Form()],
    role: Annotated[str, Form()], branch_code: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    try:
        identity.create_staff(session, actor, username=username, role=role,
                              branch_code=branch_code, password=password,
                              display_name=display_name)
    except ContactlessError as error:
        context = _staff_context(session, actor)
        context["error"] = _message(request, error)
        context["form"] = {"username": username, "display_name": display_name, "role": role,
                           "branch_code": branch_code}
        return render(request, "console/staff.html", context, status=error.status)
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/staff/{staff_id}/{change}", dependencies=[CsrfChecked])
def change_staff(session: DbSession, actor: CurrentStaff, staff_id: uuid.UUID,
                 change: str) -> Response:
    if change not in ("activate", "deactivate"):
        raise ContactlessError("unknown change", status=404, code="not_found")
    identity.set_active(session, actor, staff_id=staff_id, active=change == "activate")
    return RedirectResponse("/console/staff", status_code=303)


@router.get("/messages")
def messages_page(request: Request, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
                  to: str | None = None) -> Response:
    error = None
    mobile = None
    try:
        mobile = identity.check_mobile(to) if to else None
    except ContactlessError as exc:
        error = _message(request, exc)
    rows = (identity.outbox_messages(session, actor, to_mobile=mobile, limit=100)
            if not error else [])
    return render(request, "console/messages.html", {"messages": rows, "to": to, "error": error})


def _day(value: str | None, zone: str) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        return None
    return day.astimezone(UTC)


@router.get("/audit")
def audit_page(
    request: Request, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
    action: str | None = None, actor_id: str | None = None, target_id: str | None = None,
    since: str | None = None, until: str | None = None,
    page: Page = 1,
) -> Response:
    zone = kernel.settings.timezone
    page_size = 50
    end = _day(until, zone)
    entries = identity.search_audit(
        session, actor, action=action or None, actor_id=actor_id or None,
        target_id=target_id or None,
        since=_day(since, zone), until=end + timedelta(days=1) if end else None,
        limit=page_size, offset=(page - 1) * page_size,
    )
    filters = {"action": action, "actor_id": actor_id, "target_id": target_id, "since": since,
               "until": until}
    return render(request, "console/audit.html", {
        "entries": entries, "chain": identity.verify_audit(session, actor), "filters": filters,
        "actor_names": identity.audit_actor_names(session, actor, entries),
        "sealed_through": identity.audit_sealed_through(session, actor),
        "page": page, "page_size": page_size,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    })


# ---- four eyes: approvals ------------------------------------------------------------------

APPROVAL_FILTERS = ("pending", "approved", "refused", "all")


def _approvals_page(request: Request, session: DbSession, actor: CurrentStaff, *,
                    status: str = "pending", error: str | None = None,
                    code: int = 200) -> Response:
    status = status if status in APPROVAL_FILTERS else "pending"
    items = approvals.list_approvals(session, actor, status=None if status == "all" else status)
    return render(request, "console/approvals.html", {
        "items": items, "status": status, "filters": APPROVAL_FILTERS, "error": error,
        "can_decide": {item.id: approvals.may_decide(actor, item) for item in items},
    }, status=code)


@router.get("/approvals")
def approvals_page(request: Request, session: DbSession, actor: CurrentStaff,
                   status: str = "pending") -> Response:
    return _approvals_page(request, session, actor, status=status)


@router.post("/approvals/{approval_id}/{decision}", dependencies=[CsrfChecked])
def decide_approval(request: Request, session: DbSession, actor: CurrentStaff,
                    approval_id: uuid.UUID, decision: str,
                    note: Annotated[str, Form()] = "") -> Response:
    if decision not in ("approve", "refuse"):
        raise ContactlessError("unknown decision", status=404, code="not_found")
    decide = approvals.approve if decision == "approve" else approvals.refuse
    try:
        with session.begin_nested():
            decide(session, actor, approval_id=approval_id, note=note)
    except ContactlessError as error:
        return _approvals_page(request, session, actor, error=_message(request, error),
                               code=error.status)
    return RedirectResponse("/console/approvals", status_code=303)
