"""End to end: what the platform's domains do ends in the lake by itself, through the bus
(a scan on the lean path, a journey through the API, the books' postings, a message to the
assistant), and a sign-in links the device's earlier behaviour to the customer."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.corebank import service as corebank
from contactless.events import service as events
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.factories.assistant import say
from tests.factories.corebank import JOB, TELLER, open_account
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.journeys import deposit_maturing_in, last_code, make_banked_customer
from tests.factories.outreach import make_code
from tests.journeys.apiclient import App


@pytest.fixture
def api(sqlite_kernel: Kernel) -> Iterator[TestClient]:
    with TestClient(create_app(kernel=sqlite_kernel), base_url="http://testserver",
                    follow_redirects=False) as test_client:
        yield test_client


def lake_rows(kernel: Kernel, kind: str | None = None) -> list[dict[str, Any]]:
    events.flush(kernel)
    rows: list[dict[str, Any]] = events.lake_events(kernel).to_pylist()
    return [row for row in rows if kind is None or row["type"] == kind]


def props(row: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(str(row["properties"])))


def test_a_lean_path_scan_ends_in_the_lake_as_qr_scanned(kernel: Kernel,
                                                         client: TestClient) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", params={"product": "CD-1Y"})
    for _ in range(3):
        assert client.get(code.path).status_code == 303
    client.app.state.scan_buffer.flush()  # type: ignore[attr-defined]
    scans = lake_rows(kernel, "qr.scanned")
    assert len(scans) == 3
    assert {props(row)["code_id"] for row in scans} == {str(code.id)}
    assert all(row["anonymous_id"] and row["customer_id"] is None for row in scans)
    assert {props(row)["result"] for row in scans} == {"accepted"}


def test_a_journey_through_the_api_ends_in_the_lake_step_by_step(sqlite_kernel: Kernel,
                                                                 api: TestClient) -> None:
    banked = make_banked_customer(sqlite_kernel)
    deposit = deposit_maturing_in(sqlite_kernel, banked, days=25)
    app = App(api, sqlite_kernel, banked.mobile)
    journey = app.started("deposit_renewal", params={"deposit_id": str(deposit.id)})
    app.step(journey["id"], "deposit", {"deposit_id": str(deposit.id)})
    app.step(journey["id"], "plan", {"option": "renew_principal", "term": deposit.term})
    app.step(journey["id"], "confirm")
    mine = [row for row in lake_rows(sqlite_kernel) if row["type"].startswith("journey.")]
    assert [row["type"] for row in sorted(mine, key=lambda r: r["occurred_at"])] == [
        "journey.started", "journey.step_completed", "journey.step_completed",
        "journey.step_completed", "journey.completed"]
    assert {row["customer_id"] for row in mine} == {str(banked.customer.id)}
    assert {props(row)["journey_id"] for row in mine} == {journey["id"]}


def test_the_books_postings_each_name_their_customer(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="1000.00").id
    money = Money.of("10.00", "CNY")
    with kernel.db.session() as session:
        corebank.deposit_cash(session, TELLER, idempotency_key=str(uuid.uuid4()),
                              account_id=account, amount=money)
        corebank.withdraw_cash(session, TELLER, idempotency_key=str(uuid.uuid4()),
                               account_id=account, amount=money)
        corebank.card_payment(session, JOB, idempotency_key=str(uuid.uuid4()),
                              account_id=account, amount=money, merchant="咖啡店")
        corebank.receive_inbound_transfer(
            session, JOB, idempotency_key=str(uuid.uuid4()), target_account_id=account,
            amount=Money.of("500.00", "CNY"), bank_code="ICBC", external_account="6222000011")
        corebank.send_outbound_transfer(
            session, TELLER, idempotency_key=str(uuid.uuid4()), source_account_id=account,
            bank_code="CMB", external_account="6214000022", amount=Money.of("20.00", "CNY"))
    posted = lake_rows(kernel, "transaction.posted")
    seen = {props(row)["operation"]: (row["customer_id"], props(row)["direction"],
                                      props(row)["counterparty"]) for row in posted}
    who = str(alice)
    assert {k: v for k, v in seen.items() if k != "deposit_placed"} == {
        "cash_deposited": (who, "in", "cash"), "cash_withdrawn": (who, "out", "cash"),
        "card_payment": (who, "out", "card"), "inbound_transfer": (who, "in", "other_bank"),
        "outbound_sent": (who, "out", "other_bank")}
    outbound = next(row for row in posted if props(row)["operation"] == "outbound_sent")
    assert props(outbound)["amount"] == "20.00"
    assert props(outbound)["bank_code"] == "CMB"


def test_a_message_to_the_assistant_is_kept_without_its_text(sqlite_kernel: Kernel) -> None:
    result = say(sqlite_kernel, None, "你们的营业时间是几点？")
    [row] = lake_rows(sqlite_kernel, "assistant.message")
    assert props(row)["conversation_id"] == str(result.conversation.id)
    assert row["anonymous_id"] == f"conversation-{result.conversation.id}"
    assert "营业" not in str(row["properties"])


def test_signing_in_on_m_links_the_device_and_queries_resolve_its_past(
        sqlite_kernel: Kernel, api: TestClient) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    mobile = "13800000003"
    customer = make_customer(kernel, bank.rm_xh, serial=3, mobile=mobile)
    code = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", params={"product": "CD-1Y"})
    assert api.get(code.path).status_code == 303  # an anonymous scan sets the device cookie
    api.app.state.scan_buffer.flush()  # type: ignore[attr-defined]
    device = api.cookies["cl_dev"]
    [scan] = lake_rows(kernel, "qr.scanned")
    assert (scan["customer_id"], scan["anonymous_id"]) == (None, device)
    page = api.get("/m/login?next=/m")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    api.post("/m/login", data={"csrf_token": csrf.group(1), "mobile": mobile,
                               "next": "/m"})
    done = api.post("/m/verify", data={"csrf_token": csrf.group(1), "mobile": mobile,
                                       "code": last_code(kernel, mobile), "next": "/m"})
    assert done.status_code == 303
    with kernel.db.session() as session:
        assert events.customer_of_anonymous(session, anonymous_id=device) == customer.id
        with events.lake_connection(session) as connection:
            resolved = connection.execute(
                "SELECT customer_id FROM resolved_events WHERE type = 'qr.scanned'").fetchall()
    assert resolved == [(str(customer.id),)]
    # the file was not rewritten: the lake itself still says anonymous
    [again] = lake_rows(kernel, "qr.scanned")
    assert again["customer_id"] is None


def test_a_device_keeps_its_first_customer(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    first = make_customer(sqlite_kernel, bank.rm_xh, serial=4).id
    second = make_customer(sqlite_kernel, bank.rm_xh, serial=5).id
    with sqlite_kernel.db.session() as session:
        events.link_anonymous(session, links=[("shared-tablet", str(first), utcnow())])
    with sqlite_kernel.db.session() as session:
        events.link_anonymous(session, links=[("shared-tablet", str(second), utcnow())])
    with sqlite_kernel.db.session() as session:
        assert events.customer_of_anonymous(session, anonymous_id="shared-tablet") == first
