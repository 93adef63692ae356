"""Segments: a condition tree picks the customers whose behaviour matches, by DuckDB over the
lake; what the registry does not declare is a clear error, and no value becomes SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contactless.events import service as events
from contactless.events.errors import SegmentInvalid
from contactless.identity.errors import NotAllowed
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view
from tests.factories.identity import make_customer, make_small_bank

MARKETER = Actor(kind="staff", id=str(uuid.uuid4()), role="marketer", branch_path="/HQ/")
RM = Actor(kind="staff", id=str(uuid.uuid4()), role="rm", branch_path="/HQ/HZ/")


def _views(customer: uuid.UUID, count: int, *, kind: str = "time_deposit",
           days_ago: int = 1) -> list[dict[str, object]]:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    return [{**page_view(anonymous_id=None, customer_id=str(customer), occurred_at=at),
             "type": "product.viewed",
             "properties": {"product_id": f"P{n}", "product_kind": kind}}
            for n in range(count)]


@pytest.fixture
def behaviour(sqlite_kernel: Kernel) -> dict[str, uuid.UUID]:
    """Keen viewed deposits 3 times and opened the app; browser viewed once, long ago;
    lender viewed loans 3 times; idle did nothing at all. Each has a profile."""
    bank = make_small_bank(sqlite_kernel)
    people = {name: make_customer(sqlite_kernel, bank.rm_xh, serial=n + 1).id
              for n, name in enumerate(("keen", "browser", "lender", "idle"))}
    opened = {**page_view(anonymous_id=None, customer_id=str(people["keen"])),
              "type": "app.opened", "properties": {}}
    batch = [*_views(people["keen"], 3), opened, *_views(people["browser"], 1, days_ago=5),
             *_views(people["lender"], 3, kind="loan")]
    sqlite_kernel.settings.events_past_seconds = 30 * 86400
    with sqlite_kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=batch).accepted == len(batch)
    events.flush(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
    return people


def _members(kernel: Kernel, tree: object) -> set[uuid.UUID]:
    with kernel.db.session() as session:
        return set(events.segment_members(session, tree=tree))


def test_a_segment_picks_customers_by_what_they_did(sqlite_kernel: Kernel,
                                                    behaviour: dict[str, uuid.UUID]) -> None:
    keen = {"performed": {"type": "product.viewed", "at_least": 3, "within_days": 30,
                          "where": {"product_kind": "time_deposit"}}}
    assert _members(sqlite_kernel, keen) == {behaviour["keen"]}
    recent = {"performed": {"type": "product.viewed", "within_days": 3}}
    assert _members(sqlite_kernel, recent) == {behaviour["keen"], behaviour["lender"]}
    absent = {"all": [{"performed": {"type": "product.viewed"}},
                      {"did_not_perform": {"type": "app.opened", "within_days": 7}}]}
    assert _members(sqlite_kernel, absent) == {behaviour["browser"], behaviour["lender"]}
    either = {"any": [keen, {"not": {"performed": {"type": "product.viewed",
                                                  "within_days": 3}}}]}
    assert _members(sqlite_kernel, either) == {behaviour["keen"], behaviour["browser"],
                                               behaviour["idle"]}
    # a customer who never did anything did not open the app either
    assert _members(sqlite_kernel, {"did_not_perform": {"type": "app.opened"}}) == {
        behaviour["browser"], behaviour["lender"], behaviour["idle"]}


def test_the_same_sql_transpiles_to_spark(sqlite_kernel: Kernel) -> None:
    from contactless.events import segments

    compiled = segments.compile_segment(
        events.registry_of(sqlite_kernel),
        {"performed": {"type": "search", "where": {"query": "x"}}}, now=datetime.now(UTC))
    spark = compiled.transpiled("spark")
    assert "FILTER(WHERE" in spark.replace(" (", "(")
    assert "GROUP BY customer_id" in spark
    assert ":p0" in spark
    assert "$p0" in compiled.sql
    assert compiled.parameters["p0"] == "search"
    assert "search" not in compiled.sql


@pytest.mark.parametrize(("tree", "where"), [
    ({"performed": {"type": "no.such"}}, "$.performed.type"),
    ({"all": [{"performed": {"type": "search", "where": {"colour": "red"}}}]},
     "$.all[0].performed.where.colour"),
    ({"performed": {"type": "search", "where": {"results": "1; DROP TABLE x"}}},
     "$.performed.where.results"),
    ({"performed": {"type": "search", "at_least": 0}}, "$.performed.at_least"),
    ({"sql": "SELECT 1"}, "$"),
    ({"any": []}, "$"),
    ({"profile": {"property": "aum; DROP TABLE customer", "op": "gte", "value": "1"}},
     "$.profile.property"),
    ({"profile": {"property": "aum", "op": "OR 1=1 --", "value": "1"}}, "$.profile.op"),
    ({"profile": {"property": "aum", "op": "gte", "value": "1 OR 1=1"}}, "$.profile.value"),
    ({"profile": {"property": "nearest_maturity", "op": "lte", "value": 30}},
     "$.profile.value"),
    ({"profile": {"property": "aum", "op": "gte"}}, "$.profile"),
    ({"tag": "vip' OR 'x'='x"}, "$.tag"),
    ({"holds": "bitcoin"}, "$.holds"),
    ({"followed_by": {"first": {"type": "search"}, "then": {"type": "nope"}}},
     "$.followed_by.then.type"),
    ({"followed_by": {"first": {"type": "search"}, "then": {"type": "search"},
                      "within_minutes": 0}}, "$.followed_by.within_minutes"),
    ({"all": [{"tag": "high_value"}, {"followed_by": {"first": {"type": "search"}}}]},
     "$.all[1].followed_by.then"),
])
def test_a_tree_naming_what_the_registry_does_not_declare_is_refused(
        sqlite_kernel: Kernel, tree: object, where: str) -> None:
    with sqlite_kernel.db.session() as session, pytest.raises(SegmentInvalid) as refused:
        events.segment_members(session, tree=tree)
    assert refused.value.extra["where"] == where


def test_sql_in_a_value_is_only_a_value(sqlite_kernel: Kernel,
                                        behaviour: dict[str, uuid.UUID]) -> None:
    tree = {"performed": {"type": "product.viewed",
                          "where": {"product_kind": "x' OR '1'='1"}}}
    assert _members(sqlite_kernel, tree) == set()
    assert events.lake_events(sqlite_kernel).num_rows == 8


def test_a_preview_is_for_roles_the_table_allows(sqlite_kernel: Kernel,
                                                 behaviour: dict[str, uuid.UUID]) -> None:
    with sqlite_kernel.db.session() as session:
        preview = events.preview_segment(session, MARKETER, sample=1, tree={
            "performed": {"type": "product.viewed"}})
        assert preview.count == 3  # keen, browser and lender viewed; idle did not
        assert len(preview.sample) == 1
        with pytest.raises(NotAllowed):
            events.preview_segment(session, RM, tree={"performed": {"type": "search"}})


def test_events_sent_before_sign_in_count_once_the_device_is_linked(
        sqlite_kernel: Kernel, behaviour: dict[str, uuid.UUID]) -> None:
    at = datetime.now(UTC) - timedelta(days=2)
    phone = [{**page_view(anonymous_id="lender-phone", occurred_at=at),
              "type": "product.viewed", "properties": {"product_id": "L1", "product_kind": "loan"}}
             for _ in range(2)]
    with sqlite_kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=phone).accepted == 2
    events.flush(sqlite_kernel)
    keen_on_loans = {"performed": {"type": "product.viewed", "at_least": 5,
                                   "where": {"product_kind": "loan"}}}
    assert _members(sqlite_kernel, keen_on_loans) == set()  # the phone is nobody's yet
    with sqlite_kernel.db.session() as session:  # the lender signs in on the phone
        events.link_anonymous(session, links=[("lender-phone", str(behaviour["lender"]), at)])
    assert _members(sqlite_kernel, keen_on_loans) == {behaviour["lender"]}
    # and their profile counts the phone's views too
    with sqlite_kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
        found = events.profile(session, customer_id=behaviour["lender"])
    assert found is not None
    assert found.events_30d == 5
