"""The demo bank's 90 days of behaviour: written straight into the lake's day partitions,
the same for the same seed, every event one of the customers', none in the future; replay
counts the last week's app opens into the aggregates; a restarted process does not reload
the ids of days too old to be sent again."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contactless.app import install_domains
from contactless.events import lake
from contactless.events import service as events
from contactless.events.demo import DAYS, EVENTS_PER_CUSTOMER, seed_behaviour
from contactless.platform.clock import bank_today
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from tests.conftest import make_settings


def _seed(kernel: Kernel, customers: list[uuid.UUID], seed: int = 7) -> object:
    with kernel.db.session() as session:
        return seed_behaviour(session, customers, random.Random(seed),
                              bank_today(kernel.settings), lambda *_: None)


def test_ninety_days_of_behaviour_land_in_the_lake_the_same_for_the_same_seed(
        sqlite_kernel: Kernel, tmp_path: Path) -> None:
    customers = [uuid.UUID(int=n + 1) for n in range(30)]
    report = _seed(sqlite_kernel, customers)
    table = events.lake_events(sqlite_kernel)
    expected = EVENTS_PER_CUSTOMER * len(customers)
    assert expected * 0.95 <= table.num_rows <= expected  # today's are only up to now
    assert report.events == table.num_rows  # type: ignore[attr-defined]
    where = events.places(sqlite_kernel).lake_dir
    # a partition per day with events: today's appears with its first event (just after the
    # bank's midnight there may be none yet)
    partitions = lake.Lake.at(where).partitions()
    assert DAYS - 1 <= len(partitions) <= DAYS
    today = bank_today(sqlite_kernel.settings).isoformat()
    assert any(part.endswith(f"dt={today}") for part in partitions) == (len(partitions) == DAYS)
    rows = table.to_pylist()
    assert {row["customer_id"] for row in rows} <= {str(c) for c in customers}
    assert {row["type"] for row in rows} == {"app.opened", "page.viewed", "product.viewed",
                                             "search"}
    assert len({row["event_id"] for row in rows}) == len(rows)
    now = datetime.now(UTC)
    assert max(row["occurred_at"] for row in rows) <= now
    assert min(row["occurred_at"] for row in rows) >= now - timedelta(days=DAYS + 1)
    # each row is what the registry would have accepted
    registry = events.registry_of(sqlite_kernel)
    for row in rows[:: max(len(rows) // 200, 1)]:
        registry.convert({**{k: row[k] for k in ("event_id", "type", "customer_id",
                                                  "session_id", "channel", "occurred_at")},
                          "properties": json.loads(row["properties"])})
    # the same seed again (another bank) gives the same events
    other = install_domains(build_kernel(make_settings(tmp_path / "other"), store=MemoryStore()))
    _seed(other, customers)
    again = events.lake_events(other, columns=["event_id"])["event_id"].to_pylist()
    assert sorted(again)[:50] == sorted(row["event_id"] for row in rows)[:50]
    other.db.dispose()


def test_replay_counts_the_demo_weeks_app_opens(sqlite_kernel: Kernel) -> None:
    customers = [uuid.UUID(int=n + 1) for n in range(5)]
    _seed(sqlite_kernel, customers)
    since = datetime.now(UTC) - timedelta(days=7)
    opens = [row for row in events.lake_events(
        sqlite_kernel, columns=["type", "customer_id", "occurred_at"]).to_pylist()
        if row["type"] == "app.opened" and row["occurred_at"] >= since
        and row["customer_id"] == str(customers[0])]
    with sqlite_kernel.db.session() as session:
        events.replay(session, since=since.date() - timedelta(days=1))
        found = events.customer_aggregates(session, customer_id=customers[0],
                                           names=["app_opens_7d"])
    assert found["app_opens_7d"].count == len(opens) > 0


def test_a_restart_remembers_only_the_ids_recent_enough_to_come_again(
        sqlite_kernel: Kernel) -> None:
    customers = [uuid.UUID(int=n + 1) for n in range(5)]
    _seed(sqlite_kernel, customers)
    where = events.places(sqlite_kernel).lake_dir
    oldest = (datetime.now(UTC) - timedelta(days=8)).date()
    recent = lake.recent_event_ids(where, since=0, from_day=oldest)
    everything = lake.recent_event_ids(where, since=0)
    assert 0 < len(recent) < len(everything) / 5
