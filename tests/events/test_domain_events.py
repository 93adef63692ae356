"""The platform's own events flow in from the bus after commit, with no caller doing
anything: a transfer becomes ``transaction.posted``, a journey's step its event; a
redelivered outbox event is stored once; a scan maps to ``qr.scanned``."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from contactless.corebank import service as corebank
from contactless.events import service as events
from contactless.events.domain import on_domain_event
from contactless.outreach.service.scanning import SCANNED, scanned_payload
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent, OutboxEvent, publish
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.factories.corebank import TELLER, open_account
from tests.factories.identity import make_customer, make_small_bank


def _lake(kernel: Kernel) -> list[dict[str, object]]:
    events.flush(kernel)
    return events.lake_events(kernel).to_pylist()  # type: ignore[no-any-return]


def test_a_transfer_becomes_a_transaction_posted_event_of_its_customer(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        source = open_account(session, alice, funds="100.00").id
        target = open_account(session, alice).id
    with kernel.db.session() as session:
        corebank.transfer(session, TELLER, idempotency_key=str(uuid.uuid4()),
                          source_account_id=source, target_account_id=target,
                          amount=Money.of("12.50", "CNY"))
    posted = [row for row in _lake(kernel) if row["type"] == "transaction.posted"
              and "transfer_completed" in str(row["properties"])]
    assert len(posted) == 1
    assert posted[0]["customer_id"] == str(alice)
    assert posted[0]["channel"] == "platform"
    assert json.loads(str(posted[0]["properties"])) == {
        "operation": "transfer_completed", "amount": "12.50", "currency": "CNY",
        "direction": "out", "counterparty": "internal", "bank_code": None}


def test_a_journey_event_is_kept_and_a_redelivery_is_stored_once(
        sqlite_kernel: Kernel) -> None:
    journey_id, prospect_id = uuid.uuid4(), uuid.uuid4()
    with sqlite_kernel.db.session() as session:
        publish(session, "journey.step_completed", {
            "journey_id": str(journey_id), "journey_key": "open_class2_account",
            "journey_version": 1, "customer_id": None, "prospect_id": str(prospect_id),
            "qr_code_id": None, "channel": "qr", "campaign_id": None,
            "at": utcnow().isoformat(), "step": "identity"})
    with sqlite_kernel.db.session() as session:
        outbox = session.scalar(select(OutboxEvent).where(
            OutboxEvent.topic == "journey.step_completed"))
        assert outbox is not None
        assert outbox.delivered_at is not None
        outbox.delivered_at = None  # as if the mark had been lost: delivered again
        outbox_id = outbox.id
    assert sqlite_kernel.bus.deliver([outbox_id]) == 1
    rows = _lake(sqlite_kernel)
    assert [(r["type"], r["event_id"], r["anonymous_id"]) for r in rows] == [
        ("journey.step_completed", str(outbox_id), str(prospect_id))]
    assert json.loads(str(rows[0]["properties"]))["step"] == "identity"


def test_a_scan_maps_to_qr_scanned(sqlite_kernel: Kernel) -> None:
    scan_id, code_id = uuid.uuid4(), uuid.uuid4()
    event = DomainEvent(uuid.uuid4(), SCANNED, scanned_payload(
        scan_id=scan_id, code_id=code_id, channel="poster", result="accepted", reason=None,
        customer_id=None, device_id="device-123", scanned_at=utcnow()), utcnow())
    with sqlite_kernel.db.session() as session:
        on_domain_event(session, event)
    [row] = _lake(sqlite_kernel)
    assert (row["type"], row["anonymous_id"]) == ("qr.scanned", "device-123")
    assert json.loads(str(row["properties"]))["code_id"] == str(code_id)
