"""Saved segments over profiles, tags and behaviour: conditions on profile properties, tags,
products and "A followed by B within a window"; membership materialized and refreshed after
profile changes; the CSV export masked and limited to the exporter's scope, audited."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contactless.events import service as events
from contactless.events.errors import SegmentNameTaken, SegmentNotFound
from contactless.events.models import SegmentMember
from contactless.identity.errors import NotAllowed
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view
from tests.factories.corebank import open_account
from tests.factories.identity import SmallBank, make_customer, make_small_bank

MARKETER_TREE = {"all": [{"tag": "high_value"}, {"holds": "demand"}]}


def _event(customer: uuid.UUID, kind: str, at: datetime, **properties: object
           ) -> dict[str, object]:
    return {**page_view(anonymous_id=None, customer_id=str(customer), occurred_at=at),
            "type": kind, "properties": properties}


@pytest.fixture
def bank(kernel: Kernel) -> tuple[SmallBank, dict[str, uuid.UUID]]:
    """wealthy (xh, 800,000) viewed a product then started a journey 10 minutes later;
    slow (xh, 600,000) viewed one and started 3 hours later; nb (another branch, 700,000)
    viewed one and never started; poor (xh, 100)."""
    small = make_small_bank(kernel)
    people = {"wealthy": make_customer(kernel, small.rm_xh, serial=1).id,
              "slow": make_customer(kernel, small.rm_xh, serial=2).id,
              "nb": make_customer(kernel, small.rm_nb, serial=3, name="李四").id,
              "poor": make_customer(kernel, small.rm_xh, serial=4).id}
    funds = {"wealthy": "800000.00", "slow": "600000.00", "nb": "700000.00", "poor": "100.00"}
    with kernel.db.session() as session:
        for name, amount in funds.items():
            open_account(session, people[name], funds=amount)
    start = datetime.now(UTC) - timedelta(days=2)
    viewed = {"product_id": "TD-1Y", "product_kind": "time_deposit"}
    journey = {"journey_id": "j-1", "journey_key": "deposit_renewal"}
    batch = [_event(people["wealthy"], "product.viewed", start, **viewed),
             _event(people["wealthy"], "journey.started", start + timedelta(minutes=10),
                    **journey),
             _event(people["slow"], "product.viewed", start, **viewed),
             _event(people["slow"], "journey.started", start + timedelta(hours=3), **journey),
             # started before viewing: not "viewed, then started"
             _event(people["nb"], "journey.started", start, **journey),
             _event(people["nb"], "product.viewed", start + timedelta(minutes=5), **viewed)]
    kernel.settings.events_past_seconds = 30 * 86400
    with kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=batch).accepted == len(batch)
    events.flush(kernel)
    with kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
    return small, people


def _members(kernel: Kernel, tree: object) -> set[uuid.UUID]:
    with kernel.db.session() as session:
        return set(events.segment_members(session, tree=tree))


def test_profile_tag_product_and_sequence_conditions_pick_their_customers(
        kernel: Kernel, bank: tuple[SmallBank, dict[str, uuid.UUID]]) -> None:
    _small, people = bank
    rich = {people["wealthy"], people["slow"], people["nb"]}
    assert _members(kernel, {"tag": "high_value"}) == rich
    assert _members(kernel, {"profile": {"property": "aum", "op": "gte",
                                         "value": "700000"}}) == {people["wealthy"],
                                                                  people["nb"]}
    assert _members(kernel, {"not": {"tag": "high_value"}}) == {people["poor"]}
    assert _members(kernel, {"holds": "wealth"}) == set()
    viewed_then_started = {"followed_by": {
        "first": {"type": "product.viewed", "where": {"product_kind": "time_deposit"}},
        "then": {"type": "journey.started"}, "within_minutes": 60, "within_days": 7}}
    assert _members(kernel, viewed_then_started) == {people["wealthy"]}
    wider = {"followed_by": {**viewed_then_started["followed_by"], "within_minutes": 240}}
    assert _members(kernel, wider) == {people["wealthy"], people["slow"]}
    both = {"all": [{"tag": "high_value"}, {"not": wider}]}
    assert _members(kernel, both) == {people["nb"]}


def test_a_saved_segment_is_materialized_and_follows_profile_changes(
        kernel: Kernel, bank: tuple[SmallBank, dict[str, uuid.UUID]]) -> None:
    small, people = bank
    marketer = small.admin
    with kernel.db.session() as session:
        saved = events.save_segment(session, marketer, name="高净值活期客户", tree=MARKETER_TREE)
        assert saved.member_count == 3
        assert not saved.stale
    with kernel.db.session() as session:
        assert set(events.segment_members(session, segment_id=saved.id)) == {
            people["wealthy"], people["slow"], people["nb"]}
        with pytest.raises(SegmentNameTaken):
            events.save_segment(session, marketer, name="高净值活期客户", tree=MARKETER_TREE)
        with pytest.raises(NotAllowed):
            events.save_segment(session, small.rm_xh, name="mine", tree=MARKETER_TREE)
    with kernel.db.session() as session:  # poor becomes rich: the rebuild marks it stale
        account = open_account(session, people["poor"], funds="900000.00")
        assert account.balance.amount > 0
    with kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
        assert events.get_segment(session, segment_id=saved.id).stale
        refreshed = events.refresh_segments(session, SYSTEM)
        assert [s.id for s in refreshed] == [saved.id]
        assert events.refresh_segments(session, SYSTEM) == []  # nothing stale any more
    with kernel.db.session() as session:
        assert people["poor"] in events.segment_members(session, segment_id=saved.id)
        assert events.get_segment(session, segment_id=saved.id).member_count == 4
        events.delete_segment(session, marketer, segment_id=saved.id)
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SegmentMember)) == 0
        with pytest.raises(SegmentNotFound):
            events.segment_members(session, segment_id=saved.id)


def test_the_export_is_masked_scoped_and_audited(
        kernel: Kernel, bank: tuple[SmallBank, dict[str, uuid.UUID]]) -> None:
    small, people = bank
    with kernel.db.session() as session:
        saved = events.save_segment(session, small.admin, name="high", tree={"tag":
                                                                             "high_value"})
    with kernel.db.session() as session:
        everyone = list(csv.DictReader(io.StringIO(
            events.export_segment_csv(session, small.admin, segment_id=saved.id))))
        hangzhou = list(csv.DictReader(io.StringIO(
            events.export_segment_csv(session, small.manager_hz, segment_id=saved.id))))
        with pytest.raises(NotAllowed):
            events.export_segment_csv(session, small.rm_xh, segment_id=saved.id)
    assert {row["customer_id"] for row in everyone} == {
        str(people[n]) for n in ("wealthy", "slow", "nb")}
    assert {row["customer_id"] for row in hangzhou} == {
        str(people[n]) for n in ("wealthy", "slow")}
    assert all("*" in row["name"] and "****" in row["mobile"] for row in everyone)
    assert "13800000001" not in json.dumps(everyone)
    with kernel.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "events.segment_exported").order_by(AuditEntry.seq)).all()
        assert [json.loads(e.details)["rows"] for e in entries] == [3, 2]
