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
    """Queue an event in the caller's transaction; it is delivered only if that commits.

    An event nobody subscribes to is stored as already delivered (a record, no work)."""
    event = OutboxEvent(**publish_row(session, topic, payload))
    session.add(event)
    return event


def publish_row(session: Session, topic: str, payload: dict[str, Any], *,
                at: datetime | None = None) -> dict[str, Any]:
    """``publish`` for a caller that inserts the outbox row itself (e.g. in one statement with
    its own row): the row to insert, already queued for delivery after the commit."""
    kernel = session.info.get("kernel")
    row = event_row(getattr(kernel, "bus", None), topic, payload, at=at or utcnow())
    if row["delivered_at"] is None:
        session.info.setdefault("outbox_ids", []).append(row["id"])
    return row


def event_row(bus: EventBus | None, topic: str, payload: dict[str, Any], *,
              at: datetime) -> dict[str, Any]:
    """An outbox row; delivered at once when ``bus`` knows nobody subscribes to ``topic``."""
    done = bus is not None and not bus.has_subscribers(topic)
    return {"id": uuid.uuid4(), "topic": topic, "payload": payload, "created_at": at,
            "delivered_at": at if done else None, "attempts": 0, "last_error": None}


class EventBus:
    """Delivers committed outbox events to subscribers.

    After a commit, the request that wrote events delivers those events (and only those);
    the periodic job picks up whatever a crash or a failing subscriber left. An event's
    handlers run in one transaction with the mark that it was delivered, so their effects and
    the mark commit together; on PostgreSQL a row lock (SKIP LOCKED) keeps two processes from
    delivering the same event."""

    def __init__(self, db: Database, *, deliver_inline: bool = True) -> None:
        self.db = db
        self.deliver_inline = deliver_inline
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        db.on_commit(self._after_commit)

    def subscribe(self, topic: str, handler: Handler) -> None:
        if handler not in self._handlers[topic]:
            self._handlers[topic].append(handler)

    def has_subscribers(self, topic: str) -> bool:
        return bool(self._handlers.get(topic))

    def _after_commit(self, session: Session) -> AfterCommit | None:
        ids: list[uuid.UUID] = session.info.pop("outbox_ids", [])
        if not ids or not self.deliver_inline:
            return None

        def deliver_own() -> None:
            self.deliver(ids)

        return deliver_own

    def deliver_pending(self, limit: int = 500) -> int:
        """Deliver what is waiting, oldest first; returns how many were delivered."""
        with self.db.session() as session:
            query = (select(OutboxEvent.id).where(OutboxEvent.delivered_at.is_(None))
                     .order_by(OutboxEvent.created_at).limit(limit))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            ids = list(session.scalars(query))
        return self.deliver(ids)

    def deliver(self, ids: list[uuid.UUID]) -> int:
        delivered = 0
        for event_id in ids:
            try:
                if self._deliver_one(event_id):
                    delivered += 1
            except Exception as exc:  # a broken subscriber must not lose the event
                log.exception("event_handler_failed", event_id=str(event_id))
                self._record_failure(event_id, repr(exc))
        return delivered

    def _deliver_one(self, event_id: uuid.UUID) -> bool:
        with self.db.session() as session:
            query = select(OutboxEvent).where(OutboxEvent.id == event_id,
                                              OutboxEvent.delivered_at.is_(None))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            row = session.scalar(query)
            if row is None:  # delivered meanwhile, or another process holds it
                return False
            event = DomainEvent(row.id, row.topic, dict(row.payload), row.created_at)
            for handler in self._handlers.get(event.topic, []):
                handler(session, event)
            row.attempts += 1
            row.delivered_at = utcnow()
        return True

    def _record_failure(self, event_id: uuid.UUID, error: str) -> None:
        with self.db.session() as session:
            row = session.get(OutboxEvent, event_id)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:2000]
