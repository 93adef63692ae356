"""Marketing tables: campaigns, who each run reached (members, sends), the RM call tasks, the
in-app inbox, and each customer's marketing preferences.

Members, sends, tasks and inbox messages are written set-based (``INSERT … SELECT … ON
CONFLICT DO NOTHING``); their unique keys are what makes a run idempotent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import Base, CreatedMixin, IdMixin, MinorUnits, UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class Channel(StrEnum):
    """What a send is: an RM's call, a message in the app's inbox, a text, a push, a
    webhook to another system."""

    RM_CALL = "rm_call"
    INBOX = "inbox"
    SMS = "sms"
    PUSH = "push"
    WEBHOOK = "webhook"


class SendStatus(StrEnum):
    SENT = "sent"  # made (a task, an inbox message) or handed to the channel
    QUEUED = "queued"  # waits for the channel's job (SMS, webhook)
    DEFERRED = "deferred"  # inside quiet hours: released after 08:00 bank time
    CAPPED = "capped"  # over the customer's weekly cap for the channel
    WITHDRAWN = "withdrawn"  # the customer opted out before it went out
    FAILED = "failed"


class TaskOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    INTERESTED = "interested"
    DECLINED = "declined"
    CONVERTED = "converted"


class Campaign(IdMixin, CreatedMixin, Base):
    """A campaign (营销活动): whom (target), when (schedule), what (actions), what counts as
    success (goal), and the share of the audience held out to measure uplift."""

    __tablename__ = "marketing_campaign"

    name: Mapped[str] = mapped_column(String(128), nullable=False)
    playbook: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    goal: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    holdout_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True,
                                        default=CampaignStatus.DRAFT.value)
    branch_path: Mapped[str] = mapped_column(String(512), nullable=False)
    maker_id: Mapped[str] = mapped_column(String(64), nullable=False)
    maker_name: Mapped[str] = mapped_column(String(128), nullable=False)
    approver_id: Mapped[str | None] = mapped_column(String(64))
    approver_name: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CampaignMember(Base):
    """A customer the campaign selected, once per campaign: in the control group or not,
    their RM and branch then, and the conversion if the goal followed in time."""

    __tablename__ = "marketing_member"
    __table_args__ = (PrimaryKeyConstraint("campaign_id", "customer_id"),
                      Index("ix_marketing_member_customer", "customer_id"))

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    entered_on: Mapped[date] = mapped_column(Date, nullable=False)
    control: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rm_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # what the audience query found: the maturing principal, the balance (fen)
    amount: Mapped[Decimal | None] = mapped_column(MinorUnits)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversion_amount: Mapped[Decimal | None] = mapped_column(MinorUnits)
    conversion_journey_id: Mapped[str | None] = mapped_column(String(64))


class CampaignSend(Base):
    """One action for one customer on one run day: the unique key makes a rerun a no-op."""

    __tablename__ = "marketing_send"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id", "channel", "run_date"),
        Index("ix_marketing_send_cap", "customer_id", "channel", "run_date"),
        Index("ix_marketing_send_status", "channel", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"),
                                                   nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    run_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CallTask(Base):
    """An RM's call (外呼任务): to the customer's primary RM, due on a day, with a script."""

    __tablename__ = "marketing_task"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),
                      Index("ix_marketing_task_rm", "rm_id", "status", "due_on"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"),
                                                   nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    rm_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    script: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class InboxMessage(Base):
    """A message in the customer's 消息 tab; ``read_at`` is the read receipt."""

    __tablename__ = "marketing_inbox"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),
                      Index("ix_marketing_inbox_customer", "customer_id", "created_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"),
                                                   nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(128), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Preference(Base):
    """A customer's marketing consent (营销授权) and do-not-disturb (免打扰). No row: the
    consent given at onboarding stands, nothing is muted."""

    __tablename__ = "marketing_preference"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    do_not_disturb: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CampaignLink(Base):
    """The campaign's personal link for one RM: an outreach code on channel
    ``campaign:<id>``, so a journey started from it is credited to the RM and the campaign."""

    __tablename__ = "marketing_link"
    __table_args__ = (PrimaryKeyConstraint("campaign_id", "rm_id"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"))
    rm_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code_id: Mapped[str] = mapped_column(String(64), nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)


class CampaignRun(Base):
    """One run of a campaign on a day; ``finished_at`` empty means it stopped part way and
    the next run resumes it."""

    __tablename__ = "marketing_run"
    __table_args__ = (PrimaryKeyConstraint("campaign_id", "run_date"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marketing_campaign.id"))
    run_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


__all__ = ["CallTask", "Campaign", "CampaignLink", "CampaignMember", "CampaignRun",
           "CampaignSend", "CampaignStatus", "Channel",
           "InboxMessage", "Preference", "SendStatus", "TaskOutcome"]
