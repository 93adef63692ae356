"""One segment, written once, run by DuckDB and by Apache Spark (local mode, the SQL
transpiled by SQLGlot) over the same Parquet files: the same members.

The lake is the one the platform wrote (ingest, then compaction); the profiles and the
anonymous ids linked at sign-in are the ``profiles`` and ``event_aliases`` tables DuckDB is
given, staged as Parquet for Spark by the engine (``CONTACTLESS_SEGMENT_ENGINE=spark``). One
SparkSession serves the module (a JVM start is most of the cost)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pyspark.sql import SparkSession

from contactless.events import service as events
from contactless.events import spark as spark_engine
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view
from tests.factories.corebank import open_account
from tests.factories.identity import make_customer, make_small_bank

TREE = {"all": [
    {"any": [{"tag": "high_value"},
             {"profile": {"property": "demand_balance", "op": "gte", "value": "5000"}}]},
    {"performed": {"type": "product.viewed", "at_least": 2, "within_days": 30,
                   "where": {"product_kind": "time_deposit"}}},
    {"not": {"followed_by": {"first": {"type": "product.viewed"},
                             "then": {"type": "journey.started"}, "within_minutes": 30,
                             "within_days": 30}}},
    {"did_not_perform": {"type": "app.opened", "within_days": 7}}]}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = (SparkSession.builder.master("local[1]")
               .appName("contactless-segment-equivalence")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "512m")
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _lake_of_twelve_customers(kernel: Kernel) -> dict[int, uuid.UUID]:
    """Customers 0-11 with balances and behaviour chosen so each condition splits them."""
    bank = make_small_bank(kernel)
    people = {n: make_customer(kernel, bank.rm_xh, serial=n + 1).id for n in range(12)}
    with kernel.db.session() as session:
        for n, customer in people.items():
            open_account(session, customer, funds=("600000.00", "6000.00", "10.00")[n % 3])
    start = datetime.now(UTC) - timedelta(days=3)
    batch: list[dict[str, object]] = []
    for n, customer in people.items():
        def event(kind: str, at: datetime, customer: uuid.UUID = customer,
                  **properties: object) -> dict[str, object]:
            return {**page_view(anonymous_id=None, customer_id=str(customer), occurred_at=at),
                    "type": kind, "properties": properties}

        for k in range(n % 4):  # 0 to 3 views of a time deposit
            batch.append(event("product.viewed", start + timedelta(minutes=k),
                               product_id="TD-1Y", product_kind="time_deposit"))
        if n % 5 == 0:  # a journey started 10 minutes after the last view
            batch.append(event("journey.started", start + timedelta(minutes=12),
                               journey_id=f"j{n}", journey_key="deposit_renewal"))
        if n % 6 == 1:
            batch.append(event("app.opened", start + timedelta(days=1)))
        if n % 4 == 1:  # a second view from their phone before they signed in on it
            batch.append({**page_view(anonymous_id=f"phone-{n}", occurred_at=start),
                          "type": "product.viewed",
                          "properties": {"product_id": "TD-1Y", "product_kind": "time_deposit"}})
    kernel.settings.events_past_seconds = 30 * 86400
    with kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=batch).accepted == len(batch)
    events.flush(kernel)
    with kernel.db.session() as session:  # signed in since on every phone but customer 5's
        events.link_anonymous(session, links=[(f"phone-{n}", str(people[n]), start)
                                              for n in (1, 9)])
    with kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
    return people


def test_a_segment_has_the_same_members_on_duckdb_and_on_spark(
        sqlite_kernel: Kernel, spark: Any) -> None:
    people = _lake_of_twelve_customers(sqlite_kernel)
    lake_dir = events.places(sqlite_kernel).lake_dir
    now = datetime.now(UTC)
    with sqlite_kernel.db.session() as session:
        duckdb_members = [str(m) for m in events.segment_members(session, tree=TREE, now=now)]
    sqlite_kernel.settings.segment_engine = "spark"
    sqlite_kernel.settings.spark_master = "local[1]"
    with sqlite_kernel.db.session() as session:
        spark_members = [str(m) for m in events.segment_members(session, tree=TREE, now=now)]
        saved = events.save_segment(session, SYSTEM, name="on spark", tree=TREE)
        session.commit()
    # nothing staged is left beside the lake
    assert not any((lake_dir / spark_engine.STAGING).iterdir())
    assert spark_members == duckdb_members
    # the tree splits the twelve: some in, most out, so an empty answer cannot pass
    assert 0 < len(duckdb_members) < 12
    # customer 9 viewed twice only counting the view from their phone before they signed in
    assert str(people[9]) in duckdb_members
    # a saved segment is materialized by the engine configured
    assert saved.member_count == len(duckdb_members)


def test_an_empty_lake_selects_on_spark_what_it_selects_on_duckdb(
        sqlite_kernel: Kernel, spark: Any) -> None:
    bank = make_small_bank(sqlite_kernel)
    people = sorted(make_customer(sqlite_kernel, bank.rm_xh, serial=n).id for n in (1, 2))
    tree = {"did_not_perform": {"type": "app.opened", "within_days": 7}}
    with sqlite_kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
        duckdb_members = events.segment_members(session, tree=tree)
        assert duckdb_members == people  # nobody opened the app: everyone is in
        sqlite_kernel.settings.segment_engine = "spark"
        sqlite_kernel.settings.spark_master = "local[1]"
        assert events.segment_members(session, tree=tree) == duckdb_members
