"""Every query of the assistant domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from contactless.assistant.models import (
    Conversation,
    ConversationStatus,
    FaqEntry,
    Message,
    TrainingExample,
)


def conversation(session: Session, conversation_id: uuid.UUID, *,
                 for_update: bool = False) -> Conversation | None:
    statement = select(Conversation).where(Conversation.id == conversation_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def latest_open_conversation(session: Session, customer_id: uuid.UUID) -> Conversation | None:
    return session.scalars(
        select(Conversation)
        .where(Conversation.customer_id == customer_id,
               Conversation.status != ConversationStatus.CLOSED)
        .order_by(Conversation.created_at.desc()).limit(1)).first()


def messages(session: Session, conversation_id: uuid.UUID, *, after_seq: int = 0,
             limit: int = 500) -> list[Message]:
    return list(session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.seq > after_seq)
        .order_by(Message.seq).limit(limit)))


def message(session: Session, message_id: uuid.UUID) -> Message | None:
    return session.get(Message, message_id)


def queue(session: Session) -> list[Conversation]:
    return list(session.scalars(
        select(Conversation).where(Conversation.status == ConversationStatus.QUEUED)
        .order_by(Conversation.queued_at, Conversation.id)))


def queue_position(session: Session, conversation: Conversation) -> int:
    """1 for the first in line."""
    if conversation.queued_at is None:
        return 0
    ahead = session.scalar(
        select(func.count()).select_from(Conversation)
        .where(Conversation.status == ConversationStatus.QUEUED,
               or_(Conversation.queued_at < conversation.queued_at,
                   (Conversation.queued_at == conversation.queued_at)
                   & (Conversation.id < conversation.id))))
    return int(ahead or 0) + 1


def owned_by(session: Session, agent_id: uuid.UUID) -> list[Conversation]:
    return list(session.scalars(
        select(Conversation).where(Conversation.status == ConversationStatus.AGENT,
                                   Conversation.agent_id == agent_id)
        .order_by(Conversation.claimed_at)))


def recent_conversations(session: Session, *, since: datetime, limit: int = 50,
                         ) -> list[Conversation]:
    return list(session.scalars(
        select(Conversation).where(Conversation.created_at >= since)
        .order_by(Conversation.updated_at.desc()).limit(limit)))


def conversations_since(session: Session, since: datetime) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(Conversation.created_at >= since)))


def customer_message_counts(session: Session, conversation_ids: list[uuid.UUID],
                            ) -> dict[uuid.UUID, int]:
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Message.conversation_id, func.count())
        .where(Message.conversation_id.in_(conversation_ids), Message.sender == "customer")
        .group_by(Message.conversation_id))
    return {row[0]: int(row[1]) for row in rows}


def corrections_since(session: Session, since: datetime) -> list[TrainingExample]:
    return list(session.scalars(
        select(TrainingExample).where(TrainingExample.created_at >= since)))


def training_examples(session: Session) -> list[TrainingExample]:
    return list(session.scalars(select(TrainingExample).order_by(TrainingExample.created_at)))


def example_for_message(session: Session, message_id: uuid.UUID) -> TrainingExample | None:
    return session.scalars(
        select(TrainingExample).where(TrainingExample.message_id == message_id)).first()


def faq_entries(session: Session, *, active_on: date | None = None) -> list[FaqEntry]:
    statement = select(FaqEntry).order_by(FaqEntry.created_at)
    if active_on is not None:
        statement = statement.where(
            FaqEntry.active.is_(True), FaqEntry.effective_from <= active_on,
            or_(FaqEntry.effective_until.is_(None), FaqEntry.effective_until >= active_on))
    return list(session.scalars(statement))


def faq_entry(session: Session, faq_id: uuid.UUID) -> FaqEntry | None:
    return session.get(FaqEntry, faq_id)


def faq_version(session: Session) -> tuple[int, datetime | None]:
    row = session.execute(select(func.count(), func.max(FaqEntry.updated_at))).one()
    return int(row[0]), row[1]
