"""The ingest service: each invalid event refused with its reason, the valid ones durable,
each event id stored once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contactless.customers import service as customers
from contactless.events import service as events
from contactless.events.errors import BatchTooLarge, MalformedBatch
from contactless.events.registry import EventType, Properties, Source
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view, page_views
from tests.factories.identity import make_customer, make_small_bank


def _send(kernel: Kernel, batch: list[dict[str, object]], actor: object = None,
          **options: bool) -> events.IngestResult:
    with kernel.db.session() as session:
        return events.ingest_body(session, actor,  # type: ignore[arg-type]
                                  body=json.dumps(batch).encode(), **options)


def _lake_ids(kernel: Kernel) -> list[str]:
    events.flush(kernel)
    return sorted(events.lake_events(kernel, columns=["event_id"])["event_id"].to_pylist())


def test_a_valid_batch_is_accepted_and_reaches_the_lake(sqlite_kernel: Kernel) -> None:
    batch = page_views(3)
    result = _send(sqlite_kernel, batch)
    assert (result.accepted, result.duplicates, result.rejected) == (3, 0, [])
    assert _lake_ids(sqlite_kernel) == sorted(e["event_id"] for e in batch)
    row = events.lake_events(sqlite_kernel).to_pylist()[0]
    assert row["type"] == "page.viewed"
    assert row["channel"] == "h5"
    assert json.loads(row["properties"])["path"].startswith("/m/page/")
    assert row["received_at"] >= row["occurred_at"]


def test_invalid_events_are_refused_one_by_one_and_the_valid_kept(
        sqlite_kernel: Kernel) -> None:
    now = datetime.now(UTC)
    good = page_views(2)
    batch = [
        good[0],
        {**page_view(), "type": "no.such.type"},
        {**page_view(), "properties": {"path": "/m", "colour": "red"}},
        {**page_view(), "properties": {}},
        page_view(occurred_at=now - timedelta(days=30)),
        page_view(occurred_at=now + timedelta(hours=1)),
        page_view(occurred_at=now.replace(tzinfo=None)),
        page_view(anonymous_id=None),
        page_view(customer_id=str(uuid.uuid4())),
        {**page_view(), "type": "transaction.posted",
         "properties": {"operation": "transfer_completed"}},
        {**page_view(), "event_id": "not-a-uuid"},
        good[1],
    ]
    result = _send(sqlite_kernel, batch)
    assert result.accepted == 2
    codes = {r.index: r.code for r in result.rejected}
    assert codes == {1: "unknown_event_type", 2: "invalid_properties", 3: "invalid_properties",
                     4: "too_old", 5: "in_future", 6: "invalid_occurred_at",
                     7: "missing_identity", 8: "sign_in_required", 9: "reserved_type",
                     10: "invalid_event"}
    assert all(r.reason for r in result.rejected)
    assert result.rejected[1].event_id == batch[2]["event_id"]
    assert _lake_ids(sqlite_kernel) == sorted(e["event_id"] for e in good)


def test_a_duplicate_event_id_is_acknowledged_and_stored_once(sqlite_kernel: Kernel) -> None:
    event = page_view()
    first = _send(sqlite_kernel, [event, event])
    again = _send(sqlite_kernel, [event])
    assert (first.accepted, first.duplicates) == (1, 1)
    assert (again.accepted, again.duplicates) == (0, 1)
    assert _lake_ids(sqlite_kernel) == [event["event_id"]]


def test_a_restarted_process_still_knows_the_ids_it_stored(sqlite_kernel: Kernel) -> None:
    event, waiting = page_view(), page_view()
    _send(sqlite_kernel, [event])
    events.flush(sqlite_kernel)  # the first is in the lake, the second only in the log
    _send(sqlite_kernel, [waiting])
    events.close(sqlite_kernel)
    sqlite_kernel.extensions.clear()  # what a new process starts with
    assert _send(sqlite_kernel, [event, waiting]).duplicates == 2
    assert _lake_ids(sqlite_kernel) == sorted([event["event_id"], waiting["event_id"]])


def test_ndjson_and_gzip_are_read_and_a_broken_line_is_its_own_rejection(
        sqlite_kernel: Kernel) -> None:
    import gzip

    lines = [json.dumps(e) for e in page_views(2)]
    body = (lines[0] + "\n{not json\n\n" + lines[1] + "\n").encode()
    with sqlite_kernel.db.session() as session:
        result = events.ingest_body(session, None, body=gzip.compress(body), ndjson=True,
                                    gzipped=True)
    assert result.accepted == 2
    assert [(r.index, r.code) for r in result.rejected] == [(1, "malformed_json")]


def test_a_body_that_is_not_json_is_refused_whole_saying_where(sqlite_kernel: Kernel) -> None:
    body = json.dumps(page_views(2), indent=1).encode()
    cut = body.index(b",\n", body.index(b"\n", body.index(b"\n") + 1))  # on line 3
    broken = body[:cut] + b",," + body[cut + 1:]
    with sqlite_kernel.db.session() as session, pytest.raises(MalformedBatch) as refused:
        events.ingest_body(session, None, body=broken)
    assert refused.value.code == "malformed_json"
    assert refused.value.extra["line"] == 3
    assert refused.value.extra["byte"] == cut + 1
    with sqlite_kernel.db.session() as session, pytest.raises(MalformedBatch) as not_list:
        events.ingest_body(session, None, body=b'{"event_id": 1}')
    assert not_list.value.code == "batch_not_array"
    assert _lake_ids(sqlite_kernel) == []


def test_a_batch_over_the_limit_is_refused_whole(sqlite_kernel: Kernel) -> None:
    sqlite_kernel.settings.events_max_batch = 5
    with pytest.raises(BatchTooLarge):
        _send(sqlite_kernel, page_views(6))
    with pytest.raises(BatchTooLarge):
        _send(sqlite_kernel, [*page_views(5), {"bad": True}])
    assert _send(sqlite_kernel, page_views(5)).accepted == 5


def test_a_gzip_bomb_is_refused(sqlite_kernel: Kernel) -> None:
    import gzip

    sqlite_kernel.settings.events_max_inflated_bytes = 10_000
    with sqlite_kernel.db.session() as session, pytest.raises(BatchTooLarge):
        events.ingest_body(session, None, body=gzip.compress(b" " * 100_000), gzipped=True)


def test_a_customers_events_are_theirs_and_no_one_elses(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    alice = make_customer(sqlite_kernel, bank.rm_xh, serial=1).id
    actor = customers.customer_actor(alice)
    result = _send(sqlite_kernel, [page_view(anonymous_id=None),
                                   page_view(customer_id=str(alice)),
                                   page_view(customer_id=str(uuid.uuid4()))], actor)
    assert result.accepted == 2
    assert [(r.index, r.code) for r in result.rejected] == [(2, "customer_mismatch")]
    events.flush(sqlite_kernel)
    owners = events.lake_events(sqlite_kernel, columns=["customer_id"])["customer_id"]
    assert owners.to_pylist() == [str(alice), str(alice)]


def test_the_platform_keeps_an_unknown_customer_as_anonymous(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    stranger = uuid.uuid4()
    with kernel.db.session() as session:
        result = events.ingest(session, SYSTEM, events=[
            page_view(anonymous_id=None, customer_id=str(alice)),
            page_view(anonymous_id=None, customer_id=str(stranger))])
    assert result.accepted == 2
    events.flush(kernel)
    rows = {(r["customer_id"], r["anonymous_id"]) for r in events.lake_events(kernel).to_pylist()}
    assert rows == {(str(alice), None), (None, str(stranger))}


class Transfer(Properties):
    amount: str


def test_a_type_added_to_the_registry_is_accepted_with_its_schema(
        sqlite_kernel: Kernel) -> None:
    registry = events.registry_of(sqlite_kernel).extended(
        EventType("wallet.topped_up", Transfer, Source.CLIENT, retention_days=30))
    events.use_registry(sqlite_kernel, registry)
    good = {**page_view(), "type": "wallet.topped_up", "properties": {"amount": "5.00"}}
    bad = {**page_view(), "type": "wallet.topped_up", "properties": {"amount": 5}}
    result = _send(sqlite_kernel, [good, bad])
    assert result.accepted == 1
    assert [r.code for r in result.rejected] == ["invalid_properties"]
    with pytest.raises(ValueError, match="registered twice"):
        registry.extended(EventType("page.viewed", Transfer))
