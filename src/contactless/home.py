"""The console home: one page per role, with the figures that role works from."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.web import CurrentStaff
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import DbSession, locale_of
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


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    href: str


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
    return render(request, "console/home.html", {
        "tiles": tiles, "tasks": [gettext(t) for t in TASKS.get(actor.role or "", [])],
        "branch_name": branch_name,
    })
