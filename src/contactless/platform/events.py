"""Domain events through a transactional outbox: written with the change, delivered after commit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import JSON, Integer, String, Text, Uuid, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactless.platform.db import AfterCommit, Base, Database, UTCDateTime, utcnow

log = structlog.get_logger(__name__)


class OutboxEvent(Base):
    __tablename__ = "outbox_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    topic: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class DomainEvent:
    id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    created_at: datetime


Handler = Callable[[Session, DomainEvent], None]


def publish(session: Session, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Queue an event in the caller's transaction; it is delivered only if that commits."""
    event = OutboxEvent(topic=topic, payload=payload)
    session.add(event)
    session.info["outbox_dirty"] = True
    return event


class EventBus:
    """Delivers committed outbox events to subscribers, each handler in its own transaction."""

    def __init__(self, db: Database, *, deliver_inline: bool = True) -> None:
        self.db = db
        self.deliver_inline = deliver_inline
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        db.on_commit(self._after_commit)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def _after_commit(self, session: Session) -> AfterCommit | None:
        if not session.info.pop("outbox_dirty", False) or not self.deliver_inline:
            return None
        return self._deliver_after_commit

    def _deliver_after_commit(self) -> None:
        self.deliver_pending()

    def deliver_pending(self, limit: int = 500) -> int:
        """Deliver what is waiting; a failing handler leaves its event for the next run."""
        with self.db.session() as session:
            pending = list(
                session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.delivered_at.is_(None))
                    .order_by(OutboxEvent.created_at)
                    .limit(limit)
                )
            )
            snapshot = [
                DomainEvent(e.id, e.topic, dict(e.payload), e.created_at) for e in pending
            ]
        delivered = 0
        for event in snapshot:
            error: str | None = None
            try:
                with self.db.session() as session:
                    for handler in self._handlers.get(event.topic, []):
                        handler(session, event)
            except Exception as exc:  # a broken subscriber must not lose the event
                error = repr(exc)
                log.exception("event_handler_failed", topic=event.topic, event_id=str(event.id))
            with self.db.session() as session:
                row = session.get(OutboxEvent, event.id)
                if row is not None:
                    row.attempts += 1
                    if error is None:
                        row.delivered_at = utcnow()
                        delivered += 1
                    else:
                        row.last_error = error[:2000]
        return delivered
