"""The console home: one page per role, with the figures that role works from. An RM's home
is today's work (今日工作): deposits of their customers falling due, journeys left half-way,
their scans today, what they realised this month and their rank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.schemas import DepositView
from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.web import CurrentStaff
from contactless.journeys import service as journeys
from contactless.outreach import service as outreach
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import DbSession, get_kernel, locale_of, translator_of
from contactless.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)

TASKS: dict[str, list[str]] = {
    "admin": [N_("Create branches and staff"), N_("Read the message center"),
              N_("Check the audit trail")],
    "branch_manager": [N_("See your branch's staff and customers")],
    "rm": [N_("See and serve your customers")],
    "marketer": [N_("Segments and campaigns arrive with the marketing module")],
    "risk_analyst": [N_("Rules, cases and models arrive with the risk module")],
    "agent": [N_("Conversations handed over by the assistant arrive with the agent desk")],
    "auditor": [N_("Browse and verify the audit trail")],
}
MATURING_DAYS = 30


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    href: str
    testid: str = "tile"


@dataclass(frozen=True)
class Maturing:
    customer_id: object
    customer: str
    deposit: DepositView


@router.get("")
def home(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    gettext = gettext_for(locale_of(request))
    tiles: list[Tile] = []
    if actor.role in ("admin", "branch_manager", "rm"):
        _rows, total = customers.list_customers(session, actor, limit=1)
        label = "My customers" if actor.role == "rm" else "Customers in scope"
        tiles.append(Tile(gettext(label), str(total), "/console/customers"))
    if actor.role in ("admin", "branch_manager"):
        tiles.append(Tile(gettext("Staff"), str(len(identity.list_staff(session, actor))),
                          "/console/staff"))
        tiles.append(Tile(gettext("Branches"), str(len(identity.list_branches(session, actor))),
                          "/console/branches"))
    branches = identity.list_branches(session, actor)
    branch_name = next((b.name for b in branches if b.path == actor.branch_path), "")
    context: dict[str, object] = {
        "tiles": tiles, "tasks": [gettext(t) for t in TASKS.get(actor.role or "", [])],
        "branch_name": branch_name,
    }
    if actor.role == "rm":
        context.update(_todays_work(request, session, actor))
    return render(request, "console/home.html", context)


def _todays_work(request: Request, session: Session, actor: Actor) -> dict[str, object]:
    zone = ZoneInfo(get_kernel(request).settings.timezone)
    today = utcnow().astimezone(zone).date()
    return {
        "maturing": maturing_deposits(session, actor, today=today),
        "stalled": journeys.stalled_journeys(session, actor, translator=translator_of(request)),
        "day": outreach.my_day(session, actor),
        "my_codes": outreach.list_codes(session, actor, status="active")[:5],
        "maturing_days": MATURING_DAYS, "today": today,
    }


def maturing_deposits(session: Session, actor: Actor, *, today: date,
                      days: int = MATURING_DAYS) -> list[Maturing]:
    """The actor's customers' active deposits falling due in the next ``days`` days, soonest
    first: the renewals an RM calls about."""
    people, _total = customers.list_customers(session, actor, limit=1000)
    until = today + timedelta(days=days)
    found = [Maturing(person.id, person.name, deposit) for person in people
             for deposit in corebank.deposits_of_customer(session, actor, customer_id=person.id)
             if today <= deposit.maturity_date <= until]
    return sorted(found, key=lambda m: (m.deposit.maturity_date, m.customer))
