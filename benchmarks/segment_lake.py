"""A lake of synthetic behaviour for the segment benchmark, and the segment against the same
question written by hand in DuckDB. Both read the same ``profiles`` table (one row per
customer, as ``events.segment_members`` gives DuckDB), so "did not open the app" counts the
customers with no event too, and the same ``event_aliases``: a fifth of the events were sent
before sign-in (an anonymous device id, no customer), and four devices in five were linked
to their customer since, so both count those events for the customer."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from loadgen import log

from contactless.events import segment_store, segments
from contactless.events import service as events
from contactless.events.lake import SCHEMA
from contactless.platform.kernel import build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

CUSTOMERS = 200_000
DAYS = 90
ANONYMOUS_SHARE = 0.2  # events sent before the customer signed in on the device
KINDS = ["page.viewed", "product.viewed", "app.opened", "search"]
PROPERTIES = {
    "page.viewed": ['{"path":"/m/home"}', '{"path":"/m/products"}'],
    "product.viewed": ['{"product_id":"TD-1Y","product_kind":"time_deposit"}',
                       '{"product_id":"W-7","product_kind":"wealth"}'],
    "app.opened": ["{}"],
    "search": ['{"query":"大额存单","results":3}'],
}
TREE = {"all": [
    {"performed": {"type": "product.viewed", "at_least": 3, "within_days": 30,
                   "where": {"product_kind": "time_deposit"}}},
    {"did_not_perform": {"type": "app.opened", "within_days": 7}},
    {"performed": {"type": "search", "within_days": 90}}]}


def write_lake(lake_dir: Path, count: int, now: datetime) -> None:
    """``count`` events, one Parquet file per day, as compaction would leave them."""
    rng = np.random.default_rng(12)
    ids = pa.array([f"00000000-0000-4000-8000-{n:012x}" for n in range(CUSTOMERS)])
    # app opens are rarer than views, so "did not open the app in 7 days" is not empty
    kind = rng.choice(len(KINDS), size=count, p=[0.45, 0.35, 0.05, 0.15])
    end_us = int(now.timestamp() * 1_000_000)
    occurred = np.sort(end_us - rng.integers(0, DAYS * 86_400_000_000, size=count))
    options = [text for name in KINDS for text in PROPERTIES[name]]
    first = np.cumsum([0] + [len(PROPERTIES[name]) for name in KINDS[:-1]])
    sizes = np.array([len(PROPERTIES[name]) for name in KINDS])
    which = first[kind] + rng.integers(0, 1 << 30, size=count) % sizes[kind]
    who = rng.integers(0, CUSTOMERS, size=count)
    anonymous = pa.array(rng.random(count) < ANONYMOUS_SHARE)
    table = pa.table({
        "event_id": pa.array(np.arange(count)).cast(pa.string()),
        "type": pa.array(KINDS).take(pa.array(kind)),
        "customer_id": pc.if_else(anonymous, pa.nulls(count, pa.string()),
                                  ids.take(pa.array(who))),
        "anonymous_id": pc.if_else(anonymous, devices(CUSTOMERS).take(pa.array(who)),
                                   pa.nulls(count, pa.string())),
        "session_id": pa.nulls(count, pa.string()),
        "channel": pa.array(["app"]).take(pa.array(np.zeros(count, dtype=np.int64))),
        "occurred_at": pa.array(occurred, pa.timestamp("us", tz="UTC")),
        "received_at": pa.array(occurred, pa.timestamp("us", tz="UTC")),
        "properties": pa.array(options).take(pa.array(which)),
    }, schema=SCHEMA)
    day = occurred // 86_400_000_000
    bounds = np.flatnonzero(np.diff(day)) + 1
    for start, stop in zip([0, *bounds], [*bounds, count], strict=True):
        date = datetime.fromtimestamp(int(day[start]) * 86_400, UTC).date()
        folder = lake_dir / f"dt={date.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(start, stop - start), folder / "merged-bench.parquet",
                       compression="zstd")


def devices(count: int) -> pa.Array:
    return pa.array([f"device-{n:06d}" for n in range(count)])


def aliases(count: int) -> pa.Table:
    """The devices linked at sign-in: four in five, each to its customer."""
    linked = [n for n in range(count) if n % 5]
    return pa.table({"anonymous_id": devices(count).take(pa.array(linked)),
                     "alias_customer_id": pa.array(
                         [f"00000000-0000-4000-8000-{n:012x}" for n in linked])})


def handwritten(lake_dir: Path, now: datetime) -> str:
    def since(days: int) -> str:
        return (now - timedelta(days=days)).strftime("TIMESTAMPTZ '%Y-%m-%d %H:%M:%S.%f+00'")

    return f"""
        SELECT p.customer_id FROM profiles p LEFT JOIN (
            SELECT customer_id,
                count(*) FILTER (WHERE type = 'product.viewed' AND occurred_at >= {since(30)}
                    AND json_extract_string(properties, '$.product_kind') = 'time_deposit') AS td,
                count(*) FILTER (WHERE type = 'app.opened' AND occurred_at >= {since(7)}) AS op,
                count(*) FILTER (WHERE type = 'search' AND occurred_at >= {since(90)}) AS se
            FROM (SELECT coalesce(e.customer_id, a.alias_customer_id) AS customer_id,
                         e.type, e.occurred_at, e.properties
                  FROM read_parquet('{lake_dir}/dt=*/*.parquet') e
                  LEFT JOIN event_aliases a
                    ON e.customer_id IS NULL AND a.anonymous_id = e.anonymous_id)
            WHERE customer_id IS NOT NULL GROUP BY customer_id) b
          ON b.customer_id = p.customer_id
        WHERE coalesce(b.td, 0) >= 3 AND coalesce(b.op, 0) = 0 AND coalesce(b.se, 0) >= 1
        ORDER BY p.customer_id"""  # noqa: S608 - the benchmark's own literals


def profiles(count: int) -> pa.Table:
    """The ``profiles`` table of the benchmark's customers: every property empty."""
    ids = [f"00000000-0000-4000-8000-{n:012x}" for n in range(count)]
    return pa.table({"customer_id": pa.array(ids)})


def _best(run: Callable[[], list[str]], times: int = 3) -> tuple[float, list[str]]:
    best, result = float("inf"), []
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def segment_figures(home: Path, count: int) -> tuple[float, float]:
    """Seconds of the compiled segment and of the hand-written query (best of 3)."""
    kernel = build_kernel(Settings(mode=Mode.TEST, home=home), store=MemoryStore())
    now = datetime.now(UTC)
    started = time.perf_counter()
    write_lake(events.places(kernel).lake_dir, count, now)
    log(f"segment lake: {count} events written in {time.perf_counter() - started:.1f} s")
    lake_dir = events.places(kernel).lake_dir
    sql = handwritten(lake_dir, now)
    table = profiles(CUSTOMERS)
    links = aliases(CUSTOMERS)

    def compiled() -> list[str]:
        query = segments.compile_segment(events.registry_of(kernel), TREE, now=now)
        return segment_store.run(query, lake_dir=lake_dir, profiles=table, aliases=links)

    segment_seconds, members = _best(compiled)

    def by_hand() -> list[str]:
        with duckdb.connect() as connection:
            connection.register("profiles", table)
            connection.register("event_aliases", links)
            return [row[0] for row in connection.execute(sql).fetchall()]

    hand_seconds, hand_members = _best(by_hand)
    assert members == hand_members, "the two queries disagree"
    log(f"segment: {len(members)} members; compiled {segment_seconds:.3f} s, "
        f"by hand {hand_seconds:.3f} s")
    return segment_seconds, hand_seconds
