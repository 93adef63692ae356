"""The event explorer's figures and a customer's event timeline: DuckDB queries over the
lake's ``resolved_events`` view (anonymous ids linked at sign-in count as the customer).

Every query is fixed text; the types, dates, paths and the customer are bound parameters.
Days are the bank's calendar days (``CONTACTLESS_TIMEZONE``), as the lake's partitions are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from contactless.events.errors import ExploreInvalid
from contactless.events.registry import Registry

MAX_DAYS = 366
TOP_PAGES = 10
# the properties a timeline shows as the event's detail (free text the customer's app sent,
# never a stored code: those have names of their own)
DETAIL_PROPERTIES = ("path", "title", "query")


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both included), the bank's calendar days."""

    start: date
    end: date
    zone: str

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: the first day's midnight to the day after the last."""
        zone = ZoneInfo(self.zone)
        return (datetime.combine(self.start, time(), zone),
                datetime.combine(self.end + timedelta(days=1), time(), zone))


def period(start: date, end: date, *, zone: str) -> Period:
    """The explorer's dates checked: the end not before the start, at most a year."""
    if end < start:
        raise ExploreInvalid("the end of the period is before its start", field="end")
    if (end - start).days >= MAX_DAYS:
        raise ExploreInvalid("choose at most {days} days", field="start", days=MAX_DAYS)
    return Period(start, end, zone)


@dataclass
class DailyCounts:
    days: list[date]
    series: dict[str, list[int]] = field(default_factory=dict)  # type -> a count a day

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.series.values())


def _range(when: Period) -> dict[str, Any]:
    start, end = when.bounds()
    return {"start": start, "end": end}


def daily_counts(connection: duckdb.DuckDBPyConnection, when: Period) -> DailyCounts:
    """Events a day by type (the types that occurred, by name)."""
    rows = connection.execute(
        "SELECT CAST(timezone($zone, occurred_at) AS DATE) AS day, type, count(*) "
        "FROM resolved_events WHERE occurred_at >= $start AND occurred_at < $end "
        "GROUP BY ALL", {"zone": when.zone, **_range(when)}).fetchall()
    days = when.days
    index = {day: n for n, day in enumerate(days)}
    out = DailyCounts(days)
    for day, kind, count in rows:
        if day in index:
            out.series.setdefault(kind, [0] * len(days))[index[day]] += int(count)
    out.series = dict(sorted(out.series.items()))
    return out


def top_pages(connection: duckdb.DuckDBPyConnection, when: Period, *,
              limit: int = TOP_PAGES) -> list[tuple[str, int]]:
    """The most viewed paths (``page.viewed``) and their views, most first."""
    rows = connection.execute(
        "SELECT json_extract_string(properties, '$.path') AS path, count(*) AS views "
        "FROM resolved_events WHERE type = 'page.viewed' AND occurred_at >= $start "
        "AND occurred_at < $end GROUP BY path HAVING path IS NOT NULL "
        "ORDER BY views DESC, path LIMIT $limit", {**_range(when), "limit": limit}).fetchall()
    return [(str(path), int(views)) for path, views in rows]


@dataclass(frozen=True)
class Funnel:
    first: str
    then: str
    within_minutes: int
    started: int  # people (customers, or visitors by their anonymous id) who did ``first``
    converted: int  # ... and ``then`` within the window after a ``first``

    @property
    def rate(self) -> float:
        return round(100 * self.converted / self.started, 1) if self.started else 0.0


FUNNEL_SQL = """
    WITH ordered AS (
      SELECT coalesce(customer_id, anonymous_id) AS who, type = $first AS is_first,
             type = $then AS is_then, epoch(occurred_at) AS at_s,
             max(CASE WHEN type = $first THEN epoch(occurred_at) END) OVER (
               PARTITION BY coalesce(customer_id, anonymous_id) ORDER BY occurred_at, event_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS first_s
      FROM resolved_events
      WHERE type IN ($first, $then) AND occurred_at >= $start AND occurred_at < $end
        AND coalesce(customer_id, anonymous_id) IS NOT NULL)
    SELECT count(DISTINCT who) FILTER (WHERE is_first),
           count(DISTINCT who) FILTER (WHERE is_then AND at_s - first_s <= $seconds)
    FROM ordered"""


def funnel(connection: duckdb.DuckDBPyConnection, registry: Registry, when: Period, *,
           first: str, then: str, within_minutes: int) -> Funnel:
    """Who did ``first`` in the period, and how many of them did ``then`` within
    ``within_minutes`` after it (the latest ``first`` before each ``then``)."""
    for name, value in (("first", first), ("then", then)):
        if value not in registry.types:
            raise ExploreInvalid("unknown event type", field=name, name=value[:64])
    if not 1 <= within_minutes <= MAX_DAYS * 1440:
        raise ExploreInvalid("the window is 1 minute to a year", field="within_minutes")
    started, converted = connection.execute(FUNNEL_SQL, {
        "first": first, "then": then, "seconds": within_minutes * 60,
        **_range(when)}).fetchone() or (0, 0)
    return Funnel(first, then, within_minutes, int(started), int(converted))


@dataclass(frozen=True)
class TimelineEvent:
    event_id: str
    type: str
    occurred_at: datetime
    channel: str
    details: tuple[str, ...]  # the free-text properties worth reading (a path, a title)


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    page: int
    has_more: bool


def timeline(connection: duckdb.DuckDBPyConnection, *, customer_id: str, page: int,
             per_page: int) -> Timeline:
    """A customer's latest events (their own and their linked anonymous ids'), newest
    first, ``per_page`` a page."""
    rows = connection.execute(
        "SELECT event_id, type, occurred_at, channel, properties FROM resolved_events "
        "WHERE customer_id = $customer ORDER BY occurred_at DESC, event_id "
        "LIMIT $limit OFFSET $offset",
        {"customer": customer_id, "limit": per_page + 1,
         "offset": (page - 1) * per_page}).fetchall()
    out = [TimelineEvent(str(event_id), str(kind), occurred_at, str(channel or ""),
                         _details(properties))
           for event_id, kind, occurred_at, channel, properties in rows[:per_page]]
    return Timeline(out, page, len(rows) > per_page)


def _details(properties: str | None) -> tuple[str, ...]:
    try:
        values = json.loads(properties or "{}")
    except ValueError:
        return ()
    if not isinstance(values, dict):
        return ()
    details = [str(values[name])[:120] for name in DETAIL_PROPERTIES
               if isinstance(values.get(name), (str, int)) and str(values[name])]
    if values.get("amount") is not None and isinstance(values.get("currency"), str):
        details.append(f"{values['amount']} {values['currency']}")  # a posting's money
    return tuple(details)
