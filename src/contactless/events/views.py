"""Behaviour data's console pages (/console/events): the event explorer's charts over the
lake, and a customer's 360° page for staff in scope (profile, tags, event timeline). The
segment builder is ``views_segments``.

A refusal is the page again with what was typed and the reason in the reader's language."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.events import service as events
from contactless.events.errors import ExploreInvalid
from contactless.identity import service as identity
from contactless.identity.errors import UnknownStaff
from contactless.identity.permissions import Operation, authorize
from contactless.identity.web import CurrentStaff
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.web.deps import DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.labels import label_in
from contactless.web.params import Page
from contactless.web.templating import extra_navigation, render

console_router = APIRouter(prefix="/console/events", include_in_schema=False)
NAVIGATION = [
    ("/console/events/segments", "Segments",
     frozenset({"admin", "marketer", "branch_manager"})),
    ("/console/events/explorer", "Event explorer", frozenset({"admin", "marketer"})),
]
DEFAULT_DAYS = 30
PER_PAGE = 20


def install(app: FastAPI) -> None:
    """The console menu entries."""
    extra_navigation(app.state.templates, NAVIGATION)


# ---- the event explorer --------------------------------------------------------------------


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExploreInvalid("not a date (YYYY-MM-DD)", field=name) from None


def _minutes(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise ExploreInvalid("the window is 1 minute to a year", field="within_minutes")
    return int(text)


def _chart(request: Request, found: events.Exploration) -> dict[str, Any]:
    """The figures as the charts draw them, every type named in the reader's language."""
    locale = locale_of(request)
    chart: dict[str, Any] = {
        "days": [day.isoformat() for day in found.daily.days],
        "series": [{"name": label_in(locale, "event_type", kind), "data": counts}
                   for kind, counts in found.daily.series.items()],
        "pages": {"paths": [path for path, _views in found.pages],
                  "views": [views for _path, views in found.pages]}}
    if found.funnel is not None:
        chart["funnel"] = {"steps": [label_in(locale, "event_type", found.funnel.first),
                                     label_in(locale, "event_type", found.funnel.then)],
                           "counts": [found.funnel.started, found.funnel.converted]}
    return chart


@console_router.get("/explorer")
def explorer_page(request: Request, session: DbSession, actor: CurrentStaff,
                  start: str | None = None, end: str | None = None, first: str | None = None,
                  then: str | None = None, within_minutes: str | None = None) -> Response:
    """Events a day by type, the top pages and a funnel between two events, over a period
    of the bank's days (the last 30 by default)."""
    authorize(actor, Operation.EVENTS_EXPLORE)
    today = bank_today(request.app.state.kernel.settings)
    form = {"start": start or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": end or today.isoformat(), "first": first or "product.viewed",
            "then": then or "journey.started", "within_minutes": within_minutes or "60"}
    form = {key: value.strip()[:32] for key, value in form.items()}
    registry = events.registry_of(request.app.state.kernel)
    locale = locale_of(request)
    context: dict[str, Any] = {"form": form, "found": None, "chart": None, "error": None,
                               "bad_input": None, "type_options": [
                                   (name, label_in(locale, "event_type", name))
                                   for name in registry.types]}
    try:
        found = events.explore(session, actor, start=_day(form["start"], "start"),
                               end=_day(form["end"], "end"), first=form["first"],
                               then=form["then"],
                               within_minutes=_minutes(form["within_minutes"]))
    except ContactlessError as error:
        context["error"] = localized(error, locale).message
        context["bad_input"] = error.extra.get("field")
        return render(request, "events/explorer.html", context, status=error.status)
    context.update(found=found, chart=_chart(request, found))
    return render(request, "events/explorer.html", context)


# ---- the customer's 360° page --------------------------------------------------------------


def _maturities(session: DbSession, actor: Actor, customer_id: uuid.UUID
                ) -> list[dict[str, Any]]:
    """The customer's deposits and wealth holdings by maturity, soonest first."""
    rows: list[dict[str, Any]] = [
        {"product": "cd" if d.product == "cd" else "time_deposit", "name": None,
         "amount": d.principal, "on": d.maturity_date}
        for d in corebank.deposits_of_customer(session, actor, customer_id=customer_id)]
    rows += [{"product": "wealth", "name": h.product_name, "amount": h.market_value or h.cost,
              "on": h.maturity_date}
             for h in corebank.holdings_of_customer(session, actor, customer_id=customer_id)
             if h.maturity_date is not None and (h.units > 0 or h.units_redeeming > 0)]
    return sorted(rows, key=lambda row: row["on"])


def _rm_name(session: DbSession, found: events.Customer360) -> str | None:
    if found.profile is None:
        return None
    try:
        return identity.actor_for_staff_id(session, found.profile.primary_rm_id).display_name
    except UnknownStaff:
        return None


@console_router.get("/customers/{customer_id}")
def customer_360(request: Request, session: DbSession, actor: CurrentStaff,
                 customer_id: uuid.UUID, page: Page = 1) -> Response:
    """The customer's profile (AUM, products, maturities, primary RM), tags and latest
    events, for staff who may see the customer; name and mobile masked."""
    found = events.customer_360(session, actor, customer_id=customer_id, page=page,
                                per_page=PER_PAGE)
    return render(request, "events/customer.html", {
        "customer": customers.get_customer(session, actor, customer_id=customer_id),
        "found": found, "profile": found.profile, "timeline": found.timeline,
        "rm_name": _rm_name(session, found),
        "maturities": _maturities(session, actor, customer_id)})


__all__ = ["console_router", "install"]
