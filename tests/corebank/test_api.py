"""The core-banking API as a mobile app and the console use it."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.platform.kernel import Kernel
from tests.factories.corebank import open_account
from tests.factories.identity import PASSWORD, make_customer, make_small_bank


def customer_headers(kernel: Kernel, customer_id: uuid.UUID, key: str | None = None,
                     ) -> dict[str, str]:
    with kernel.db.session() as session:
        actor = customers.customer_actor(customer_id)
        token = identity.issue_access_token(session, actor, version=0)
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def staff_headers(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def setup_two(kernel: Kernel) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    bob = make_customer(kernel, bank.rm_nb, serial=2).id
    with kernel.db.session() as session:
        first = open_account(session, alice, funds="1000.00").id
        second = open_account(session, bob).id
    return alice, bob, first, second


def test_a_transfer_replayed_with_its_key_posts_once(kernel: Kernel, client: TestClient) -> None:
    alice, _bob, first, second = setup_two(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": "100.00", "currency": "CNY"}, "memo": "rent"}
    headers = staff_headers(client, "rm.xh") | {"Idempotency-Key": "t-1"}
    one = client.post("/api/v1/corebank/transfers", json=body, headers=headers)
    two = client.post("/api/v1/corebank/transfers", json=body, headers=headers)
    assert one.status_code == 201, one.text
    assert one.json() == two.json()
    headers = customer_headers(kernel, alice)
    account = client.get(f"/api/v1/corebank/accounts/{first}", headers=headers).json()
    assert account["balance"] == {"amount": "900.00", "currency": "CNY"}
    history = client.get(f"/api/v1/corebank/accounts/{first}/history", headers=headers).json()
    assert history["items"][0]["balance_after"]["amount"] == "900.00"
    other = dict(body, memo="changed")
    reused = client.post("/api/v1/corebank/transfers", json=other,
                         headers=staff_headers(client, "rm.xh") | {"Idempotency-Key": "t-1"})
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


def test_money_requests_need_a_key_and_exact_amounts(kernel: Kernel, client: TestClient) -> None:
    alice, _bob, first, second = setup_two(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": "1.005"}}
    as_rm = staff_headers(client, "rm.xh")
    no_key = client.post("/api/v1/corebank/transfers", json=body, headers=as_rm)
    assert no_key.status_code == 400
    assert no_key.json()["code"] == "idempotency_key_required"
    cases = [({"amount": "1.005"}, "too_many_decimals"), ({"amount": 1.5}, "request_invalid"),
             ({"amount": "-5"}, "invalid_amount"), ({"amount": "5", "currency": "XYZ"},
                                                    "unknown_currency"),
             ({"amount": "5000.00"}, "insufficient_funds")]
    for number, (amount, code) in enumerate(cases):
        response = client.post("/api/v1/corebank/transfers",
                               json=dict(body, amount=amount),
                               headers=as_rm | {"Idempotency-Key": f"bad-{number}"})
        assert response.json()["code"] == code, (amount, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    balance = client.get(f"/api/v1/corebank/accounts/{first}",
                         headers=customer_headers(kernel, alice)).json()["balance"]
    assert balance["amount"] == "1000.00"


def test_customers_and_staff_see_only_what_they_may(kernel: Kernel, client: TestClient) -> None:
    alice, bob, first, _second = setup_two(kernel)
    as_bob = customer_headers(kernel, bob)
    assert client.get(f"/api/v1/corebank/accounts/{first}", headers=as_bob).json()["code"] == (
        "not_your_account")
    mine = client.get("/api/v1/corebank/accounts", headers=customer_headers(kernel, alice)).json()
    assert [a["id"] for a in mine] == [str(first)]
    as_rm = staff_headers(client, "rm.xh")
    assert client.get("/api/v1/corebank/accounts", params={"customer_id": str(alice)},
                      headers=as_rm).status_code == 200
    outside = client.get("/api/v1/corebank/accounts", params={"customer_id": str(bob)},
                         headers=as_rm)
    assert outside.status_code == 403
    assert client.get("/api/v1/corebank/trial-balance", headers=as_rm).status_code == 403
    books = client.get("/api/v1/corebank/trial-balance",
                       headers=staff_headers(client, "auditor")).json()
    assert books["balanced"] is True


def test_staff_cannot_move_money_of_customers_outside_their_scope(kernel: Kernel,
                                                                  client: TestClient) -> None:
    _alice, _bob, first, second = setup_two(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": "10.00"}}
    outside = client.post("/api/v1/corebank/transfers", json=body,
                          headers=staff_headers(client, "rm.nb") | {"Idempotency-Key": "s-1"})
    assert outside.status_code == 403
    assert outside.json()["code"] == "not_your_account"
    inside = client.post("/api/v1/corebank/transfers", json=body,
                         headers=staff_headers(client, "bm.hz") | {"Idempotency-Key": "s-2"})
    assert inside.status_code == 201


def test_staff_withdraw_part_of_a_deposit_and_close_a_class2_account(
        kernel: Kernel, client: TestClient) -> None:
    alice, _bob, first, _second = setup_two(kernel)
    as_rm = staff_headers(client, "rm.xh")
    deposit = client.post("/api/v1/corebank/deposits", headers=as_rm | {"Idempotency-Key": "d"},
                          json={"source_account_id": str(first), "product": "time",
                                "term": "1y", "amount": {"amount": "600.00"}}).json()
    url = f"/api/v1/corebank/deposits/{deposit['id']}/partial-withdrawal"
    part = client.post(url, json={"amount": {"amount": "100.00"}},
                       headers=as_rm | {"Idempotency-Key": "part"})
    assert part.status_code == 200, part.text
    assert part.json()["remaining_principal"]["amount"] == "500.00"
    again = client.post(url, json={"amount": {"amount": "100.00"}},
                        headers=as_rm | {"Idempotency-Key": "part-2"})
    assert (again.status_code, again.json()["code"]) == (409, "partial_withdrawal_used")
    by_customer = client.post(url, json={"amount": {"amount": "1.00"}},
                              headers=customer_headers(kernel, alice, key="mine"))
    assert by_customer.status_code == 403
    second = client.post("/api/v1/corebank/accounts", headers=as_rm | {"Idempotency-Key": "c2"},
                         json={"customer_id": str(alice), "account_class": 2,
                               "bound_account_id": str(first)}).json()
    held = client.post(f"/api/v1/corebank/accounts/{second['id']}/closure", json={},
                       headers=as_rm | {"Idempotency-Key": "close"})
    # staff close with four eyes: the RM's closing waits for the branch manager
    assert (held.status_code, held.json()["code"]) == (403, "four_eyes_required"), held.text
    approval = held.json()["approval_id"]
    closed = client.post(f"/api/v1/approvals/{approval}/approve",
                         headers=staff_headers(client, "bm.hz"))
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "approved"
    account = client.get(f"/api/v1/corebank/accounts/{second['id']}", headers=as_rm).json()
    assert account["status"] == "closed"
    linked = client.post(f"/api/v1/corebank/accounts/{first}/closure", json={},
                         headers=as_rm | {"Idempotency-Key": "close-1"})
    assert (linked.status_code, linked.json()["code"]) == (409, "account_has_linked_products")
    month = client.get(f"/api/v1/corebank/accounts/{first}/history?month=2025-13",
                       headers=customer_headers(kernel, alice))
    assert month.json()["code"] == "invalid_month"
