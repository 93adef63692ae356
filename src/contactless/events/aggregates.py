"""Real-time per-customer aggregates: sliding-window counts and sums by event time, kept in
the real-time store (in-process, or Redis when ``CONTACTLESS_REDIS_URL`` is set) and updated
as events are ingested.

Declared here, in one place (``AGGREGATES``): each aggregate reads a *stream* (an event type,
optionally only events whose properties equal given values, optionally summing a money
property) over a window. A stream is one sorted set per customer in the store: each event a
member (its id, amount and currency) scored by its ``occurred_at``. A window's figure is the
members scored within it, so:
- an event arriving late lands at its own time, and the figures are what they would have
  been had it come on time, as long as it is no later than ``events_aggregate_lateness_seconds``
  (later ones are refused for aggregates, and still kept in the lake);
- an event counted twice (a redelivery, a replay) is one member: counted once;
- members older than the stream's longest window are dropped as new ones arrive, and a
  customer's set expires once nothing new came for that long.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog

from contactless.events.registry import Envelope, Registry
from contactless.platform.money import Money
from contactless.platform.store import Store

log = structlog.get_logger(__name__)
DAY = 86400
KEY_PREFIX = "ev-agg:"


@dataclass(frozen=True)
class Stream:
    """The events one family of windows counts: ``event_type`` whose properties equal
    ``where``; ``amount`` names the property summed (with ``currency``)."""

    name: str
    event_type: str
    where: tuple[tuple[str, str], ...] = ()
    amount: str | None = None


@dataclass(frozen=True)
class Aggregate:
    name: str
    stream: Stream
    window_seconds: int
    summary: str = ""


APP_OPENS = Stream("app_opens", "app.opened")
OUTBOUND_OTHER_BANK = Stream("outbound_other_bank", "transaction.posted",
                             where=(("direction", "out"), ("counterparty", "other_bank")),
                             amount="amount")
INBOUND_OTHER_BANK = Stream("inbound_other_bank", "transaction.posted",
                            where=(("direction", "in"), ("counterparty", "other_bank")),
                            amount="amount")
PRODUCT_VIEWS = Stream("product_views", "product.viewed")

AGGREGATES: tuple[Aggregate, ...] = (
    Aggregate("app_opens_7d", APP_OPENS, 7 * DAY, "app opens in the last 7 days"),
    Aggregate("product_views_30d", PRODUCT_VIEWS, 30 * DAY,
              "product pages viewed in the last 30 days"),
    Aggregate("outbound_other_bank_24h", OUTBOUND_OTHER_BANK, DAY,
              "transfers out to other banks in the last 24 hours (count and sum)"),
    Aggregate("outbound_other_bank_30d", OUTBOUND_OTHER_BANK, 30 * DAY,
              "transfers out to other banks in the last 30 days (count and sum)"),
    Aggregate("inbound_other_bank_30d", INBOUND_OTHER_BANK, 30 * DAY,
              "transfers in from other banks in the last 30 days (count and sum)"),
)


@dataclass(frozen=True)
class Figure:
    """One aggregate of one customer: how many events, and their sums by currency."""

    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    def total(self, currency: str = "CNY") -> Money:
        return Money.of(self.totals.get(currency, Decimal("0")), currency)


@dataclass
class Update:
    counted: int = 0
    late: int = 0


@dataclass(frozen=True)
class Point:
    """One event as a stream keeps it (what ingest and a replay both feed)."""

    event_id: str
    event_type: str
    customer_id: str
    at: float
    properties: dict[str, Any]


class Aggregator:
    """The declared aggregates over one store."""

    def __init__(self, store: Store, registry: Registry, *, lateness_seconds: int,
                 aggregates: Iterable[Aggregate] = AGGREGATES) -> None:
        self.store = store
        self.aggregates = tuple(aggregates)
        self.lateness_seconds = lateness_seconds
        self.keep: dict[Stream, int] = {}
        for aggregate in self.aggregates:
            self.keep[aggregate.stream] = max(self.keep.get(aggregate.stream, 0),
                                              aggregate.window_seconds)
        self.by_type: dict[str, list[Stream]] = defaultdict(list)
        for stream in self.keep:
            self.by_type[stream.event_type].append(stream)
        self.type_of = {struct: name for name, struct in registry.structs.items()}

    @property
    def longest_seconds(self) -> int:
        return max(self.keep.values(), default=0)

    def update(self, events: list[Envelope], *, now: datetime) -> Update:
        """Count freshly ingested events; those later than the bound are only counted as
        ``late``."""
        done = Update()
        cutoff = now.timestamp() - self.lateness_seconds
        points = []
        for event in [event for event in events if event.customer_id is not None]:
            name = self.type_of.get(type(event))
            if name not in self.by_type:
                continue
            at = event.occurred_at.timestamp()
            if at < cutoff:
                done.late += 1
                continue
            points.append(Point(str(event.event_id), name, str(event.customer_id), at,
                                _fields(getattr(event, "properties", None))))
        done.counted = self.add(points, now=now.timestamp())
        return done

    def add(self, points: Iterable[Point], *, now: float) -> int:
        """Put points in their streams (no lateness check: a replay's are old on purpose)."""
        by_stream: dict[Stream, dict[str, dict[str, float]]] = defaultdict(dict)
        counted = 0
        for point in points:
            for stream in self.by_type.get(point.event_type, ()):
                if not all(str(point.properties.get(k)) == v for k, v in stream.where):
                    continue
                member = _member(point, stream)
                by_stream[stream].setdefault(_key(stream, point.customer_id), {})[member] = \
                    point.at
                counted += 1
        for stream, items in by_stream.items():
            keep = self.keep[stream]
            self.store.add_scored(items, ttl=keep + self.lateness_seconds + DAY,
                                  drop_below=now - keep)
        return counted

    def figures(self, customer_id: str, *, now: float,
                names: Iterable[str] | None = None) -> dict[str, Figure]:
        wanted = [a for a in self.aggregates if names is None or a.name in set(names)]
        streams = list(dict.fromkeys(a.stream for a in wanted))
        low = now - max((a.window_seconds for a in wanted), default=0)
        found = self.store.scored([_key(s, customer_id) for s in streams], low=low,
                                  high=now + DAY)
        members = dict(zip(streams, found, strict=True))
        out: dict[str, Figure] = {}
        for aggregate in wanted:
            start = now - aggregate.window_seconds
            count, totals = 0, defaultdict[str, Decimal](Decimal)
            for member, score in members[aggregate.stream]:
                if score < start:
                    continue
                count += 1
                _, amount, currency = member.split("|")
                if amount:
                    totals[currency] += Decimal(amount)
            out[aggregate.name] = Figure(count, dict(totals))
        return out

    def clear(self) -> int:
        return self.store.delete_prefix(KEY_PREFIX)


def _fields(properties: Any) -> dict[str, Any]:
    if properties is None:
        return {}
    return {name: getattr(properties, name) for name in properties.__struct_fields__}


def _member(point: Point, stream: Stream) -> str:
    if stream.amount is None:
        return f"{point.event_id}||"
    amount = point.properties.get(stream.amount)
    currency = point.properties.get("currency") or ""
    return f"{point.event_id}|{'' if amount is None else amount}|{currency}"


def _key(stream: Stream, customer_id: str) -> str:
    return f"{KEY_PREFIX}{stream.name}:{customer_id}"


def by_name() -> dict[str, Aggregate]:
    return {aggregate.name: aggregate for aggregate in AGGREGATES}
