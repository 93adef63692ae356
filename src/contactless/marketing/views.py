"""Marketing's console pages (/console/marketing): the campaigns and the playbooks to clone,
the builder of a draft with its audience preview and the moves of its life (approve by a
second person, start, pause, resume, finish), a campaign's results, and an RM's call list
for the day (my tasks today).

A refusal is the page again with what was typed and the reason in the reader's language;
a change that worked redirects, so reloading the page repeats nothing."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.customers import service as customers
from contactless.identity.permissions import Operation, authorize, may
from contactless.identity.web import CurrentStaff
from contactless.journeys import service as journeys
from contactless.marketing import builder
from contactless.marketing import service as marketing
from contactless.marketing.builder import refusal
from contactless.marketing.service.campaigns import MOVES
from contactless.marketing.service.spec import GOAL_EVENTS, SCHEDULES, TRIGGER_TOPICS
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError, ValidationFailed
from contactless.platform.i18n import N_, Translator, gettext_for
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.labels import label_in
from contactless.web.templating import extra_navigation, render

console_router = APIRouter(prefix="/console/marketing", include_in_schema=False)
NAVIGATION = [
    ("/console/marketing", "Campaigns",
     frozenset({"admin", "branch_manager", "marketer", "auditor"})),
    ("/console/marketing/tasks", "My tasks today", frozenset({"rm", "branch_manager"})),
]
EDITABLE = ("draft", "approved")
DONE = {
    "cloned": N_("A draft is made from the playbook: adjust it and save."),
    "saved": N_("The campaign is saved as a draft: a second person approves it."),
    "approve": N_("The campaign is approved: it can start."),
    "start": N_("The campaign is running: its audience is selected at the next daily run."),
    "pause": N_("The campaign is paused."), "resume": N_("The campaign runs again."),
    "finish": N_("The campaign is finished."),
}


def install(app: FastAPI) -> None:
    """The console menu entries."""
    extra_navigation(app.state.templates, NAVIGATION)


async def builder_form(request: Request) -> dict[str, str]:
    """The builder's inputs as typed (only the builder's own names)."""
    form = await request.form()
    return {name: str(form.get(name, "")) for name in builder.FIELDS}


BuilderForm = Annotated[dict[str, str], Depends(builder_form)]


# ---- the campaigns and the playbooks ----------------------------------------------------------


def _list_page(request: Request, session: DbSession, actor: Actor, *,
               error: str | None = None, status: int = 200) -> Response:
    return render(request, "marketing/campaigns.html", {
        "campaigns": marketing.list_campaigns(session, actor),
        "playbooks": marketing.PLAYBOOKS, "may_manage": may(actor, Operation.CAMPAIGN_MANAGE),
        "error": error}, status=status)


@console_router.get("")
def campaigns_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return _list_page(request, session, actor)


@console_router.post("/playbooks/{key}/clone", dependencies=[CsrfChecked])
def clone(request: Request, session: DbSession, actor: CurrentStaff, key: str) -> Response:
    """One click: a draft copied from the playbook, opened in the builder."""
    try:
        draft = marketing.clone_playbook(session, actor, key=key)
    except ContactlessError as error:
        session.rollback()
        return _list_page(request, session, actor, error=refusal(request, error),
                          status=error.status)
    return RedirectResponse(f"/console/marketing/campaigns/{draft.id}?done=cloned",
                            status_code=303)


# ---- the builder ----------------------------------------------------------------------------


def _choices(request: Request, session: DbSession) -> dict[str, Any]:
    """The builder's options, each a (value, name) in the reader's language."""
    locale = locale_of(request)

    def named(kind: str, values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
        return [(str(value), label_in(locale, kind, str(value))) for value in values]

    return {
        "journey_options": [(entry.key, entry.title) for entry
                            in journeys.journey_catalog(session, translator=Translator.of(locale))],
        "target_options": named("campaign_target", list(builder.TARGET_FIELDS)),
        "schedule_options": named("campaign_schedule", SCHEDULES),
        "topic_options": named("campaign_event", TRIGGER_TOPICS),
        "goal_options": named("campaign_event", GOAL_EVENTS),
        "field_labels": builder.LABELS,
    }


def _moves(actor: Actor, status: str) -> list[str]:
    """The moves of the campaign's life this person may try now."""
    moves = ["approve"] if status == "draft" and may(actor, Operation.CAMPAIGN_APPROVE) else []
    if may(actor, Operation.CAMPAIGN_RUN):
        moves += [move for move, (allowed, _after) in MOVES.items() if status in allowed]
    return moves


def _builder_page(request: Request, session: DbSession, actor: Actor, *,
                  campaign_id: uuid.UUID | None, form: dict[str, str] | None = None,
                  error: ContactlessError | None = None, flash: str | None = None,
                  preview: dict[str, Any] | None = None) -> Response:
    campaign = (marketing.get_campaign(session, actor, campaign_id=campaign_id)
                if campaign_id else None)
    if campaign is None:
        authorize(actor, Operation.CAMPAIGN_MANAGE)
    shown = form or (builder.form_of(campaign) if campaign else builder.blank_form())
    field = error.extra.get("field") if error else None
    return render(request, "marketing/campaign.html", {
        "campaign": campaign, "form": shown, "flash": flash, "preview": preview,
        "error": refusal(request, error, shown) if error else None,
        "bad_input": builder.input_of(field, shown) if isinstance(field, str) else (
            "target_tree" if error and error.code == "segment_invalid" else None),
        "may_edit": may(actor, Operation.CAMPAIGN_MANAGE)
        and (campaign is None or campaign.status in EDITABLE),
        "moves": _moves(actor, campaign.status) if campaign else [],
        "is_maker": campaign is not None and campaign.maker_id == actor.id,
        **_choices(request, session)}, status=error.status if error else 200)


@console_router.get("/new")
def new_campaign(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    return _builder_page(request, session, actor, campaign_id=None)


@console_router.post("/campaigns", dependencies=[CsrfChecked])
def create(request: Request, session: DbSession, actor: CurrentStaff,
           form: BuilderForm) -> Response:
    try:
        made = marketing.create_campaign(session, actor, spec=builder.spec_of(form))
    except ContactlessError as error:
        session.rollback()
        return _builder_page(request, session, actor, campaign_id=None, form=form,
                             error=error)
    return RedirectResponse(f"/console/marketing/campaigns/{made.id}?done=saved",
                            status_code=303)


@console_router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, session: DbSession, actor: CurrentStaff,
                  campaign_id: uuid.UUID, done: str | None = None) -> Response:
    flash = gettext_for(locale_of(request))(DONE[done]) if done in DONE else None
    return _builder_page(request, session, actor, campaign_id=campaign_id, flash=flash)


@console_router.post("/campaigns/{campaign_id}", dependencies=[CsrfChecked])
def save(request: Request, session: DbSession, actor: CurrentStaff, campaign_id: uuid.UUID,
         form: BuilderForm) -> Response:
    """Save the draft (an approved campaign changed goes back to draft)."""
    try:
        marketing.update_campaign(session, actor, campaign_id=campaign_id,
                                  spec=builder.spec_of(form))
    except ContactlessError as error:
        session.rollback()
        return _builder_page(request, session, actor, campaign_id=campaign_id, form=form,
                             error=error)
    return RedirectResponse(f"/console/marketing/campaigns/{campaign_id}?done=saved",
                            status_code=303)


@console_router.get("/campaigns/{campaign_id}/preview")
def preview(request: Request, session: DbSession, actor: CurrentStaff,
            campaign_id: uuid.UUID) -> Response:
    """How many customers the saved campaign selects today, and some of them."""
    found = marketing.preview_audience(session, actor, campaign_id=campaign_id,
                                       on=bank_today(request.app.state.kernel.settings))
    return _builder_page(request, session, actor, campaign_id=campaign_id,
                         preview={"count": found.count, "control": found.control,
                                  "sample": _sample(session, actor, found.sample)})


def _sample(session: DbSession, actor: Actor, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The sample as the person may see it: masked names and a link to the customer's page
    for those in their scope, a short reference for the others."""
    readable = may(actor, Operation.CUSTOMER_READ)
    visible = customers.visible_customer_ids(session, actor, ids=ids) if readable else set()
    return [{"id": customer_id, "reference": customer_id.hex[:8].upper(),
             "name": customers.get_customer(session, actor, customer_id=customer_id).name
             if customer_id in visible else None} for customer_id in ids]


@console_router.post("/campaigns/{campaign_id}/approval", dependencies=[CsrfChecked])
def approve(request: Request, session: DbSession, actor: CurrentStaff,
            campaign_id: uuid.UUID) -> Response:
    """The second person's approval (never the campaign's maker)."""
    return _move(request, session, actor, campaign_id, "approve")


@console_router.post("/campaigns/{campaign_id}/status", dependencies=[CsrfChecked])
def move(request: Request, session: DbSession, actor: CurrentStaff, campaign_id: uuid.UUID,
         step: Annotated[str, Form(alias="move", max_length=16)]) -> Response:
    """Start, pause, resume or finish."""
    return _move(request, session, actor, campaign_id, step)


def _move(request: Request, session: DbSession, actor: Actor, campaign_id: uuid.UUID,
          step: str) -> Response:
    try:
        if step == "approve":
            marketing.approve_campaign(session, actor, campaign_id=campaign_id)
        elif step in MOVES:
            marketing.move_campaign(session, actor, campaign_id=campaign_id, move=step)
        else:
            raise ValidationFailed("unknown action")
    except ContactlessError as error:
        session.rollback()
        return _builder_page(request, session, actor, campaign_id=campaign_id, error=error)
    return RedirectResponse(f"/console/marketing/campaigns/{campaign_id}?done={step}",
                            status_code=303)


__all__ = ["console_router", "install"]
