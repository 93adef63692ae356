"""The ingest hot path, per process: check a decoded batch event by event, keep each id
once, and append the accepted events to the log as one durable frame.

What is checked here (the registry already checked types and properties): ``occurred_at``
within the accepted window, who the event is about (a customer's token binds their own id;
an anonymous sender may not name a customer; the platform may, and an id the bank does not
know is kept as anonymous), types only the platform may report, and duplicates (within the
batch and against the ids seen recently). A duplicate is acknowledged, not stored again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import structlog

from contactless.events import lake
from contactless.events.aggregates import Aggregator
from contactless.events.intake import Decoded, Rejection
from contactless.events.log import SegmentLog, read_frames, segments
from contactless.events.registry import Envelope, Registry
from contactless.platform import clock
from contactless.platform.context import Actor

log = structlog.get_logger(__name__)

@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # accepted, but past the lateness bound of the real-time aggregates (in the lake only)
    late_for_aggregates: int = 0


class SeenIds:
    """The ids acknowledged recently, in two generations: an id is remembered for at least
    ``horizon`` seconds and at most twice that, so memory stays bounded."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        # the ids as integers: hashed in C, where a UUID's hash is Python code
        self.current: set[int] = set()
        self.previous: set[int] = set()
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def _age(self) -> None:
        if time.monotonic() - self.started >= self.horizon:
            self.previous, self.current = self.current, set()
            self.started = time.monotonic()

    def claim(self, events: list[Envelope]) -> tuple[list[Envelope], int]:
        """The events whose ids are new (now remembered), and how many were not."""
        fresh: list[Envelope] = []
        ids = [event.event_id.int for event in events]
        with self.lock:
            self._age()
            current, previous = self.current, self.previous
            batch = set(ids)
            if (len(batch) == len(ids) and current.isdisjoint(batch)
                    and previous.isdisjoint(batch)):  # the usual case, in C
                current |= batch
                return list(events), 0
            for event in events:
                event_id = event.event_id.int
                if event_id in current or event_id in previous:
                    continue
                current.add(event_id)
                fresh.append(event)
        return fresh, len(events) - len(fresh)

    def forget(self, events: Iterable[Envelope]) -> None:
        with self.lock:
            for event in events:
                self.current.discard(event.event_id.int)

    def remember(self, ids: Iterable[uuid.UUID]) -> None:
        with self.lock:
            self.current.update(event_id.int for event_id in ids)


CustomerLookup = Callable[[list[uuid.UUID]], set[uuid.UUID]]


@dataclass(frozen=True)
class Window:
    past_seconds: int
    future_seconds: int


class Ingestor:
    """One per process and kernel: the registry, the log writer and the ids seen."""

    def __init__(self, registry: Registry, log: SegmentLog, *, window: Window,
                 dedupe_seconds: float, aggregator: Aggregator | None = None) -> None:
        self.registry = registry
        self.log = log
        self.aggregator = aggregator
        self.window = window
        self.seen = SeenIds(dedupe_seconds)
        self.encoder = msgspec.msgpack.Encoder()
        self.known_customers: set[uuid.UUID] = set()
        self.platform_structs = frozenset(registry.structs[name]
                                          for name in registry.platform_types)

    def recover_seen(self, log_dir: Path, lake_dir: lake.Lake | Path) -> None:
        """After a restart: the ids still in the log, and those the lake took lately."""
        decoder = msgspec.msgpack.Decoder()
        ids: set[uuid.UUID] = set()
        for path in segments(log_dir):
            for frame in read_frames(path):
                ids.update(uuid.UUID(e["event_id"]) for e in decoder.decode(frame.payload))
        since = time.time() - self.seen.horizon
        # a day's margin for the bank's calendar: older events are refused as too old
        oldest = clock.now() - timedelta(seconds=self.window.past_seconds, days=1)
        ids.update(uuid.UUID(value) for value in lake.recent_event_ids(
            lake_dir, since=since, from_day=oldest.date()))
        self.seen.remember(ids)

    def ingest(self, decoded: Decoded, actor: Actor | None, *, now: datetime,
               lookup: CustomerLookup) -> IngestResult:
        """Check, dedupe and durably append; returns only once the accepted are on disk."""
        result = IngestResult(rejected=list(decoded.rejected))
        valid = self._checked(decoded, actor, now, result.rejected)
        if actor is not None and actor.kind == "system":
            self._unknown_customers_as_anonymous(valid, lookup)
        fresh, result.duplicates = self.seen.claim(valid)
        if fresh:
            try:
                self.log.append(self.encoder.encode(fresh),
                                received_at_us=int(now.timestamp() * 1_000_000))
            except BaseException:
                self.seen.forget(fresh)
                raise
        result.accepted = len(fresh)
        if fresh:
            result.late_for_aggregates = self._aggregate(fresh, now)
        result.rejected.sort(key=lambda rejection: rejection.index)
        return result

    def _aggregate(self, fresh: list[Envelope], now: datetime) -> int:
        """Count the durable events in the real-time aggregates; a store that fails costs
        the aggregates (a replay rebuilds them), never the events."""
        aggregator = self.aggregator
        if aggregator is None:
            return 0
        try:
            return aggregator.update(fresh, now=now).late
        except Exception:  # the events are durable already: say so and go on
            log.exception("events_aggregates_failed", events=len(fresh))
            return 0

    def _checked(self, decoded: Decoded, actor: Actor | None, now: datetime,
                 rejected: list[Rejection]) -> list[Envelope]:
        oldest = now - timedelta(seconds=self.window.past_seconds)
        newest = now + timedelta(seconds=self.window.future_seconds)
        if actor is None:  # the usual anonymous batch, every event fine: one tight pass
            platform_structs = self.platform_structs
            events = decoded.events
            fine = [event for event in events
                    if oldest <= event.occurred_at <= newest and event.customer_id is None
                    and event.anonymous_id is not None
                    and type(event) not in platform_structs]
            if len(fine) == len(events):
                return fine
        system = actor is not None and actor.kind == "system"
        own = uuid.UUID(actor.id) if actor is not None and actor.kind == "customer" else None
        platform_structs = self.platform_structs
        valid: list[Envelope] = []
        for event, index in zip(decoded.events, decoded.positions, strict=True):
            problem: tuple[str, str] | None = None
            if event.occurred_at < oldest:
                problem = ("too_old", f"occurred_at is before {oldest.isoformat()}")
            elif event.occurred_at > newest:
                problem = ("in_future", f"occurred_at is after {newest.isoformat()}")
            elif not system and type(event) in platform_structs:
                problem = ("reserved_type", "only the platform reports this type")
            elif own is not None:
                if event.customer_id is None:
                    event.customer_id = own
                elif event.customer_id != own:
                    problem = ("customer_mismatch", "customer_id is not the signed-in customer")
            elif not system and event.customer_id is not None:
                problem = ("sign_in_required", "naming a customer needs their sign-in")
            if problem is None and event.customer_id is None and event.anonymous_id is None:
                problem = ("missing_identity", "send customer_id or anonymous_id")
            if problem is None:
                valid.append(event)
            else:
                rejected.append(Rejection(index, problem[0], problem[1], str(event.event_id)))
        return valid

    def _unknown_customers_as_anonymous(self, events: list[Envelope],
                                        lookup: CustomerLookup) -> None:
        asked = {e.customer_id for e in events if e.customer_id is not None}
        unknown = asked - self.known_customers
        if unknown:
            self.known_customers |= lookup(sorted(unknown))
        for event in events:
            if event.customer_id is not None and event.customer_id not in self.known_customers:
                event.anonymous_id = event.anonymous_id or str(event.customer_id)
                event.customer_id = None
