"""Marketing's JSON API (/api/v1/marketing): playbooks and campaigns with their approval,
moves, audience preview and results (JSON and CSV), an RM's call tasks and their outcomes,
a customer's inbox with read receipts, and marketing consent and do-not-disturb."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from contactless.customers.web import CurrentActor, CurrentCustomer
from contactless.identity.permissions import Operation, authorize
from contactless.identity.web import CurrentStaff
from contactless.marketing import service as marketing
from contactless.platform.clock import bank_today
from contactless.web.deps import DbSession, KernelDep

router = APIRouter(prefix="/api/v1/marketing", tags=["marketing"])
Part = dict[str, Any]


class CampaignIn(BaseModel):
    """A campaign as the console's builder writes it (docs/marketing.md lists each part)."""

    name: str = Field(min_length=1, max_length=128, examples=["到期续存提醒"])
    target: Part = Field(examples=[{"kind": "maturing", "days": 30, "min_amount": "50000.00"}])
    schedule: Part = Field(examples=[{"kind": "daily", "at": "09:00"}])
    actions: list[Part] = Field(max_length=4, examples=[[{
        "kind": "inbox", "title": "您的存款即将到期", "body": "点击链接即可在线续存。",
        "link": "deposit_renewal"}]])
    goal: Part = Field(examples=[{"event": "journey.completed", "journey": "deposit_renewal",
                                  "within_days": 14}])
    holdout_percent: int = Field(default=10, ge=0, le=50)

    def spec(self) -> marketing.CampaignSpec:
        return marketing.CampaignSpec(
            name=self.name, target=self.target, schedule=self.schedule, actions=self.actions,
            goal=self.goal, holdout_percent=self.holdout_percent)


class CloneIn(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=128)


class MoveIn(BaseModel):
    move: Literal["start", "pause", "resume", "finish"]


class OutcomeIn(BaseModel):
    outcome: Literal["reached", "not_reached", "interested", "declined", "converted"]
    notes: str = Field(default="", max_length=500)


class PreferencesIn(BaseModel):
    consent: bool
    do_not_disturb: bool = False


def _campaign(view: marketing.CampaignView) -> dict[str, Any]:
    out = asdict(view)
    out["id"] = str(view.id)
    for key in ("approved_at", "created_at", "updated_at"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


@router.get("/playbooks")
def playbooks(actor: CurrentStaff) -> list[dict[str, Any]]:
    """The built-in playbooks a marketer clones, in the console's order."""
    authorize(actor, Operation.CAMPAIGN_READ)
    return [asdict(item) for item in marketing.PLAYBOOKS]


@router.post("/playbooks/{key}/clone", status_code=201)
def clone(key: Annotated[str, PathParam(max_length=40)], body: CloneIn, session: DbSession,
          actor: CurrentStaff) -> dict[str, Any]:
    """A draft campaign copied from the playbook, for the maker to adjust."""
    return _campaign(marketing.clone_playbook(session, actor, key=key, name=body.name))


@router.get("/campaigns")
def campaigns(session: DbSession, actor: CurrentStaff) -> list[dict[str, Any]]:
    """The campaigns the person may see (their branch and below), newest first."""
    return [_campaign(view) for view in marketing.list_campaigns(session, actor)]


@router.post("/campaigns", status_code=201)
def create(body: CampaignIn, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """A draft; every part is checked first and a bad one is named (campaign_invalid)."""
    return _campaign(marketing.create_campaign(session, actor, spec=body.spec()))


@router.get("/campaigns/{campaign_id}")
def campaign(campaign_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    return _campaign(marketing.get_campaign(session, actor, campaign_id=campaign_id))


@router.put("/campaigns/{campaign_id}")
def update(campaign_id: uuid.UUID, body: CampaignIn, session: DbSession,
           actor: CurrentStaff) -> dict[str, Any]:
    """Change a draft or an approved campaign (an approved one goes back to draft)."""
    return _campaign(marketing.update_campaign(session, actor, campaign_id=campaign_id,
                                               spec=body.spec()))


@router.post("/campaigns/{campaign_id}/approve")
def approve(campaign_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """The second person's approval (never the maker's)."""
    return _campaign(marketing.approve_campaign(session, actor, campaign_id=campaign_id))


@router.post("/campaigns/{campaign_id}/moves")
def move(campaign_id: uuid.UUID, body: MoveIn, session: DbSession,
         actor: CurrentStaff) -> dict[str, Any]:
    """Start, pause, resume or finish an approved campaign."""
    return _campaign(marketing.move_campaign(session, actor, campaign_id=campaign_id,
                                             move=body.move))


@router.get("/campaigns/{campaign_id}/preview")
def preview(campaign_id: uuid.UUID, session: DbSession, kernel: KernelDep, actor: CurrentStaff,
            on: date | None = None,
            sample: Annotated[int, Query(ge=0, le=50)] = 10) -> dict[str, Any]:
    """How many customers the campaign would select on ``on`` (today by default), how many
    the holdout keeps back, and the first ids."""
    found = marketing.preview_audience(session, actor, campaign_id=campaign_id,
                                       on=on or bank_today(kernel.settings), sample=sample)
    return {"count": found.count, "control": found.control,
            "sample": [str(item) for item in found.sample]}


def _results(results: marketing.Results) -> dict[str, Any]:
    def group(item: Any) -> dict[str, Any]:
        return {"key": item.key, "name": item.name, "members": item.members,
                "converted": item.converted, "rate": round(item.rate, 6),
                "money": str(item.money)}

    return {"audience": results.audience, "sent": results.sent, "reached": results.reached,
            "messages_read": results.messages_read, "tasks": results.tasks,
            "treatment": group(results.treatment), "control": group(results.control),
            "uplift": round(results.uplift, 6), "uplift_low": round(results.low, 6),
            "uplift_high": round(results.high, 6),
            "by_rm": [group(item) for item in results.by_rm],
            "by_branch": [group(item) for item in results.by_branch],
            "days": [{"day": day, "converted": count} for day, count in results.days]}


@router.get("/campaigns/{campaign_id}/results")
def results(campaign_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """Audience, reached, converted against the control group (uplift with its 95 %
    interval), the money kept or brought in, per RM and branch (money in the campaign's
    currency, CNY, as a decimal string)."""
    return _results(marketing.campaign_results(session, actor, campaign_id=campaign_id))


@router.get("/campaigns/{campaign_id}/results.csv",
            responses={200: {"content": {"text/csv": {}}}})
def results_csv(campaign_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Response:
    """The same results as CSV, for a spreadsheet (UTF-8 with a byte-order mark)."""
    found = marketing.campaign_results(session, actor, campaign_id=campaign_id)
    return Response("\ufeff" + marketing.results_csv(found), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="campaign-{campaign_id}.csv"'})


def _task(view: marketing.TaskView) -> dict[str, Any]:
    out = asdict(view)
    for key in ("id", "campaign_id", "customer_id"):
        out[key] = str(out[key])
    out["due_on"] = view.due_on.isoformat()
    return out


@router.get("/tasks")
def tasks(session: DbSession, kernel: KernelDep, actor: CurrentStaff,
          include_done: bool = False) -> list[dict[str, Any]]:
    """The RM's open call tasks, the earliest due first (and, asked, those closed since
    yesterday)."""
    return [_task(view) for view in marketing.my_tasks(
        session, actor, on=bank_today(kernel.settings), include_done=include_done)]


@router.post("/tasks/{task_id}/outcome")
def outcome(task_id: uuid.UUID, body: OutcomeIn, session: DbSession, kernel: KernelDep,
            actor: CurrentStaff) -> dict[str, Any]:
    """A call's outcome; not reached comes back the next day (three tries)."""
    return _task(marketing.log_outcome(session, actor, task_id=task_id, outcome=body.outcome,
                                       notes=body.notes, on=bank_today(kernel.settings)))


def _message(view: marketing.MessageView) -> dict[str, Any]:
    return {"id": str(view.id), "title": view.title, "body": view.body, "link": view.link,
            "created_at": view.created_at.isoformat(),
            "read_at": view.read_at.isoformat() if view.read_at else None}


@router.get("/inbox")
def inbox(session: DbSession, actor: CurrentCustomer) -> list[dict[str, Any]]:
    """The signed-in customer's messages, newest first."""
    return [_message(view) for view in marketing.inbox(session, actor)]


@router.post("/inbox/{message_id}/read")
def read(message_id: uuid.UUID, session: DbSession, actor: CurrentCustomer) -> dict[str, Any]:
    """One message; the first call is its read receipt."""
    return _message(marketing.open_message(session, actor, message_id=message_id))


@router.get("/customers/{customer_id}/preferences")
def get_preferences(customer_id: uuid.UUID, session: DbSession,
                    actor: CurrentActor) -> dict[str, bool]:
    """A customer's marketing consent and do-not-disturb (a customer: their own)."""
    return asdict(marketing.preferences(session, actor, customer_id=customer_id))


@router.put("/customers/{customer_id}/preferences")
def put_preferences(customer_id: uuid.UUID, body: PreferencesIn, session: DbSession,
                    actor: CurrentActor) -> dict[str, bool]:
    """Set them as the customer asked; an opt-out withdraws what still waits to go out."""
    return asdict(marketing.set_preferences(session, actor, customer_id=customer_id,
                                            consent=body.consent,
                                            do_not_disturb=body.do_not_disturb))


__all__ = ["router"]
