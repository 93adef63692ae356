"""Rebuilding what is derived from behaviour events, from the events themselves: the
real-time aggregates (and, through the hooks other parts register, profiles and tags).

A replay reads the lake, then every log segment not yet compacted (the server's open one
too: its whole frames are durable), so no acknowledged event is missed; an event found in
both is one member of its stream, counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from contactless.events.aggregates import Aggregator, Point
from contactless.events.log import read_frames, segments

_json = msgspec.json.Decoder()
CHUNK = 50_000
ReplayHook = Callable[[Any, date], Any]  # (kernel, since) -> anything, reported as text


@dataclass
class ReplayReport:
    since: str
    cleared_keys: int = 0
    lake_events: int = 0
    log_events: int = 0
    counted: int = 0
    hooks: dict[str, str] = field(default_factory=dict)


def lake_points(connection: duckdb.DuckDBPyConnection, *, types: list[str],
                since: datetime) -> Iterator[list[Point]]:
    """The lake's events of ``types`` naming a customer, from ``since``, in chunks."""
    cursor = connection.execute(
        "SELECT event_id, type, customer_id, epoch_us(occurred_at), properties "
        "FROM resolved_events WHERE type IN (SELECT unnest(?)) "
        "AND customer_id IS NOT NULL AND occurred_at >= ?",
        [types, since])
    while rows := cursor.fetchmany(CHUNK):
        yield [Point(str(r[0]), str(r[1]), str(r[2]), int(r[3]) / 1_000_000,
                     _json.decode(r[4]) if r[4] else {}) for r in rows]


def log_points(log_dir: Path, *, types: set[str], since: float) -> Iterator[list[Point]]:
    """The same from the log segments still waiting for compaction."""
    decoder = msgspec.msgpack.Decoder()
    for path in segments(log_dir):
        chunk = []
        for frame in read_frames(path):
            for event in decoder.decode(frame.payload):
                if event.get("type") not in types or not event.get("customer_id"):
                    continue
                at = _timestamp(event["occurred_at"])
                if at >= since:
                    chunk.append(Point(str(event["event_id"]), event["type"],
                                       str(event["customer_id"]), at,
                                       event.get("properties") or {}))
        yield chunk


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


def rebuild_aggregates(aggregator: Aggregator, connection: duckdb.DuckDBPyConnection, *,
                       log_dir: Path, since: date, now: datetime, clear: bool = True
                       ) -> ReplayReport:
    """Clear the aggregates (unless ``clear`` is off) and count every event from ``since``
    (within the longest window) again."""
    report = ReplayReport(since=since.isoformat())
    if clear:
        report.cleared_keys = aggregator.clear()
    start = max(datetime.combine(since, time.min, tzinfo=UTC).timestamp(),
                now.timestamp() - aggregator.longest_seconds)
    types = sorted(aggregator.by_type)
    moment = now.timestamp()
    for points in lake_points(connection, types=types,
                              since=datetime.fromtimestamp(start, UTC)):
        report.lake_events += len(points)
        report.counted += aggregator.add(points, now=moment)
    for points in log_points(log_dir, types=set(types), since=start):
        report.log_events += len(points)
        report.counted += aggregator.add(points, now=moment)
    return report
