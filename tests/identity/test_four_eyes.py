"""Four eyes (双人复核): what one person may not do alone waits for a second, never the maker."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.identity.models import ApprovalRequest
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import staff_headers
from tests.factories.corebank import open_account
from tests.factories.identity import make_customer, make_small_bank


def _headers(client: TestClient, username: str, key: str | None = None) -> dict[str, str]:
    headers = staff_headers(client, username)
    return headers | {"Idempotency-Key": key} if key else headers


def _held(response: Any) -> dict[str, Any]:
    """A request four eyes held: refused to its maker alone (403), its pending item kept."""
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "four_eyes_required"
    assert body["approval_id"] == body["approval"]["id"]
    return dict(body["approval"])


def _loan_body(customer: uuid.UUID, account: uuid.UUID, rate: str = "0.0435") -> dict[str, Any]:
    return {"customer_id": str(customer), "demand_account_id": str(account),
            "principal": {"amount": "50000.00", "currency": "CNY"}, "annual_rate": rate,
            "term_months": 12, "method": "equal_instalment"}


def _balance(client: TestClient, account: uuid.UUID) -> str:
    found = client.get(f"/api/v1/corebank/accounts/{account}",
                       headers=_headers(client, "bm.hz")).json()
    return str(found["balance"]["amount"])


def _audit_count(kernel: Kernel, action: str) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == action)) or 0)


def _bank(kernel: Kernel) -> tuple[uuid.UUID, uuid.UUID]:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="100.00").id
    return alice, account


def test_an_rm_books_a_loan_but_only_their_branch_manager_pays_it_out(
        kernel: Kernel, client: TestClient) -> None:
    alice, account = _bank(kernel)
    refused = client.post("/api/v1/corebank/loans", json=_loan_body(alice, account),
                          headers=_headers(client, "auditor", "l-0"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_not_allowed"

    booked = client.post("/api/v1/corebank/loans", json=_loan_body(alice, account),
                         headers=_headers(client, "rm.xh", "l-1"))
    assert booked.status_code == 201, booked.text
    loan_id = booked.json()["id"]

    held = client.post(f"/api/v1/corebank/loans/{loan_id}/disbursement",
                       headers=_headers(client, "rm.xh", "d-1"))
    assert held.status_code == 403, held.text
    pending = _held(held)
    assert (pending["status"], pending["operation"], pending["reason"]) == (
        "pending", "loan.disburse", "not_the_maker")
    assert _balance(client, account) == "100.00"
    again = client.post(f"/api/v1/corebank/loans/{loan_id}/disbursement",
                        headers=_headers(client, "rm.xh", "d-1"))
    assert _held(again)["id"] == pending["id"]
    # asked again with a new key while it waits: the same item, not a second one to decide
    twice = client.post(f"/api/v1/corebank/loans/{loan_id}/disbursement",
                        headers=_headers(client, "rm.xh", "d-2"))
    assert (twice.status_code, _held(twice)["id"]) == (403, pending["id"])

    own = client.post(f"/api/v1/approvals/{pending['id']}/approve",
                      headers=_headers(client, "rm.xh"))
    assert own.status_code == 403
    assert own.json()["code"] == "role_not_allowed"
    assert _balance(client, account) == "100.00"

    listed = client.get("/api/v1/approvals", headers=_headers(client, "bm.hz")).json()
    assert [item["id"] for item in listed] == [pending["id"]]
    outside = client.get("/api/v1/approvals", headers=_headers(client, "rm.nb")).json()
    assert outside == []

    approved = client.post(f"/api/v1/approvals/{pending['id']}/approve",
                           headers=_headers(client, "bm.hz"), json={"note": "ok"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["result"]["status"] == "active"
    assert _balance(client, account) == "50100.00"
    replay = client.post(f"/api/v1/approvals/{pending['id']}/approve",
                         headers=_headers(client, "bm.hz"))
    assert replay.status_code == 200
    assert _balance(client, account) == "50100.00"
    late = client.post(f"/api/v1/approvals/{pending['id']}/refuse",
                       headers=_headers(client, "bm.hz"))
    assert late.status_code == 409
    assert late.json()["code"] == "approval_decided"
    assert _audit_count(kernel, "approval.requested") == 1
    assert _audit_count(kernel, "approval.approved") == 1
    assert _audit_count(kernel, "corebank.disburse_loan") == 1
    with kernel.db.session() as session:
        assert corebank.verify_books(session).ok


def test_a_branch_manager_pays_out_an_rms_loan_directly_but_never_their_own(
        kernel: Kernel, client: TestClient) -> None:
    alice, account = _bank(kernel)
    by_rm = client.post("/api/v1/corebank/loans", json=_loan_body(alice, account),
                        headers=_headers(client, "rm.xh", "l-1")).json()
    paid = client.post(f"/api/v1/corebank/loans/{by_rm['id']}/disbursement",
                       headers=_headers(client, "bm.hz", "d-1"))
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "active"

    by_manager = client.post("/api/v1/corebank/loans", json=_loan_body(alice, account),
                             headers=_headers(client, "bm.hz", "l-2")).json()
    held = client.post(f"/api/v1/corebank/loans/{by_manager['id']}/disbursement",
                       headers=_headers(client, "bm.hz", "d-2"))
    assert held.status_code == 403
    assert _held(held)["reason"] == "not_the_maker"
    assert _balance(client, account) == "50100.00"


def test_a_rate_outside_the_product_range_waits_and_is_booked_by_the_approver(
        kernel: Kernel, client: TestClient) -> None:
    alice, account = _bank(kernel)
    held = client.post("/api/v1/corebank/loans", json=_loan_body(alice, account, rate="0"),
                       headers=_headers(client, "rm.xh", "l-1"))
    assert held.status_code == 403, held.text
    assert _held(held)["reason"] == "outside_range"
    with kernel.db.session() as session:
        assert corebank.loans_of_customer(session, SYSTEM, customer_id=alice) == []
    approved = client.post(f"/api/v1/approvals/{_held(held)['id']}/approve",
                           headers=_headers(client, "bm.hz")).json()
    loan_id = approved["result"]["loan_id"]
    # the approver booked it for the RM: the RM is still its maker, the approver may pay out
    paid = client.post(f"/api/v1/corebank/loans/{loan_id}/disbursement",
                       headers=_headers(client, "bm.hz", "d-1"))
    assert paid.status_code == 200, paid.text


def test_unfreezing_and_large_transfers_need_a_second_person(kernel: Kernel,
                                                             client: TestClient) -> None:
    alice, account = _bank(kernel)
    with kernel.db.session() as session:
        other = open_account(session, alice, funds="0.00").id
        rich = open_account(session, alice, funds="90000.00").id
    frozen = client.post(f"/api/v1/corebank/accounts/{account}/freeze", json={"reason": "fraud"},
                         headers=_headers(client, "bm.hz", "f-1"))
    assert frozen.status_code == 200, frozen.text
    assert frozen.json()["status"] == "frozen"
    held = client.post(f"/api/v1/corebank/accounts/{account}/unfreeze",
                       headers=_headers(client, "bm.hz", "u-1"))
    assert held.status_code == 403
    assert _held(held)["reason"] == "always"
    own = client.post(f"/api/v1/approvals/{_held(held)['id']}/approve",
                      headers=_headers(client, "bm.hz"))
    assert own.status_code == 403
    assert own.json()["code"] == "four_eyes_required"
    state = client.get(f"/api/v1/corebank/accounts/{account}",
                       headers=_headers(client, "bm.hz")).json()
    assert state["status"] == "frozen"

    body = {"source_account_id": str(rich), "target_account_id": str(other),
            "amount": {"amount": "60000.00"}}
    big = client.post("/api/v1/corebank/transfers", json=body,
                      headers=_headers(client, "rm.xh", "t-1"))
    assert big.status_code == 403
    assert _held(big)["reason"] == "above_limit"
    assert _balance(client, rich) == "90000.00"
    small = client.post("/api/v1/corebank/transfers", json=dict(body, amount={"amount": "10"}),
                        headers=_headers(client, "rm.xh", "t-2"))
    assert small.status_code == 201
    refused = client.post(f"/api/v1/approvals/{_held(big)['id']}/refuse",
                          headers=_headers(client, "bm.hz"), json={"note": "call the customer"})
    assert refused.json()["status"] == "refused"
    assert _balance(client, rich) == "89990.00"
    assert _audit_count(kernel, "approval.refused") == 1
    with kernel.db.session() as session:
        statuses = sorted(session.scalars(select(ApprovalRequest.status)))
    assert statuses == ["pending", "refused"]


def test_a_returned_outbound_transfer_is_credited_only_after_a_second_person(
        kernel: Kernel, client: TestClient) -> None:
    alice, account = _bank(kernel)
    sent = client.post("/api/v1/corebank/outbound-transfers", headers=_headers(
        client, "rm.xh", "o-1"), json={"source_account_id": str(account), "bank_code": "ICBC",
                                       "external_account": "6222020000000001",
                                       "amount": {"amount": "60.00"}})
    assert sent.status_code == 201, sent.text
    assert _balance(client, account) == "40.00"
    held = client.post(f"/api/v1/corebank/outbound-transfers/{sent.json()['id']}/return",
                       headers=_headers(client, "rm.xh", "r-1"), json={"reason": "closed"})
    assert held.status_code == 403
    assert _balance(client, account) == "40.00"
    bj = client.post(f"/api/v1/approvals/{_held(held)['id']}/approve",
                     headers=_headers(client, "rm.bj"))
    assert bj.status_code == 403
    done = client.post(f"/api/v1/approvals/{_held(held)['id']}/approve",
                       headers=_headers(client, "bm.hz"))
    assert done.status_code == 200, done.text
    assert done.json()["result"]["status"] == "returned"
    assert _balance(client, account) == "100.00"
