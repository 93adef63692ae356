"""Amounts in other currencies are decided in CNY at the reference rate analysts set: the
same rule on amount stops 1,000 dollars once a rate says what they are worth, a rate takes
effect from its day, and bad rates are refused; without a rate the decision says it used
the number as it is."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.platform.audit import AuditEntry
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import rates
from contactless.risk import service as risk
from contactless.risk.errors import InvalidReferenceRate
from contactless.risk.models import RiskDecision
from tests.corebank.test_api import setup_two, staff_headers
from tests.risk.test_engine import _analyst, _rule


def _assess(client: TestClient, headers: dict[str, str], customer: Any, amount: str,
            currency: str) -> Any:
    answer = client.post("/api/v1/risk/assess", headers=headers, json={
        "kind": "transfer", "channel": "api", "customer_id": str(customer), "amount": amount,
        "currency": currency, "payee": "shop:7"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _features(kernel: Kernel, decision_id: str) -> dict[str, Any]:
    risk.flush(kernel)
    with kernel.db.session() as session:
        row = session.scalars(select(RiskDecision).where(
            RiskDecision.id == uuid.UUID(decision_id))).one()
        return dict(row.features)


def test_a_rule_on_amount_reads_other_currencies_at_the_reference_rate(
        kernel: Kernel, client: TestClient) -> None:
    alice, _bob, _first, _second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    assert _rule(client, analyst, key="large_in_cny", action="block", weight=0.0,
                 status="live", condition={"field": "amount", "op": ">=", "value": 5000}
                 ).status_code == 201
    unconverted = _assess(client, analyst, alice, "1000.00", "USD")
    assert unconverted["outcome"] == "approve"
    seen = _features(kernel, unconverted["decision_id"])
    assert (seen["amount"], seen["amount_converted"], seen["reference_rate"]) == (
        1000.0, 0.0, None)
    with kernel.db.session() as session:
        rates.set_rate(session, SYSTEM, currency="usd", rate="7.1")
        rates.set_rate(session, SYSTEM, currency="EUR", rate="7.9",
                       effective_from=bank_today(kernel.settings) + timedelta(days=1))
    converted = _assess(client, analyst, alice, "1000.00", "USD")
    assert converted["outcome"] == "block"
    seen = _features(kernel, converted["decision_id"])
    assert (seen["amount"], seen["amount_converted"], seen["reference_rate"]) == (
        7100.0, 1.0, "7.1")
    # a rate from tomorrow does not apply today; CNY needs none
    assert _assess(client, analyst, alice, "1000.00", "EUR")["outcome"] == "approve"
    assert _assess(client, analyst, alice, "4000.00", "CNY")["outcome"] == "approve"
    with kernel.db.session() as session:
        listed = rates.list_rates(session, SYSTEM)
        audited = session.scalars(select(AuditEntry.target_id).where(
            AuditEntry.action == "risk.reference_rate_set")).all()
    assert [(v.currency, v.rate) for v in listed] == [("EUR", Decimal("7.9")),
                                                      ("USD", Decimal("7.1"))]
    assert sorted(audited) == sorted(f"{v.currency}:{v.effective_from}" for v in listed)


@pytest.mark.parametrize(("currency", "rate"), [
    ("CNY", "1"), ("US", "7.1"), ("U$D", "7.1"), ("USD", "0"), ("USD", "-7"),
    ("USD", "7.123456789"), ("USD", "abc"), ("USD", "NaN"), ("USD", "1e9")])
def test_a_rate_that_cannot_be_used_is_refused(sqlite_kernel: Kernel, currency: str,
                                               rate: str) -> None:
    with sqlite_kernel.db.session() as session, pytest.raises(InvalidReferenceRate):
        rates.set_rate(session, SYSTEM, currency=currency, rate=rate)
    with sqlite_kernel.db.session() as session:
        assert rates.list_rates(session, SYSTEM) == []


def test_rates_are_set_and_read_over_the_api_by_who_may(kernel: Kernel,
                                                       client: TestClient) -> None:
    setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    today = bank_today(kernel.settings)
    tomorrow = (today + timedelta(days=1)).isoformat()
    put = client.put("/api/v1/risk/reference-rates/usd", headers=analyst,
                     json={"rate": "7.1234"})
    assert put.status_code == 200, put.text
    assert put.json()["currency"] == "USD"
    assert put.json()["rate"] == "7.1234"
    assert client.put("/api/v1/risk/reference-rates/HKD", headers=analyst, json={
        "rate": "0.91", "effective_from": tomorrow}).status_code == 200
    bad = client.put("/api/v1/risk/reference-rates/CNY", headers=analyst, json={"rate": "1"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "risk_invalid_reference_rate"
    listed = client.get("/api/v1/risk/reference-rates", headers=analyst).json()
    assert [(r["currency"], r["rate"], r["effective_from"]) for r in listed] == [
        ("HKD", "0.91", tomorrow), ("USD", "7.1234", today.isoformat())]
    rm = client.put("/api/v1/risk/reference-rates/EUR", headers=staff_headers(client, "rm.xh"),
                    json={"rate": "7.9"})
    assert rm.status_code == 403
