"""Customers' consents: a partner asks, the customer answers in /m, the partner reads only
what was consented and only while the consent stands; revoking takes effect on the next call."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.customers import service as customers
from contactless.customers.web import customer_cookie
from contactless.partners import service as partners
from contactless.partners.errors import ConsentExpired
from contactless.partners.models import PartnerConsent
from contactless.platform.clock import now, travel_to
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from contactless.risk import manage as risk_lists
from contactless.risk import service as risk
from contactless.risk.models import RiskDecision
from contactless.web.deps import CUSTOMER_COOKIE, CUSTOMER_SESSION
from tests.factories.corebank import open_account
from tests.factories.identity import SmallBank, actor_of, make_customer, make_small_bank
from tests.factories.partners import CALLBACK, PartnerHttp, active_partner

ASK = {"scopes": ["accounts:read", "balances:read"], "duration_days": 90,
       "purpose": "缴纳学费前显示余额", "redirect_uri": CALLBACK, "state": "xyz-42"}


def _sign_in(kernel: Kernel, client: TestClient, customer_id: uuid.UUID) -> str:
    """The customer's /m session in the test client's cookies; returns its CSRF token."""
    with kernel.db.session() as session:
        cookie = customer_cookie(session, customers.customer_actor(customer_id))
    client.cookies.set(CUSTOMER_COOKIE, cookie)
    data = kernel.signer.loads(cookie, purpose=CUSTOMER_SESSION, max_age=60)
    return str(data["csrf"])


@pytest.fixture
def setting(kernel: Kernel, client: TestClient) -> tuple[PartnerHttp, uuid.UUID, uuid.UUID]:
    bank = make_small_bank(kernel)
    _partner, issued = active_partner(kernel, bank)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="1234.50").id
    return PartnerHttp(client, issued), alice, account


def test_a_partner_reads_a_balance_only_while_the_customer_consents(
        kernel: Kernel, client: TestClient,
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, alice, account = setting
    token = partner.token()
    asked = partner.call("POST", "/open/v1/consents", json_body=ASK, token=token)
    assert asked.status_code == 201, asked.text
    consent = asked.json()
    assert consent["status"] == "awaiting_customer"
    balances = f"/open/v1/balances?consent_id={consent['id']}"
    assert partner.call("GET", balances, token=token).json()["code"] == "consent_not_granted"

    # the customer follows the link, signs in, reads the request and agrees
    assert client.get(consent["authorize_url"]).status_code == 303
    csrf = _sign_in(kernel, client, alice)
    page = client.get(consent["authorize_url"])
    assert page.status_code == 200
    assert "仁心医院平台" in page.text
    assert "缴纳学费前显示余额" in page.text
    answered = client.post(consent["authorize_url"] + "/answer",
                           data={"decision": "approve", "csrf_token": csrf})
    assert answered.status_code == 303
    back = urlsplit(answered.headers["location"])
    assert back.scheme + "://" + back.netloc + back.path == CALLBACK
    assert parse_qs(back.query) == {"consent_id": [consent["id"]], "status": ["granted"],
                                    "state": ["xyz-42"]}

    read = partner.call("GET", balances, token=token)
    assert read.status_code == 200, read.text
    assert read.json()["items"] == [{"account_id": str(account), "number": read.json()[
        "items"][0]["number"], "currency": "CNY", "amount": "1234.50"}]
    assert "****" in read.json()["items"][0]["number"]
    listed = partner.call("GET", f"/open/v1/accounts?consent_id={consent['id']}", token=token)
    assert [a["id"] for a in listed.json()["items"]] == [str(account)]
    assert "balance" not in listed.text

    # listed in /m and revoked there: the very next call is refused
    mine = client.get("/m/partner-consents")
    assert consent["id"] in mine.text
    revoked = client.post(f"/m/partner-consents/{consent['id']}/revoke",
                          data={"csrf_token": csrf})
    assert revoked.status_code == 303
    refused = partner.call("GET", balances, token=token)
    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_revoked"
    assert partner.call("GET", f"/open/v1/consents/{consent['id']}",
                        token=token).json()["status"] == "revoked"


def _asked(kernel: Kernel, client: TestClient,
           setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]
           ) -> tuple[PartnerHttp, str, dict[str, Any], str]:
    """The partner, its token, a consent it asked for, and the customer's /m CSRF token."""
    partner, alice, _account = setting
    token = partner.token()
    consent = partner.call("POST", "/open/v1/consents", json_body=ASK, token=token).json()
    return partner, token, consent, _sign_in(kernel, client, alice)


def test_a_refused_consent_gives_nothing_and_cannot_be_answered_again(
        kernel: Kernel, client: TestClient,
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, token, consent, csrf = _asked(kernel, client, setting)
    answered = client.post(consent["authorize_url"] + "/answer",
                           data={"decision": "refuse", "csrf_token": csrf})
    assert parse_qs(urlsplit(answered.headers["location"]).query)["status"] == ["refused"]
    again = client.post(consent["authorize_url"] + "/answer",
                        data={"decision": "approve", "csrf_token": csrf})
    assert again.status_code == 409
    read = partner.call("GET", f"/open/v1/accounts?consent_id={consent['id']}", token=token)
    assert read.json()["code"] == "consent_not_granted"


def test_a_consent_covers_only_its_scopes_its_partner_and_its_time(
        kernel: Kernel, client: TestClient,
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, alice, _account = setting
    token = partner.token()
    only_accounts = ASK | {"scopes": ["accounts:read"]}
    consent = partner.call("POST", "/open/v1/consents", json_body=only_accounts,
                           token=token).json()
    with kernel.db.session() as session:
        partners.answer_consent(session, customers.customer_actor(alice),
                                consent_id=uuid.UUID(consent["id"]), approve=True)
    read = partner.call("GET", f"/open/v1/balances?consent_id={consent['id']}", token=token)
    assert read.status_code == 403
    assert read.json()["code"] == "consent_scope_missing"
    # another customer never sees it, and nobody reads past the expiry
    other = make_customer(kernel, _rm(kernel), serial=2).id
    with kernel.db.session() as session:
        assert partners.my_consents(session, customers.customer_actor(other)) == []
    caller = _caller(partner)
    later = now() + timedelta(days=91)
    with travel_to(later), kernel.db.session() as session, pytest.raises(ConsentExpired):
        partners.consented_customer(session, caller, consent_id=uuid.UUID(consent["id"]),
                                    scope="accounts:read")


def test_a_consent_request_beyond_the_rules_is_refused(
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, _alice, _account = setting
    token = partner.token()
    for change, status, code in (
            ({"duration_days": 181}, 422, "request_invalid"),
            ({"scopes": ["money:move"]}, 422, "invalid_consent_request"),
            ({"redirect_uri": "https://evil.example/cb"}, 403, "redirect_uri_not_registered"),
            ({"extra": "field"}, 422, "request_invalid")):
        answer = partner.call("POST", "/open/v1/consents", json_body=ASK | change, token=token)
        assert (answer.status_code, answer.json()["code"]) == (status, code), change


def _rm(kernel: Kernel) -> Actor:
    with kernel.db.session() as session:
        return actor_of(session, "rm.xh")


def _caller(partner: PartnerHttp) -> partners.PartnerCaller:
    """The caller a verified call would carry (for reads as of another moment)."""
    claims = jwt.decode(partner.token(), options={"verify_signature": False})
    return partners.PartnerCaller(partner.issued.client.client_id, uuid.UUID(claims["pid"]),
                                  "仁心医院平台", frozenset(claims["scope"].split()))


def test_a_retried_consent_request_gets_the_first_consent(
        kernel: Kernel, setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, _alice, _account = setting
    token = partner.token()
    first = partner.call("POST", "/open/v1/consents", json_body=ASK, token=token, key="k-1")
    again = partner.call("POST", "/open/v1/consents", json_body=ASK, token=token, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    other = partner.call("POST", "/open/v1/consents", json_body=ASK | {"duration_days": 30},
                         token=token, key="k-1")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_conflict")
    missing = partner.call("POST", "/open/v1/consents", json_body=ASK, token=token, key="")
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_required")
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PartnerConsent)) == 1


def test_another_partner_cannot_read_or_see_a_consent(
        kernel: Kernel, client: TestClient,
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, alice, _account = setting
    consent = partner.call("POST", "/open/v1/consents", json_body=ASK,
                           token=partner.token()).json()
    with kernel.db.session() as session:
        partners.answer_consent(session, customers.customer_actor(alice),
                                consent_id=uuid.UUID(consent["id"]), approve=True)
        checker = actor_of(session, "admin2")
    bank = make_small_bank_actors(kernel)
    _other_view, other_client = active_partner(kernel, bank, name="学而教育", checker=checker)
    other = PartnerHttp(client, other_client)
    token = other.token()
    for target in (f"/open/v1/consents/{consent['id']}",
                   f"/open/v1/balances?consent_id={consent['id']}",
                   f"/open/v1/accounts?consent_id={consent['id']}"):
        answer = other.call("GET", target, token=token)
        assert (answer.status_code, answer.json()["code"]) == (404, "consent_not_found"), target
    assert partner.call("GET", f"/open/v1/balances?consent_id={consent['id']}",
                        token=partner.token()).status_code == 200


def make_small_bank_actors(kernel: Kernel) -> SmallBank:
    """The small bank already made by the fixture, as actors."""
    with kernel.db.session() as session:
        return SmallBank(*(actor_of(session, name) for name in
                           ("admin", "auditor", "bm.hz", "rm.xh", "rm.bj", "rm.nb")))


def test_risk_control_decides_each_grant_and_read_and_a_listed_partner_is_stopped(
        kernel: Kernel, client: TestClient,
        setting: tuple[PartnerHttp, uuid.UUID, uuid.UUID]) -> None:
    partner, token, first, csrf = _asked(kernel, client, setting)
    assert client.post(first["authorize_url"] + "/answer",
                       data={"decision": "approve", "csrf_token": csrf}).status_code == 303
    balances = f"/open/v1/balances?consent_id={first['id']}"
    assert partner.call("GET", balances, token=token).status_code == 200
    second = partner.call("POST", "/open/v1/consents", json_body=ASK | {"state": "again"},
                          token=token).json()
    with kernel.db.session() as session:
        asked = session.get(PartnerConsent, uuid.UUID(first["id"]))
        assert asked is not None
        partner_id = str(asked.partner_id)
        risk_lists.add_entry(session, SYSTEM, which="block", subject="payee",
                             value=f"partner:{partner_id}", reason="partner under review",
                             expires_at=None)
    refused = partner.call("GET", balances, token=token)
    assert refused.status_code == 403
    assert refused.json()["code"] == "risk_blocked"
    page = client.post(second["authorize_url"] + "/answer",
                       data={"decision": "approve", "csrf_token": csrf})
    assert page.status_code == 403  # the request again, with why
    assert "安全" in page.text
    assert partner.call("GET", f"/open/v1/consents/{second['id']}",
                        token=token).json()["status"] == "awaiting_customer"
    risk.flush(kernel)
    with kernel.db.session() as session:
        decided = session.execute(select(RiskDecision.kind, RiskDecision.outcome,
                                         RiskDecision.channel, RiskDecision.payee)
                                  .order_by(RiskDecision.at)).all()
    assert [(kind, outcome) for kind, outcome, _, _ in decided] == [
        ("partner_consent_grant", "approve"), ("partner_data_read", "approve"),
        ("partner_data_read", "block"), ("partner_consent_grant", "block")]
    assert {payee for *_, payee in decided} == {f"partner:{partner_id}"}
    assert [channel for _, _, channel, _ in decided][1:3] == ["partner", "partner"]
