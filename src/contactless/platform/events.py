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
BatchHandler = Callable[[Session, list[DomainEvent]], None]
BATCH_SIZE = 500  # events delivered in one transaction


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
    the periodic job picks up whatever a crash or a failing subscriber left. Events are
    delivered in batches (up to ``BATCH_SIZE``): the batch's handlers run in one transaction
    with the mark that its events were delivered, so their effects and the mark commit
    together. A handler subscribed with ``batch=True`` is called once per batch with all
    its events (one fsync, one round trip for many); the others once per event. When any
    handler fails the batch is rolled back and its events delivered one by one, so only the
    failing event waits for a retry. On PostgreSQL a row lock (SKIP LOCKED) keeps two
    processes from delivering the same event."""

    def __init__(self, db: Database, *, deliver_inline: bool = True) -> None:
        self.db = db
        self.deliver_inline = deliver_inline
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._batch_handlers: dict[str, list[BatchHandler]] = defaultdict(list)
        db.on_commit(self._after_commit)

    def subscribe(self, topic: str, handler: Handler | BatchHandler, *,
                  batch: bool = False) -> None:
        """Call ``handler`` for each event of ``topic``, or, with ``batch``, once per
        delivered batch with the list of its events of every topic it subscribed to."""
        if batch:
            batch_handler: BatchHandler = handler  # type: ignore[assignment]
            if batch_handler not in self._batch_handlers[topic]:
                self._batch_handlers[topic].append(batch_handler)
        elif handler not in self._handlers[topic]:
            self._handlers[topic].append(handler)  # type: ignore[arg-type]

    def has_subscribers(self, topic: str) -> bool:
        return bool(self._handlers.get(topic)) or bool(self._batch_handlers.get(topic))

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
        """Deliver these events (those still undelivered), in batches; returns how many."""
        delivered = 0
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start:start + BATCH_SIZE]
            if len(chunk) == 1:
                delivered += self._deliver_alone(chunk[0])
                continue
            try:
                delivered += self._deliver_batch(chunk)
            except Exception:  # find the event that fails, deliver the others
                log.warning("event_batch_failed", events=len(chunk))
                delivered += sum(self._deliver_alone(event_id) for event_id in chunk)
        return delivered

    def _deliver_alone(self, event_id: uuid.UUID) -> int:
        try:
            return self._deliver_batch([event_id])
        except Exception as exc:  # a broken subscriber must not lose the event
            log.exception("event_handler_failed", event_id=str(event_id))
            self._record_failure(event_id, repr(exc))
            return 0

    def _deliver_batch(self, ids: list[uuid.UUID]) -> int:
        with self.db.session() as session:
            query = select(OutboxEvent).where(OutboxEvent.id.in_(ids),
                                              OutboxEvent.delivered_at.is_(None))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            # delivered meanwhile, or another process holds them: not found here
            rows = {row.id: row for row in session.scalars(query)}
            batches: dict[BatchHandler, list[DomainEvent]] = {}
            now = utcnow()
            for event_id in ids:
                row = rows.get(event_id)
                if row is None:
                    continue
                event = DomainEvent(row.id, row.topic, dict(row.payload), row.created_at)
                for handler in self._handlers.get(event.topic, []):
                    handler(session, event)
                for batch_handler in self._batch_handlers.get(event.topic, []):
                    batches.setdefault(batch_handler, []).append(event)
                row.attempts += 1
                row.delivered_at = now
            for batch_handler, events in batches.items():
                batch_handler(session, events)
        return len(rows)

    def _record_failure(self, event_id: uuid.UUID, error: str) -> None:
        with self.db.session() as session:
            row = session.get(OutboxEvent, event_id)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:2000]
