"""Marketing's console pages after the start: a campaign's results (活动效果) with its CSV,
and an RM's call list for the day (我的今日任务) with one-click outcomes. Mounted beside
``views.console_router`` under the same prefix."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.identity.web import CurrentStaff
from contactless.marketing import service as marketing
from contactless.marketing.builder import refusal
from contactless.marketing.models import TaskOutcome
from contactless.marketing.service import Results
from contactless.marketing.service.work import MAX_NOTES
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.templating import render

console_router = APIRouter(prefix="/console/marketing", include_in_schema=False)
OUTCOMES = [outcome.value for outcome in TaskOutcome]
LOGGED = N_("The outcome is saved.")


# ---- a campaign's results -------------------------------------------------------------------


def chart_of(results: Results) -> dict[str, Any]:
    """What the dashboard's charts draw: conversions per day (treatment), and the two
    groups' conversion rates in percent."""
    return {"days": [day for day, _n in results.days], "daily": [n for _day, n in results.days],
            "rates": [round(100 * results.treatment.rate, 2),
                      round(100 * results.control.rate, 2)]}


@console_router.get("/campaigns/{campaign_id}/results")
def results_page(request: Request, session: DbSession, actor: CurrentStaff,
                 campaign_id: uuid.UUID) -> Response:
    campaign = marketing.get_campaign(session, actor, campaign_id=campaign_id)
    results = marketing.campaign_results(session, actor, campaign_id=campaign_id)
    gettext = gettext_for(locale_of(request))
    return render(request, "marketing/results.html", {
        "campaign": campaign, "results": results, "chart": chart_of(results),
        "chart_labels": {"empty": gettext("No conversion yet."),
                         "converted": gettext("Conversions"),
                         "treatment": gettext("Reached by the campaign"),
                         "control": gettext("Control group"),
                         "rate": gettext("Conversion rate (%)")},
    })


@console_router.get("/campaigns/{campaign_id}/results.csv")
def results_csv(session: DbSession, actor: CurrentStaff, campaign_id: uuid.UUID) -> Response:
    """The results as CSV (groups, RMs, branches, the uplift), for a spreadsheet."""
    results = marketing.campaign_results(session, actor, campaign_id=campaign_id)
    name = f"campaign-{campaign_id.hex[:8]}-results.csv"
    return Response("\ufeff" + marketing.results_csv(results),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


# ---- my tasks today -------------------------------------------------------------------------


def _tasks_page(request: Request, session: DbSession, actor: Actor, *,
                error: str | None = None, flash: str | None = None,
                notes: dict[str, str] | None = None, status: int = 200) -> Response:
    today = bank_today(request.app.state.kernel.settings)
    tasks = marketing.my_tasks(session, actor, on=today, include_done=True)
    base = str(request.base_url).rstrip("/")
    return render(request, "marketing/tasks.html", {
        "today": today, "open": [task for task in tasks if task.status == "open"],
        "done": [task for task in tasks if task.status != "open"], "outcomes": OUTCOMES,
        "base_url": base, "error": error, "flash": flash, "notes": notes or {},
        "max_notes": MAX_NOTES}, status=status)


@console_router.get("/tasks")
def tasks_page(request: Request, session: DbSession, actor: CurrentStaff,
               done: str | None = None) -> Response:
    flash = gettext_for(locale_of(request))(LOGGED) if done == "logged" else None
    return _tasks_page(request, session, actor, flash=flash)


@console_router.post("/tasks/{task_id}/outcome", dependencies=[CsrfChecked])
def log_outcome(request: Request, session: DbSession, actor: CurrentStaff, task_id: uuid.UUID,
                outcome: Annotated[str, Form()] = "",
                notes: Annotated[str, Form()] = "") -> Response:
    """One click: the call's outcome, with the notes typed beside it."""
    try:
        marketing.log_outcome(session, actor, task_id=task_id, outcome=outcome, notes=notes,
                              on=bank_today(request.app.state.kernel.settings))
    except ContactlessError as error:
        session.rollback()
        return _tasks_page(request, session, actor, error=refusal(request, error),
                           notes={str(task_id): notes}, status=error.status)
    return RedirectResponse(f"/console/marketing/tasks?done=logged#task-{task_id}",
                            status_code=303)


__all__ = ["console_router"]
