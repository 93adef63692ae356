"""Risk control's console page (/console/risk): the engine's state (model or rules only),
the live decisions chart, the case queue, the block and allow lists, the rules with a
backtest, the champion and the challenger; and a case's page, where an analyst takes the
case, notes, and gives the verdict (freezing the account on fraud). The model page is
``views_models.py``."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.identity import service as identity
from contactless.identity.permissions import Operation, authorize, may
from contactless.identity.web import CurrentStaff
from contactless.platform.clock import now
from contactless.platform.errors import ContactlessError
from contactless.risk import cases, manage
from contactless.risk import service as risk
from contactless.risk.errors import InvalidOperation
from contactless.risk.rules import parse_condition
from contactless.web.deps import CsrfChecked, DbSession, KernelDep, locale_of
from contactless.web.errors import localized
from contactless.web.templating import extra_navigation, render

console_router = APIRouter(prefix="/console/risk", include_in_schema=False)
NAVIGATION = [("/console/risk", "Risk control",
               frozenset({"risk_analyst", "auditor", "branch_manager"}))]
OUTCOMES = ("approve", "step_up", "review", "block")
CHART_MINUTES = 60


def install(app: FastAPI) -> None:
    """The console menu entry."""
    extra_navigation(app.state.templates, NAVIGATION)


def live_chart(session: DbSession, actor: Any) -> dict[str, Any]:
    """Decisions per minute over the last hour, by outcome."""
    since = now() - timedelta(minutes=CHART_MINUTES)
    rows = risk.outcomes_since(session, actor, since=since)
    counts: Counter[tuple[str, str]] = Counter(
        (at.strftime("%H:%M"), outcome) for at, outcome in rows)
    minutes = [(since + timedelta(minutes=index + 1)).strftime("%H:%M")
               for index in range(CHART_MINUTES)]
    return {"minutes": minutes,
            "series": {outcome: [counts[(minute, outcome)] for minute in minutes]
                       for outcome in OUTCOMES}}


def _page(request: Request, session: DbSession, kernel: Any, actor: Any, *,
          backtest: dict[str, Any] | None = None, condition: str = "",
          error: str | None = None, list_error: str | None = None,
          status: int = 200) -> Response:
    authorize(actor, Operation.RISK_READ)
    engine = risk.engine_of(kernel)
    registry = engine.registry.index() if engine else {"versions": []}
    return render(request, "risk/console.html", {
        "mode": engine.mode if engine else "placeholder",
        "problem": engine.registry.problem if engine else None,
        "rules_only_allowed": kernel.settings.risk_rules_only, "registry": registry,
        "cases": cases.queue(session, actor), "rules": manage.list_rules(session, actor),
        "entries": manage.list_entries(session, actor), "subjects": manage.SUBJECTS,
        "may_list": may(actor, Operation.RISK_LISTS_MANAGE),
        "chart": live_chart(session, actor), "backtest": backtest, "condition": condition,
        "error": error, "list_error": list_error,
        "may_write": may(actor, Operation.RISK_RULES_MANAGE),
    }, status=status)


@console_router.get("")
def risk_page(request: Request, session: DbSession, kernel: KernelDep,
              actor: CurrentStaff) -> Response:
    return _page(request, session, kernel, actor)


@console_router.post("/backtest", dependencies=[CsrfChecked])
def backtest(request: Request, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
             condition: Annotated[str, Form(max_length=20_000)]) -> Response:
    """Run a condition over stored decisions; a condition that does not parse comes back
    with where it fails."""
    try:
        parsed = parse_condition(condition)
        result = manage.backtest(session, actor, condition=parsed)
    except ContactlessError as exc:
        return _page(request, session, kernel, actor, condition=condition, status=exc.status,
                     error=localized(exc, locale_of(request)).message)
    return _page(request, session, kernel, actor, backtest=result, condition=condition)


@console_router.post("/rules", dependencies=[CsrfChecked])
def save_rule(request: Request, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
              key: Annotated[str, Form(max_length=64)],
              condition: Annotated[str, Form(max_length=20_000)],
              action: Annotated[str, Form(max_length=16)] = "score",
              weight: Annotated[float, Form()] = 0.0,
              status: Annotated[str, Form(max_length=16)] = "shadow") -> Response:
    try:
        manage.save_rule(session, actor, key=key, condition=parse_condition(condition),
                         action=action, weight=weight, status=status)
    except ContactlessError as exc:
        session.rollback()
        return _page(request, session, kernel, actor, condition=condition, status=exc.status,
                     error=localized(exc, locale_of(request)).message)
    return _page(request, session, kernel, actor, condition=condition)


# ---- block and allow lists ----------------------------------------------------------------


@console_router.post("/lists", dependencies=[CsrfChecked])
def add_to_list(request: Request, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
                which: Annotated[str, Form(max_length=8)],
                subject: Annotated[str, Form(max_length=16)],
                value: Annotated[str, Form(max_length=80)],
                reason: Annotated[str, Form(max_length=200)] = "",
                expires_on: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Put a customer, account, payee or device on a list, until the end of ``expires_on``
    (a date) or for good; the page comes back with the message when it is refused."""
    try:
        until = (datetime.combine(_date(expires_on), time.max, tzinfo=UTC)
                 if expires_on else None)
        manage.add_entry(session, actor, which=which, subject=subject, value=value.strip(),
                         reason=reason.strip(), expires_at=until)
    except ContactlessError as exc:
        session.rollback()
        return _page(request, session, kernel, actor, status=exc.status,
                     list_error=localized(exc, locale_of(request)).message)
    return RedirectResponse("/console/risk#lists", status_code=303)


@console_router.post("/lists/{entry_id}/remove", dependencies=[CsrfChecked])
def remove_from_list(request: Request, entry_id: uuid.UUID, session: DbSession,
                     kernel: KernelDep, actor: CurrentStaff) -> Response:
    try:
        manage.remove_entry(session, actor, entry_id=entry_id)
    except ContactlessError as exc:
        session.rollback()
        return _page(request, session, kernel, actor, status=exc.status,
                     list_error=localized(exc, locale_of(request)).message)
    return RedirectResponse("/console/risk#lists", status_code=303)


def _date(text: str) -> Any:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidOperation("the expiry is a date (YYYY-MM-DD)", field="expires_at",
                               ) from exc


# ---- a case -------------------------------------------------------------------------------


def _case_page(request: Request, session: DbSession, actor: Any, case_id: uuid.UUID, *,
               error: str | None = None, status: int = 200) -> Response:
    case = cases.detail(session, actor, case_id=case_id)
    return render(request, "risk/case.html", {
        "case": case, "error": error, "staff": _staff_names(
            session, [case["assignee_id"], *(item["author_id"] for item in case["notes"])]),
        "may_work": may(actor, Operation.RISK_CASES_WORK),
        "may_freeze": may(actor, Operation.ACCOUNT_FREEZE),
    }, status=status)


@console_router.get("/cases/{case_id}")
def case_page(request: Request, case_id: uuid.UUID, session: DbSession,
              actor: CurrentStaff) -> Response:
    """The case, the decision behind it (rules, reasons, the features that weighed most
    against the customer's usual values), the customer's recent decisions and the notes."""
    return _case_page(request, session, actor, case_id)


def _case_action(request: Request, session: DbSession, actor: Any, case_id: uuid.UUID,
                 action: Any) -> Response:
    try:
        action()
    except ContactlessError as exc:
        session.rollback()
        return _case_page(request, session, actor, case_id, status=exc.status,
                          error=localized(exc, locale_of(request)).message)
    return RedirectResponse(f"/console/risk/cases/{case_id}", status_code=303)


@console_router.post("/cases/{case_id}/assign", dependencies=[CsrfChecked])
def take_case(request: Request, case_id: uuid.UUID, session: DbSession,
              actor: CurrentStaff) -> Response:
    return _case_action(request, session, actor, case_id,
                        lambda: cases.assign(session, actor, case_id=case_id))


@console_router.post("/cases/{case_id}/notes", dependencies=[CsrfChecked])
def note_case(request: Request, case_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
              text: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
    return _case_action(request, session, actor, case_id,
                        lambda: cases.note(session, actor, case_id=case_id, text=text.strip()))


@console_router.post("/cases/{case_id}/verdict", dependencies=[CsrfChecked])
def close_case(request: Request, case_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
               verdict: Annotated[str, Form(max_length=16)],
               freeze_account_id: Annotated[str, Form(max_length=36)] = "") -> Response:
    """Fraud or not fraud; with fraud and the box ticked, the operation's source account is
    frozen through the core (once: the freeze's key is the case's)."""
    def act() -> None:
        account = _uuid(freeze_account_id) if verdict == "fraud" else None
        cases.close(session, actor, case_id=case_id, verdict=verdict, freeze_account=account)

    return _case_action(request, session, actor, case_id, act)


def _staff_names(session: DbSession, ids: list[str | None]) -> dict[str, str]:
    """The names of the staff behind ids (an id that names nobody stays as it is)."""
    names = {}
    for staff_id in {item for item in ids if item}:
        try:
            names[staff_id] = identity.actor_for_staff_id(session, uuid.UUID(staff_id)
                                                          ).display_name
        except (ValueError, ContactlessError):
            continue
    return names


def _uuid(text: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise InvalidOperation("the account to freeze is not an account id",
                               field="freeze_account_id") from exc


__all__ = ["console_router", "install"]
