"""A campaign's life (营销活动): draft → approved (by a second person) → running ⇄ paused →
finished. The maker never approves their own campaign; changing an approved campaign sends
it back to draft, so what runs is always what a second person read. Every change is
audited with the state before and after."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.events import service as events
from contactless.identity.permissions import Operation, authorize, in_branch_scope, scope_path
from contactless.identity.service import Role
from contactless.journeys import service as journeys
from contactless.marketing.errors import (
    ApproverNotAllowed,
    CampaignNotApproved,
    CampaignNotFound,
    CampaignStateConflict,
    MakerCannotApprove,
    PlaybookNotFound,
)
from contactless.marketing.models import Campaign, CampaignStatus
from contactless.marketing.playbooks import playbook
from contactless.marketing.service.spec import CampaignSpec, check_spec
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.i18n import Translator

S = CampaignStatus
# from which statuses each move may be made
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((S.APPROVED,), S.RUNNING),
    "pause": ((S.RUNNING,), S.PAUSED),
    "resume": ((S.PAUSED,), S.RUNNING),
    "finish": ((S.APPROVED, S.RUNNING, S.PAUSED), S.FINISHED),
}


@dataclass(frozen=True)
class CampaignView:
    id: uuid.UUID
    name: str
    playbook: str | None
    target: dict[str, Any]
    schedule: dict[str, Any]
    actions: list[dict[str, Any]]
    goal: dict[str, Any]
    holdout_percent: int
    status: str
    maker_id: str
    maker_name: str
    approver_name: str | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def action(self, kind: str) -> dict[str, Any] | None:
        return next((item for item in self.actions if item["kind"] == kind), None)


def view_of(row: Campaign) -> CampaignView:
    return CampaignView(row.id, row.name, row.playbook, dict(row.target), dict(row.schedule),
                        [dict(item) for item in row.actions], dict(row.goal),
                        row.holdout_percent, row.status, row.maker_id, row.maker_name,
                        row.approver_name, row.approved_at, row.created_at, row.updated_at)


def journey_keys(session: Session) -> set[str]:
    catalog = journeys.journey_catalog(session, translator=Translator.of("en"))
    return {entry.key for entry in catalog}


def _checked(session: Session, spec: CampaignSpec) -> CampaignSpec:
    """The spec checked; a segment target's tree is compiled against the event registry, so
    an unknown tag or property is refused when the campaign is saved, not when it runs."""
    checked = check_spec(spec, journeys=journey_keys(session))
    if checked.target["kind"] == "segment":
        events.check_segment(session, tree=checked.target["tree"])
    return checked


def _state(row: Campaign) -> dict[str, Any]:
    return {"name": row.name, "status": row.status, "target": row.target,
            "schedule": row.schedule, "actions": row.actions, "goal": row.goal,
            "holdout_percent": row.holdout_percent}


def _apply(row: Campaign, spec: CampaignSpec) -> None:
    row.name, row.target, row.schedule = spec.name, spec.target, spec.schedule
    row.actions, row.goal, row.holdout_percent = spec.actions, spec.goal, spec.holdout_percent


def create_campaign(session: Session, actor: Actor, *, spec: CampaignSpec) -> CampaignView:
    """A draft in the maker's branch; the spec is checked first (``campaign_invalid``)."""
    authorize(actor, Operation.CAMPAIGN_MANAGE)
    checked = _checked(session, spec)
    now = utcnow()
    row = Campaign(id=uuid.uuid4(), playbook=checked.playbook, status=S.DRAFT.value,
                   branch_path=actor.branch_path or "/", maker_id=actor.id,
                   maker_name=actor.display or actor.id, created_at=now, updated_at=now)
    _apply(row, checked)
    session.add(row)
    session.flush()
    audit.record(session, actor, action="marketing.campaign_created",
                 target_type="marketing_campaign", target_id=row.id, after=_state(row))
    return view_of(row)


def clone_playbook(session: Session, actor: Actor, *, key: str,
                   name: str | None = None) -> CampaignView:
    """A draft copied from a built-in playbook, for the marketer to adjust."""
    authorize(actor, Operation.CAMPAIGN_MANAGE)
    found = playbook(key)
    if found is None:
        raise PlaybookNotFound("no playbook {playbook}", playbook=key)
    return create_campaign(session, actor, spec=CampaignSpec(
        name=name or found.name, target=found.target, schedule=found.schedule,
        actions=found.actions, goal=found.goal, holdout_percent=found.holdout_percent,
        playbook=found.key))


def _load(session: Session, actor: Actor, campaign_id: uuid.UUID,
          operation: Operation) -> Campaign:
    authorize(actor, operation)
    row = session.get(Campaign, campaign_id)
    if row is None or (actor.kind == "staff" and not _sees(actor, row)):
        raise CampaignNotFound("campaign not found")
    return row


def _sees(actor: Actor, row: Campaign) -> bool:
    # a campaign of head office is the whole bank's: every branch sees it; a branch's own
    # campaign is seen within its subtree
    return in_branch_scope(actor, row.branch_path) or row.branch_path.count("/") <= 2


def update_campaign(session: Session, actor: Actor, *, campaign_id: uuid.UUID,
                    spec: CampaignSpec) -> CampaignView:
    """Change a draft or approved campaign; an approved one goes back to draft, and the
    person who changed it becomes its maker (so they cannot approve it either)."""
    row = _load(session, actor, campaign_id, Operation.CAMPAIGN_MANAGE)
    if row.status not in (S.DRAFT, S.APPROVED):
        raise CampaignStateConflict("a {state} campaign cannot be changed", state=row.status)
    checked = _checked(session, CampaignSpec(**{**spec.__dict__, "playbook": row.playbook}))
    before = _state(row)
    _apply(row, checked)
    row.status, row.maker_id = S.DRAFT.value, actor.id
    row.maker_name = actor.display or actor.id
    row.approver_id = row.approver_name = row.approved_at = None
    row.updated_at = utcnow()
    audit.record(session, actor, action="marketing.campaign_changed",
                 target_type="marketing_campaign", target_id=row.id, before=before,
                 after=_state(row))
    return view_of(row)


def approve_campaign(session: Session, actor: Actor, *, campaign_id: uuid.UUID) -> CampaignView:
    """The second person's approval: a branch manager, or a marketer of head office (the
    marketing lead); never the campaign's maker."""
    row = _load(session, actor, campaign_id, Operation.CAMPAIGN_APPROVE)
    if actor.id == row.maker_id:
        raise MakerCannotApprove("the maker of a campaign cannot approve it")
    if actor.kind == "staff":
        lead = actor.role == Role.MARKETER and scope_path(actor) is None
        if actor.role != Role.BRANCH_MANAGER and not lead:
            raise ApproverNotAllowed("a branch manager or the marketing lead approves "
                                     "campaigns")
    if row.status != S.DRAFT:
        raise CampaignStateConflict("a {state} campaign cannot be approved", state=row.status)
    row.status, row.approver_id = S.APPROVED.value, actor.id
    row.approver_name, row.approved_at = actor.display or actor.id, utcnow()
    row.updated_at = row.approved_at
    audit.record(session, actor, action="marketing.campaign_approved",
                 target_type="marketing_campaign", target_id=row.id,
                 before={"status": S.DRAFT.value}, after={"status": row.status})
    return view_of(row)


def move_campaign(session: Session, actor: Actor, *, campaign_id: uuid.UUID,
                  move: str) -> CampaignView:
    """``start``, ``pause``, ``resume`` or ``finish``; a draft is never started."""
    row = _load(session, actor, campaign_id, Operation.CAMPAIGN_RUN)
    allowed, after = MOVES[move]
    if row.status == S.DRAFT and move == "start":
        raise CampaignNotApproved("a campaign runs only once a second person approved it")
    if row.status not in allowed:
        raise CampaignStateConflict("a {state} campaign cannot {move}", state=row.status,
                                    move=move)
    before = row.status
    row.status, row.updated_at = after.value if isinstance(after, S) else after, utcnow()
    audit.record(session, actor, action=f"marketing.campaign_{move}",
                 target_type="marketing_campaign", target_id=row.id,
                 before={"status": before}, after={"status": row.status})
    return view_of(row)


def get_campaign(session: Session, actor: Actor, *, campaign_id: uuid.UUID) -> CampaignView:
    return view_of(_load(session, actor, campaign_id, Operation.CAMPAIGN_READ))


def list_campaigns(session: Session, actor: Actor) -> list[CampaignView]:
    authorize(actor, Operation.CAMPAIGN_READ)
    rows = session.scalars(select(Campaign).order_by(Campaign.created_at.desc()).limit(500))
    return [view_of(row) for row in rows if actor.kind != "staff" or _sees(actor, row)]
