"""The lake in an object store (``CONTACTLESS_EVENTS_LAKE_URL``, S3's API): the same events
answer the same questions as in a local lake: segments, the explorer, profiles, and a
restarted process still knows the ids it acknowledged; on PostgreSQL one process at a time
tidies the shared store (an advisory lock, since an object store holds no file locks)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contactless.app import install_domains
from contactless.events import service as events
from contactless.events.errors import SegmentEngineUnavailable
from contactless.events.places import TIDY_LOCK_KEY
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel, build_kernel
from tests.events.factories import page_view
from tests.factories.identity import make_customer, make_small_bank

TWICE = {"performed": {"type": "product.viewed", "at_least": 2, "within_days": 30}}


def _view(customer: uuid.UUID | None, at: datetime, **fields: Any) -> dict[str, Any]:
    event = {**page_view(anonymous_id=None, occurred_at=at), "type": "product.viewed",
             "properties": {"product_id": "TD-1Y", "product_kind": "time_deposit"}, **fields}
    if customer is not None:
        event["customer_id"] = str(customer)
    return event


def _behaviour(kernel: Kernel) -> tuple[uuid.UUID, uuid.UUID, list[str]]:
    """Customer A viewed a deposit once signed in and once from a phone linked since; B
    opened the app. Returns A, B and every event id."""
    bank = make_small_bank(kernel)
    a, b = (make_customer(kernel, bank.rm_xh, serial=n).id for n in (1, 2))
    at = datetime.now(UTC) - timedelta(hours=3)
    batch = [_view(a, at), _view(None, at + timedelta(minutes=1), anonymous_id="phone-a"),
             {**page_view(anonymous_id=None, occurred_at=at), "customer_id": str(b),
              "type": "app.opened", "properties": {}}]
    with kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=batch).accepted == 3
    events.flush(kernel)
    with kernel.db.session() as session:
        events.link_anonymous(session, links=[("phone-a", str(a), at)])
        events.rebuild_profiles(session, SYSTEM)
    return a, b, [e["event_id"] for e in batch]


@pytest.mark.parametrize("where", ["local", "object store"])
def test_the_same_events_answer_the_same_in_a_local_lake_and_an_object_store(
        sqlite_kernel: Kernel, request: pytest.FixtureRequest, where: str) -> None:
    if where == "object store":
        sqlite_kernel.settings.events_lake_url = request.getfixturevalue("s3_lake_url")
    a, b, ids = _behaviour(sqlite_kernel)
    lake = events.places(sqlite_kernel).lake
    assert lake.local is (where == "local")
    assert len(lake.lake_files()) == 1
    assert sorted(events.lake_events(sqlite_kernel, columns=["event_id"])["event_id"]
                  .to_pylist()) == sorted(ids)
    with sqlite_kernel.db.session() as session:
        # A's anonymous view counts for A through the link
        assert events.segment_members(session, tree=TWICE) == [a]
        saved = events.save_segment(session, SYSTEM, name="viewed twice", tree=TWICE)
        assert saved.member_count == 1
        profile_a = events.profile(session, customer_id=a)
        profile_b = events.profile(session, customer_id=b)
        assert profile_a is not None
        assert profile_b is not None
        assert (profile_a.events_30d, profile_b.app_opens_30d) == (2, 1)
        today = datetime.now(UTC).date()
        explored = events.explore(session, SYSTEM, start=today - timedelta(days=1),
                                  end=today + timedelta(days=1))
        assert explored.daily.total == 3
        with events.lake_connection(session) as connection:
            resolved = connection.execute(
                "SELECT count(*) FROM resolved_events WHERE customer_id = ?", [str(a)]
            ).fetchone()
        assert resolved == (2,)
    # a process started afterwards knows the ids the lake holds: a resend is a duplicate
    again = install_domains(build_kernel(sqlite_kernel.settings))
    try:
        with again.db.session() as session:
            result = events.ingest_body(session, None, body=json.dumps(
                [_view(None, datetime.now(UTC), event_id=ids[1], anonymous_id="phone-a")]
            ).encode())
        assert (result.accepted, result.duplicates) == (0, 1)
    finally:
        events.close(again)
        again.db.dispose()


def test_one_process_at_a_time_tidies_an_object_store_lake_on_postgresql(
        pg_kernel: Kernel, s3_lake_url: str) -> None:
    pg_kernel.settings.events_lake_url = s3_lake_url
    for _ in range(2):  # two small files of one day
        with pg_kernel.db.session() as session:
            assert events.ingest_body(session, None,
                                      body=json.dumps([page_view()]).encode()).accepted == 1
        events.close(pg_kernel)
        events.compact(pg_kernel)
    lake = events.places(pg_kernel).lake
    assert len(lake.lake_files()) == 1  # the second pass merged the two
    with pg_kernel.db.session() as session:
        assert events.ingest_body(session, None,
                                  body=json.dumps([page_view()]).encode()).accepted == 1
    events.close(pg_kernel)
    with pg_kernel.db.try_advisory_lock(TIDY_LOCK_KEY) as held:  # another process tidies
        assert held
        report = events.compact(pg_kernel)
        assert (report.events, report.files_merged) == (1, 0)
        assert len(lake.lake_files()) == 2
    assert events.compact(pg_kernel).files_merged == 2
    assert len(lake.lake_files()) == 1
    assert events.lake_events(pg_kernel).num_rows == 3


def test_the_spark_engine_refuses_a_lake_in_an_object_store_and_says_why(
        sqlite_kernel: Kernel, s3_lake_url: str) -> None:
    sqlite_kernel.settings.events_lake_url = s3_lake_url
    sqlite_kernel.settings.segment_engine = "spark"
    with sqlite_kernel.db.session() as session, pytest.raises(
            SegmentEngineUnavailable, match="CONTACTLESS_SEGMENT_ENGINE=duckdb"):
        events.segment_members(session, tree=TWICE)
