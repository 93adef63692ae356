"""The risk engine behind every caller: the core's money routes, sign-in, journeys' port and
POST /api/v1/risk/assess; rules refused at save time with where; lists; decisions stored and
audited; rules-only when no model loads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.identity import service as identity
from contactless.identity.models import Role, StaffUser
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from contactless.risk.models import RiskCase, RiskDecision
from tests.corebank.test_api import customer_headers, setup_two, staff_headers
from tests.factories.identity import PASSWORD
from tests.factories.journeys import last_code
from tests.identity.test_one_time_codes import after_cooldown

LARGE = {"field": "amount", "op": ">=", "value": 500}


def _analyst(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        identity.create_staff(session, SYSTEM, username="analyst", role=Role.RISK_ANALYST,
                              branch_code="HQ", password=PASSWORD)


def _rule(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/risk/rules", json=body, headers=headers)


def _transfer(client: TestClient, first: uuid.UUID, second: uuid.UUID, amount: str,
              key: str) -> Any:
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": amount, "currency": "CNY"}}
    return client.post("/api/v1/corebank/transfers", json=body,
                       headers=staff_headers(client, "rm.xh") | {"Idempotency-Key": key})


def _balance(kernel: Kernel, client: TestClient, customer: uuid.UUID, account: uuid.UUID) -> str:
    headers = customer_headers(kernel, customer)
    got = client.get(f"/api/v1/corebank/accounts/{account}", headers=headers).json()
    return str(got["balance"]["amount"])


def test_a_block_rule_stops_a_transfer_before_it_posts(kernel: Kernel,
                                                        client: TestClient) -> None:
    alice, _bob, first, second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    saved = _rule(client, analyst, key="large_transfer", condition=LARGE, action="block",
                  weight=0.0, status="live")
    assert saved.status_code == 201, saved.text
    small = _transfer(client, first, second, "100.00", "t-small")
    assert small.status_code == 201, small.text
    refused = _transfer(client, first, second, "600.00", "t-large")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "risk_blocked"
    again = _transfer(client, first, second, "600.00", "t-large")  # a replay: decided once
    assert again.json()["decision_id"] == refused.json()["decision_id"]
    assert _balance(kernel, client, alice, first) == "900.00"
    risk.flush(kernel)
    with kernel.db.session() as session:
        rows = session.scalars(select(RiskDecision).order_by(RiskDecision.at)).all()
        assert [row.outcome for row in rows] == ["approve", "block"]
        blocked = rows[1]
        assert blocked.rules == ["large_transfer@v1"]
        assert blocked.mode == "rules_only"
        assert "model_unavailable" in blocked.reasons
        assert blocked.features["amount"] == 600.0
        assert blocked.features["card_count_1d"] == 2
        assert blocked.contributions[0]["feature"] == "amount"
        assert blocked.contributions[0]["usual"] == 100.0  # the account's earlier mean
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "risk.decided"))
        assert audited == 2


def test_a_review_rule_holds_the_operation_and_opens_a_case(kernel: Kernel,
                                                             client: TestClient) -> None:
    alice, _bob, first, second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    assert _rule(client, analyst, key="new_payee_large", action="review", weight=0.0,
                 status="live", condition={"all": [LARGE, {"field": "new_payee", "op": "==",
                                                             "value": 1}]}).status_code == 201
    held = _transfer(client, first, second, "700.00", "t-held")
    assert held.status_code == 403
    assert held.json()["code"] == "risk_review_required"
    assert _balance(kernel, client, alice, first) == "1000.00"
    risk.flush(kernel)
    with kernel.db.session() as session:
        case = session.scalars(select(RiskCase)).one()
        assert str(case.decision_id) == held.json()["decision_id"]
        assert case.status == "open"


def test_a_rule_that_does_not_parse_is_refused_with_where(kernel: Kernel,
                                                           client: TestClient) -> None:
    setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    unknown = _rule(client, analyst, key="bad_rule", action="block", status="live",
                    condition={"any": [LARGE, {"field": "shoe_size", "op": ">", "value": 3}]})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "risk_rule_invalid"
    assert unknown.json()["where"] == "condition.any[1]"
    assert unknown.json()["feature"] == "shoe_size"
    wrong = _rule(client, analyst, key="bad_rule", action="block", status="live",
                  condition={"field": "amount", "op": "in", "value": 3})
    assert wrong.status_code == 422
    assert wrong.json()["where"] == "condition"
    assert client.get("/api/v1/risk/rules", headers=analyst).json() == []
    rm = staff_headers(client, "rm.xh")
    assert _rule(client, rm, key="x_rule", condition=LARGE).json()["code"] == "role_not_allowed"


def test_assess_for_other_systems_and_its_bad_input(kernel: Kernel, client: TestClient) -> None:
    alice, _bob, _first, _second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    body = {"kind": "transfer", "channel": "partner", "customer_id": str(alice),
            "amount": "120.50", "currency": "CNY", "payee": "shop:42"}
    answer = client.post("/api/v1/risk/assess", json=body, headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "approve"
    assert answer.json()["mode"] == "rules_only"
    cases = {
        "risk_unknown_operation": dict(body, kind="teleport"),
        "risk_invalid_operation": dict(body, amount="-5"),
    }
    for code, bad in cases.items():
        refused = client.post("/api/v1/risk/assess", json=bad, headers=analyst)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == code
    missing = client.post("/api/v1/risk/assess", headers=analyst, json={
        "kind": "transfer", "channel": "api", "amount": "1", "currency": "CNY"})
    assert missing.json()["code"] == "risk_invalid_operation"
    assert missing.json()["field"] == "customer_id"
    far = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    late = client.post("/api/v1/risk/assess", json=dict(body, at=far), headers=analyst)
    assert late.json()["code"] == "risk_invalid_operation"
    assert late.json()["field"] == "at"
    rm = client.post("/api/v1/risk/assess", json=body, headers=staff_headers(client, "rm.xh"))
    assert rm.json()["code"] == "role_not_allowed"


def test_a_blocked_customer_cannot_sign_in(kernel: Kernel, client: TestClient) -> None:
    alice, _bob, _first, _second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    listed = client.post("/api/v1/risk/lists", headers=analyst, json={
        "list": "block", "subject": "customer", "value": str(alice), "reason": "stolen phone",
        "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert listed.status_code == 201, listed.text
    mobile = "13800000001"  # setup_two's first customer
    sent = client.post("/api/v1/customer-auth/otp", json={"mobile": mobile})
    assert sent.status_code == 202
    code = last_code(kernel, mobile)
    refused = client.post("/api/v1/customer-auth/verify", json={"mobile": mobile, "code": code})
    assert refused.status_code == 403
    assert refused.json()["code"] == "risk_sign_in_refused"
    removed = client.delete(f"/api/v1/risk/lists/{listed.json()['id']}", headers=analyst)
    assert removed.status_code == 204
    risk.flush(kernel)
    with kernel.db.session() as session:
        decision = session.scalars(select(RiskDecision)
                                   .where(RiskDecision.kind == "sign_in")).one()
        assert decision.outcome == "block"
        assert decision.reasons == [
            "block_list:customer", "model_unavailable"]


def test_sign_in_and_transfers_are_decided_with_the_request_s_device(
        kernel: Kernel, client: TestClient) -> None:
    _alice, _bob, first, second = setup_two(kernel)
    mobile = "13800000001"  # setup_two's first customer
    for device in ("phone-a-0001", "phone-a-0001", "phone-b-0002"):
        after_cooldown(kernel, mobile)
        headers = {"X-Device-ID": device}
        assert client.post("/api/v1/customer-auth/otp", json={"mobile": mobile},
                           headers=headers).status_code == 202
        signed = client.post("/api/v1/customer-auth/verify", headers=headers,
                             json={"mobile": mobile, "code": last_code(kernel, mobile)})
        assert signed.status_code == 200, signed.text
    moved = _transfer(client, first, second, "10.00", "device-test-1")
    assert moved.status_code in (200, 201), moved.text
    risk.flush(kernel)
    with kernel.db.session() as session:
        decisions = session.scalars(select(RiskDecision).where(RiskDecision.kind == "sign_in")
                                    .order_by(RiskDecision.at)).all()
        transfer = session.scalars(select(RiskDecision)
                                   .where(RiskDecision.kind == "transfer")).one()
    devices = [decision.device for decision in decisions][-3:]
    assert devices[0] == devices[1] != devices[2]
    assert all(device and device.startswith("device:") for device in devices)
    assert [decision.features["new_device"] for decision in decisions][-3:] == [1.0, 0.0, 1.0]
    assert transfer.device is not None
    assert transfer.device.startswith("device:")


def test_assess_checks_the_tokens_signature_once_and_the_person_each_time(
        kernel: Kernel, client: TestClient, monkeypatch: Any) -> None:
    alice, _bob, _first, _second = setup_two(kernel)
    _analyst(kernel)
    analyst = staff_headers(client, "analyst")
    loads = kernel.signer.loads
    checked: list[str] = []

    def counted(token: str, **kwargs: Any) -> Any:
        checked.append(token)
        return loads(token, **kwargs)

    monkeypatch.setattr(kernel.signer, "loads", counted)
    body = {"kind": "transfer", "channel": "api", "customer_id": str(alice),
            "amount": "10.00", "currency": "CNY"}
    assert client.post("/api/v1/risk/assess", json=body, headers=analyst).status_code == 200
    assert len(checked) == 1
    forged = {"Authorization": analyst["Authorization"][:-2] + "xx"}
    assert client.post("/api/v1/risk/assess", json=body, headers=forged).status_code == 401
    with kernel.db.session() as session:  # the person is still read on every request
        user = session.scalars(select(StaffUser).where(StaffUser.username == "analyst")).one()
        identity.set_active(session, SYSTEM, staff_id=user.id, active=False)
    assert client.post("/api/v1/risk/assess", json=body, headers=analyst).status_code == 401
