"""Running campaigns (每日营销批处理): durable and idempotent.

A run is a few set-based statements, each stage in its own transaction: the audience
becomes members (control group drawn by a hash of campaign and customer), then each action
becomes sends and what they make (call tasks, inbox messages), one transaction per action.
Every insert is ``ON CONFLICT DO NOTHING`` on a unique key (campaign, customer, channel, run
day), so a run that stopped part way is resumed by running it again: what was written stays,
what was missing is added, nothing is sent twice. A stage re-reads consent when it runs, so an
opt-out that arrives mid-run stops every later stage for that customer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.marketing import repository
from contactless.marketing.models import (
    Campaign,
    CampaignLink,
    CampaignSend,
    CampaignStatus,
    Channel,
    SendStatus,
)
from contactless.marketing.service import receipts
from contactless.marketing.service.audiences import audience_chunks
from contactless.marketing.service.spec import daily_due
from contactless.outreach import service as outreach
from contactless.platform import audit
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel, kernel_of

log = structlog.get_logger(__name__)

# sends per customer per channel in any 7 days, across every campaign
WEEKLY_CAPS: dict[str, int] = {Channel.RM_CALL.value: 1, Channel.INBOX.value: 3,
                               Channel.SMS.value: 2, Channel.PUSH.value: 2,
                               Channel.WEBHOOK.value: 7}
QUIET_FROM, QUIET_UNTIL = 21, 8  # no SMS or push 21:00-08:00 bank time
Hook = Callable[[str], None]


@dataclass
class RunReport:
    campaign_id: uuid.UUID
    run_date: date
    members: int = 0
    sends: dict[str, int] = field(default_factory=dict)
    tasks: int = 0
    messages: int = 0
    warning: str | None = None


def quiet_hours(kernel: Kernel, now: datetime) -> bool:
    hour = now.astimezone(ZoneInfo(kernel.settings.timezone)).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def link_journey(campaign: Campaign) -> str:
    """The journey the campaign's personal links open: the first action's, else the goal's."""
    for action in campaign.actions:
        if action.get("link"):
            return str(action["link"])
    return str(campaign.goal["journey"])


def ensure_links(session: Session, campaign: Campaign, rm_ids: list[uuid.UUID],
                 now: datetime) -> int:
    """One outreach code per RM of the day's members, on channel ``campaign:<id>``: the
    link in their messages and call scripts, so a journey it starts is credited to them."""
    wanted = set(rm_ids) - repository.linked_rms(session, campaign.id)
    if not wanted:
        return 0
    days = int(campaign.goal["within_days"]) + 30
    made = 0
    for rm in identity.rm_actors(session, channel="campaign"):
        if uuid.UUID(rm.id) not in wanted:
            continue
        code = outreach.create_code(
            session, rm, purpose=link_journey(campaign), channel=f"campaign:{campaign.id.hex}",
            title=campaign.name[:128], expires_at=now + timedelta(days=days))
        session.add(CampaignLink(campaign_id=campaign.id, rm_id=uuid.UUID(rm.id),
                                 code_id=str(code.id), path=code.path))
        made += 1
    session.flush()
    return made


def members_stage(session: Session, campaign: Campaign, on: date, now: datetime, *,
                  customer_id: uuid.UUID | None = None, amount: Decimal | None = None) -> int:
    repository.start_run(session, campaign.id, on, now)
    added = 0
    for chunk in audience_chunks(session, campaign.target, on=on, customer_id=customer_id,
                                 amount=amount):
        added += repository.add_members(session, campaign, chunk, on=on,
                                        customers=customers.customer_rows())
    if any(action.get("link") for action in campaign.actions):
        ensure_links(session, campaign, repository.treatment_rms(session, campaign.id, on), now)
    return added


def action_stage(session: Session, campaign: Campaign, action: dict[str, Any], on: date,
                 now: datetime, report: RunReport) -> None:
    kind = action["kind"]
    quiet = quiet_hours(kernel_of(session), now)
    report.sends[kind] = repository.add_sends(
        session, campaign.id, kind, on=on, now=now, cap=WEEKLY_CAPS[kind], quiet=quiet,
        week_start=on - timedelta(days=6))
    if kind == Channel.RM_CALL:
        report.tasks = repository.add_tasks(
            session, campaign.id, on=on, due=on + timedelta(days=int(action["due_days"])),
            script=action["script"], now=now, customers=customers.customer_rows())
    elif kind == Channel.INBOX:
        made = repository.add_inbox(session, campaign.id, on=on, title=action["title"],
                                    body=action["body"], now=now)
        report.messages = receipts.delivered(session, campaign_id=campaign.id,
                                             channel=Channel.INBOX.value, at=now,
                                             messages=made)


def run_campaign(kernel: Kernel, campaign_id: uuid.UUID, *, on: date,
                 now: datetime | None = None, hook: Hook | None = None) -> RunReport:
    """One campaign's run on ``on``; running it again finishes what a crash left."""
    now = now or utcnow()
    report = RunReport(campaign_id, on)
    with kernel.db.session() as session:
        campaign = _running(session, campaign_id)
        report.members = members_stage(session, campaign, on, now)
    if hook:
        hook("members")
    for action in campaign.actions:
        with kernel.db.session() as session:
            action_stage(session, _running(session, campaign_id), action, on, now, report)
        if hook:
            hook(f"sends:{action['kind']}")
    with kernel.db.session() as session:
        repository.finish_run(session, campaign_id, on, now)
        audience = repository.audience_of(session, campaign_id, on)
        if audience == 0:
            report.warning = "empty_audience"
        audit.record(session, SYSTEM, action="marketing.campaign_ran",
                     target_type="marketing_campaign", target_id=campaign_id,
                     details={"run_date": on.isoformat(), "audience": audience,
                              "new_members": report.members, "sends": report.sends,
                              "warning": report.warning})
    log.info("campaign_ran", campaign_id=str(campaign_id), run_date=on.isoformat(),
             members=report.members, warning=report.warning)
    return report


def _running(session: Session, campaign_id: uuid.UUID) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"campaign {campaign_id} vanished")
    return campaign


@dataclass
class DailyReport:
    run_date: date
    campaigns: list[RunReport]
    rolled_over: int
    reassigned: int
    released: int


def run_daily(kernel: Kernel, *, on: date, now: datetime | None = None,
              hook: Hook | None = None, rerun: bool = False) -> DailyReport:
    """The morning's work: unreached tasks roll over, the tasks of RMs who left move to the
    customer's RM, runs a crash left unfinished resume, every running campaign due on ``on``
    runs (one whose run of the day finished only with ``rerun``, which adds nothing new), and
    texts held by quiet hours are released."""
    now = now or utcnow()
    with kernel.db.session() as session:
        rolled = repository.roll_over_tasks(session, on=on)
        moved = repository.reassign_tasks(session, staff=identity.staff_rows(),
                                          customers=customers.customer_rows(), now=now)
        running = [(c.id, c.schedule) for c in repository.campaigns_with_status(
            session, (CampaignStatus.RUNNING.value,))]
        unfinished = repository.unfinished_runs(session, before=on)
        finished = set() if rerun else repository.finished_runs(session, on=on)
        released = 0 if quiet_hours(kernel, now) else release_deferred(session)
    live = {campaign_id for campaign_id, _ in running}
    reports = [run_campaign(kernel, campaign_id, on=day, now=now, hook=hook)
               for campaign_id, day in unfinished if campaign_id in live]
    reports += [run_campaign(kernel, campaign_id, on=on, now=now, hook=hook)
                for campaign_id, schedule in running
                if daily_due(schedule, on) and campaign_id not in finished]
    return DailyReport(on, reports, rolled, moved, released)


def release_deferred(session: Session) -> int:
    result = session.execute(update(CampaignSend)
                             .where(CampaignSend.status == SendStatus.DEFERRED.value)
                             .values(status=SendStatus.QUEUED.value))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def on_trigger(session: Session, *, topic: str, customer_id: uuid.UUID,
               amount: Decimal | None, at: datetime) -> list[RunReport]:
    """An event (a large outbound transfer) runs every event campaign listening to it for
    that one customer, in the delivering transaction: the same statements as a daily run."""
    reports = []
    on = at.astimezone(ZoneInfo(kernel_of(session).settings.timezone)).date()
    for campaign in repository.campaigns_with_status(session, (CampaignStatus.RUNNING.value,)):
        target = campaign.target
        if target["kind"] != "event" or target["topic"] != topic:
            continue
        if amount is None or amount < Decimal(target["min_amount"]):
            continue
        report = RunReport(campaign.id, on)
        report.members = members_stage(session, campaign, on, at, customer_id=customer_id,
                                       amount=amount)
        for action in campaign.actions:
            action_stage(session, campaign, action, on, at, report)
        repository.finish_run(session, campaign.id, on, at)
        reports.append(report)
    return reports
