"""A review decision opens a case; the analyst assigns it, notes it and marks it fraud, which
labels the decision and freezes the account through the core."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from contactless.risk.models import RiskDecision
from tests.corebank.test_api import customer_headers, setup_two, staff_headers
from tests.risk.test_engine import LARGE, _analyst, _rule, _transfer


def test_an_analyst_works_a_case_to_a_fraud_verdict_and_a_freeze(kernel: Kernel,
                                                                 client: TestClient) -> None:
    alice, _bob, first, second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    assert _rule(client, analyst, key="large_review", condition=LARGE, action="review",
                 status="live").status_code == 201
    _transfer(client, first, second, "50.00", "t-ok")
    held = _transfer(client, first, second, "800.00", "t-review")
    assert held.json()["code"] == "risk_review_required"
    risk.flush(kernel)  # what the recorder's thread does within 0.2 s
    listed = client.get("/api/v1/risk/cases", headers=analyst)
    assert listed.status_code == 200, listed.text
    queue = listed.json()
    assert [case["decision_id"] for case in queue] == [held.json()["decision_id"]]
    case_id = queue[0]["id"]
    assigned = client.post(f"/api/v1/risk/cases/{case_id}/assignment", json={},
                           headers=analyst).json()
    assert assigned["status"] == "assigned"
    noted = client.post(f"/api/v1/risk/cases/{case_id}/notes", headers=analyst,
                        json={"text": "customer says the phone was stolen"}).json()
    assert noted["notes"][0]["text"] == "customer says the phone was stolen"
    assert [item["amount"] for item in noted["recent"]] == ["800.00", "50.00"]
    assert noted["decision"]["contributions"][0]["feature"] == "amount"
    closed = client.post(f"/api/v1/risk/cases/{case_id}/verdict", headers=analyst | {
        "Idempotency-Key": "v-1"}, json={"verdict": "fraud", "freeze_account_id": str(first)})
    assert closed.status_code == 200, closed.text
    assert closed.json()["frozen_account_id"] == str(first)
    account = client.get(f"/api/v1/corebank/accounts/{first}",
                         headers=customer_headers(kernel, alice)).json()
    assert account["status"] == "frozen"
    again = client.post(f"/api/v1/risk/cases/{case_id}/verdict", headers=analyst | {
        "Idempotency-Key": "v-2"}, json={"verdict": "not_fraud"})
    assert again.status_code == 409
    assert again.json()["code"] == "risk_case_closed"
    with kernel.db.session() as session:
        decision = session.get(RiskDecision, uuid.UUID(held.json()["decision_id"]))
        assert decision is not None
        assert decision.label == "fraud"
    risk.flush(kernel)
    backtest = client.post("/api/v1/risk/backtests", headers=analyst,
                           json={"condition": LARGE}).json()
    assert backtest["decisions"] == 2
    assert backtest["fired"] == 1
    assert backtest["precision"] == 1.0
    assert backtest["by_outcome"] == {"review": 1}
