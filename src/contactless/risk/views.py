"""Risk control's console page (/console/risk): the engine's state (model or rules only),
the live decisions chart, the case queue, the rules with a backtest, the champion and the
challenger (the model page is ``views_models.py``)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response

from contactless.identity.permissions import Operation, authorize, may
from contactless.identity.web import CurrentStaff
from contactless.platform.clock import now
from contactless.platform.errors import ContactlessError
from contactless.risk import cases, manage
from contactless.risk import service as risk
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
          error: str | None = None, status: int = 200) -> Response:
    authorize(actor, Operation.RISK_READ)
    engine = risk.engine_of(kernel)
    registry = engine.registry.index() if engine else {"versions": []}
    return render(request, "risk/console.html", {
        "mode": engine.mode if engine else "placeholder",
        "problem": engine.registry.problem if engine else None,
        "rules_only_allowed": kernel.settings.risk_rules_only, "registry": registry,
        "cases": cases.queue(session, actor), "rules": manage.list_rules(session, actor),
        "chart": live_chart(session, actor), "backtest": backtest, "condition": condition,
        "error": error, "may_write": may(actor, Operation.RISK_RULES_MANAGE),
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
        parsed = _json(condition)
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
        manage.save_rule(session, actor, key=key, condition=_json(condition), action=action,
                         weight=weight, status=status)
    except ContactlessError as exc:
        session.rollback()
        return _page(request, session, kernel, actor, condition=condition, status=exc.status,
                     error=localized(exc, locale_of(request)).message)
    return _page(request, session, kernel, actor, condition=condition)


def _json(text: str) -> Any:
    from contactless.risk.errors import RuleInvalid

    try:
        return json.loads(text)
    except ValueError as exc:
        raise RuleInvalid("the condition is not JSON (line {line}, column {column})",
                          line=getattr(exc, "lineno", 1), column=getattr(exc, "colno", 1),
                          ) from exc


__all__ = ["console_router", "install"]
