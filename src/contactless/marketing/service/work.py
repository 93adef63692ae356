"""An RM's call list (我的外呼任务) and a customer's inbox and preferences.

A task's outcome is one click: ``not_reached`` keeps it open for the next day (three tries,
then it closes), every other outcome closes it. A customer who opts out of marketing gets
nothing more from any campaign from that moment: what waits to go out is withdrawn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.marketing.errors import MessageNotFound, TaskInvalid, TaskNotFound
from contactless.marketing.models import (
    CallTask,
    Campaign,
    CampaignLink,
    InboxMessage,
    Preference,
    TaskOutcome,
)
from contactless.marketing.service import receipts
from contactless.marketing.service.delivery import withdraw_for
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of

MAX_TRIES = 3
MAX_NOTES = 500


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    customer_id: uuid.UUID
    customer_name: str
    due_on: date
    script: str
    status: str
    outcome: str | None
    notes: str | None
    attempts: int
    link: str | None


def my_tasks(session: Session, actor: Actor, *, on: date,
             include_done: bool = False) -> list[TaskView]:
    """The RM's open tasks, the earliest due first (``due_on`` is the day to call by; one not
    reached comes back the next day), and, asked, those closed since yesterday."""
    authorize(actor, Operation.MARKETING_TASK_WORK)
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    since = datetime.combine(on - timedelta(days=1), time.min, tzinfo=zone)
    query = (select(CallTask, Campaign.name, CampaignLink.path)
             .join(Campaign, Campaign.id == CallTask.campaign_id)
             .outerjoin(CampaignLink, (CampaignLink.campaign_id == CallTask.campaign_id)
                        & (CampaignLink.rm_id == CallTask.rm_id))
             .where(CallTask.rm_id == uuid.UUID(actor.id))
             .order_by(CallTask.status.desc(), CallTask.due_on, CallTask.created_at).limit(200))
    if include_done:
        query = query.where((CallTask.status == "open") | (CallTask.updated_at >= since))
    else:
        query = query.where(CallTask.status == "open")
    rows = session.execute(query).all()
    names = {row[0].customer_id: customers.get_customer(
        session, actor, customer_id=row[0].customer_id).name for row in rows}
    return [TaskView(task.id, task.campaign_id, name, task.customer_id, names[task.customer_id],
                     task.due_on, task.script, task.status, task.outcome, task.notes,
                     task.attempts, path) for task, name, path in rows]


def log_outcome(session: Session, actor: Actor, *, task_id: uuid.UUID, outcome: str,
                notes: str = "", on: date) -> TaskView:
    """Record a call's outcome on one of the RM's own tasks (a branch manager: any task of
    their branch's customers)."""
    authorize(actor, Operation.MARKETING_TASK_WORK)
    task = session.get(CallTask, task_id)
    mine = task is not None and (str(task.rm_id) == actor.id or (
        actor.role == Role.BRANCH_MANAGER
        and customers.can_see(session, actor, customer_id=task.customer_id)))
    if task is None or not mine:
        raise TaskNotFound("call task not found")
    if outcome not in {item.value for item in TaskOutcome}:
        raise TaskInvalid("the outcome {outcome} is not one of reached, not_reached, "
                          "interested, declined, converted", outcome=outcome)
    if len(notes) > MAX_NOTES:
        raise TaskInvalid("notes are at most {limit} characters", limit=MAX_NOTES)
    if task.status != "open":
        raise TaskInvalid("this task is closed already")
    before = {"status": task.status, "outcome": task.outcome, "due_on": str(task.due_on)}
    task.attempts += 1
    task.outcome, task.notes, task.updated_at = outcome, notes.strip() or task.notes, utcnow()
    if outcome == TaskOutcome.NOT_REACHED and task.attempts < MAX_TRIES:
        task.due_on = on + timedelta(days=1)
    else:
        task.status = "done"
    audit.record(session, actor, action="marketing.task_outcome", target_type="marketing_task",
                 target_id=task.id, before=before,
                 after={"status": task.status, "outcome": outcome, "due_on": str(task.due_on)})
    return next(view for view in my_tasks(session, actor, on=on, include_done=True)
                if view.id == task.id) if str(task.rm_id) == actor.id else TaskView(
        task.id, task.campaign_id, "", task.customer_id, "", task.due_on, task.script,
        task.status, task.outcome, task.notes, task.attempts, None)


# ---- the customer's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


def _message(row: InboxMessage) -> MessageView:
    return MessageView(row.id, row.title, row.body, row.link, row.created_at, row.read_at)


def inbox(session: Session, actor: Actor) -> list[MessageView]:
    """The customer's messages, newest first."""
    authorize(actor, Operation.MARKETING_INBOX_READ)
    rows = session.scalars(select(InboxMessage)
                           .where(InboxMessage.customer_id == uuid.UUID(actor.id))
                           .order_by(InboxMessage.created_at.desc()).limit(100))
    return [_message(row) for row in rows]


def unread_count(session: Session, actor: Actor) -> int:
    """How many of the customer's messages are not opened yet (the tab bar's badge)."""
    authorize(actor, Operation.MARKETING_INBOX_READ)
    return int(session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.customer_id == uuid.UUID(actor.id), InboxMessage.read_at.is_(None))) or 0)


def open_message(session: Session, actor: Actor, *, message_id: uuid.UUID) -> MessageView:
    """One of the customer's messages; the first opening is its read receipt."""
    authorize(actor, Operation.MARKETING_INBOX_READ)
    row = session.get(InboxMessage, message_id)
    if row is None or str(row.customer_id) != actor.id:
        raise MessageNotFound("message not found")
    if row.read_at is None:
        row.read_at = utcnow()
        audit.record(session, actor, action="marketing.message_read",
                     target_type="marketing_inbox", target_id=row.id)
        receipts.opened(session, message_id=row.id, customer_id=row.customer_id,
                        campaign_id=row.campaign_id, at=row.read_at, opened_on=actor.channel)
    return _message(row)


@dataclass(frozen=True)
class PreferenceView:
    consent: bool
    do_not_disturb: bool


def preferences(session: Session, actor: Actor, *, customer_id: uuid.UUID) -> PreferenceView:
    authorize(actor, Operation.MARKETING_PREFERENCE_SET)
    customers.get_customer(session, actor, customer_id=customer_id)
    row = session.get(Preference, customer_id)
    return PreferenceView(row.consent, row.do_not_disturb) if row else PreferenceView(True, False)


def set_preferences(session: Session, actor: Actor, *, customer_id: uuid.UUID, consent: bool,
                    do_not_disturb: bool) -> PreferenceView:
    """Consent and do-not-disturb as the customer asked (themself, or through their RM); an
    opt-out withdraws every text and webhook still waiting for them."""
    before = preferences(session, actor, customer_id=customer_id)
    row = session.get(Preference, customer_id)
    if row is None:
        row = Preference(customer_id=customer_id)
        session.add(row)
    row.consent, row.do_not_disturb, row.updated_at = consent, do_not_disturb, utcnow()
    session.flush()
    withdrawn = withdraw_for(session, customer_id) if not consent or do_not_disturb else 0
    audit.record(session, actor, action="marketing.preferences_set", target_type="customer",
                 target_id=customer_id, before=before.__dict__,
                 after={"consent": consent, "do_not_disturb": do_not_disturb},
                 details={"withdrawn": withdrawn})
    return PreferenceView(consent, do_not_disturb)
