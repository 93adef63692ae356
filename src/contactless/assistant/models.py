"""Assistant tables: conversations and their messages, the FAQ knowledge base, corrections
that become training data, appointments booked in a conversation.

智能客服 (assistant) with 远程人工 (a remote agent): a conversation is the assistant's until it is
handed off; then it waits in the queue until an agent claims it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import Base, CreatedMixin, IdMixin, UTCDateTime, utcnow


class ConversationStatus(StrEnum):
    ASSISTANT = "assistant"  # the assistant answers
    QUEUED = "queued"  # handed off, waiting for an agent
    AGENT = "agent"  # an agent owns it; the assistant stays quiet
    CLOSED = "closed"


class Sender(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"
    AGENT = "agent"
    SYSTEM = "system"  # queue and hand-over notices


class Conversation(IdMixin, CreatedMixin, Base):
    __tablename__ = "assistant_conversation"

    # a signed-in customer's, or a visitor's (then only its signed cookie finds it)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # web or api
    locale: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=ConversationStatus.ASSISTANT)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    predicted_intent: Mapped[str | None] = mapped_column(String(48))
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handed_off: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    low_confidence_streak: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # the guided flow under way (card_lost, deposit_renewal, appointment) and its state
    flow: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_assistant_conversation_status_queued", "status", "queued_at"),)


class Message(IdMixin, Base):
    __tablename__ = "assistant_message"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistant_conversation.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    sender: Mapped[str] = mapped_column(String(16), nullable=False)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    # the text as written (encrypted: customers type names, numbers and addresses)
    text_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    truncated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    intent: Mapped[str | None] = mapped_column(String(48))
    confidence: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # what a reply offers: quick replies ({"kind": "say", "label", "text"}) and links
    # ({"kind": "link", "label", "href"})
    actions: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # an agent's "the assistant misunderstood this": the intent it should have been
    corrected_intent: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)


class FaqEntry(IdMixin, CreatedMixin, Base):
    """常见问题: a question, the other ways customers ask it, and the answer, in force between
    two dates."""

    __tablename__ = "assistant_faq"

    locale: Mapped[str] = mapped_column(String(8), nullable=False)
    question: Mapped[str] = mapped_column(String(200), nullable=False)
    paraphrases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TrainingExample(IdMixin, CreatedMixin, Base):
    """A message an agent labelled with the right intent: joins the next training run."""

    __tablename__ = "assistant_training_example"

    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assistant_message.id", ondelete="SET NULL"), unique=True)
    text_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    intent: Mapped[str] = mapped_column(String(48), nullable=False)
    predicted_intent: Mapped[str | None] = mapped_column(String(48))
    labelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Appointment(IdMixin, CreatedMixin, Base):
    """预约: a branch visit, a large cash withdrawal or an RM's call, booked in a conversation."""

    __tablename__ = "assistant_appointment"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistant_conversation.id", ondelete="CASCADE"), nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="booked")
