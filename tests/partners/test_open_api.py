"""The open API's front door: a signed request, an OAuth client-credentials token limited to
the client's scopes, and a stable problem+json code for each way a call can be wrong."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from contactless.partners import service as partners
from contactless.partners.errors import TokenExpired
from contactless.partners.repository import client_by_client_id
from contactless.partners.service import SignedRequest
from contactless.platform.clock import travel_to
from contactless.platform.kernel import Kernel
from tests.factories.identity import actor_of, make_small_bank
from tests.factories.partners import CALLBACK, PartnerHttp, active_partner

CONSENT = {"scopes": ["balances:read"], "duration_days": 30, "purpose": "缴费前显示余额",
           "redirect_uri": CALLBACK}


@pytest.fixture
def partner(kernel: Kernel, client: TestClient) -> PartnerHttp:
    bank = make_small_bank(kernel)
    _partner, issued = active_partner(kernel, bank, scopes=("consents:write", "balances:read"))
    return PartnerHttp(client, issued)


def _problem(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith(  # type: ignore[attr-defined]
        "application/problem+json")
    assert response.json()["code"] == code  # type: ignore[attr-defined]


def test_a_signed_client_gets_a_short_lived_token_for_its_allowed_scopes(
        partner: PartnerHttp) -> None:
    form = (f"grant_type=client_credentials&client_id={partner.issued.client.client_id}"
            f"&client_secret={partner.issued.client_secret}&scope=balances:read")
    answer = partner.call("POST", "/open/v1/oauth/token", form=form)
    assert answer.status_code == 200, answer.text
    grant = answer.json()
    assert grant["token_type"] == "Bearer"
    assert grant["scope"] == "balances:read"
    assert 0 < grant["expires_in"] <= 900
    # a token for balances only cannot ask for consents
    _problem(partner.call("POST", "/open/v1/consents", json_body=CONSENT,
                          token=grant["access_token"]), 403, "scope_not_granted")
    created = partner.call("POST", "/open/v1/consents", json_body=CONSENT,
                           token=partner.token())
    assert created.status_code == 201, created.text


def test_a_token_is_refused_for_a_scope_a_wrong_secret_or_another_grant(
        partner: PartnerHttp) -> None:
    client_id = partner.issued.client.client_id
    secret = partner.issued.client_secret
    cases = [
        (f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
         "&scope=accounts:read", 400, "invalid_scope"),
        (f"grant_type=client_credentials&client_id={client_id}&client_secret=wrong",
         401, "invalid_client"),
        (f"grant_type=password&client_id={client_id}&client_secret={secret}", 400,
         "unsupported_grant_type"),
    ]
    for form, status, code in cases:
        _problem(partner.call("POST", "/open/v1/oauth/token", form=form), status, code)


def test_every_request_must_be_signed_fresh_and_once(partner: PartnerHttp) -> None:
    token = partner.token()
    client = partner.client
    target = "/open/v1/balances?consent_id=00000000-0000-0000-0000-000000000000"
    _problem(client.get(target, headers={"Authorization": f"Bearer {token}"}), 401,
             "signature_missing")
    headers = partner.headers("GET", target, b"") | {"Authorization": f"Bearer {token}"}
    forged = dict(headers, **{"X-Signature": "0" * 64})
    _problem(client.get(target, headers=forged), 401, "signature_invalid")
    # the same signature for another path does not hold
    _problem(client.get(target.replace("balances", "accounts"), headers=headers), 401,
             "signature_invalid")
    stale = partner.headers("GET", target, b"", timestamp=int(time.time()) - 301)
    _problem(client.get(target, headers=stale | {"Authorization": f"Bearer {token}"}), 401,
             "timestamp_stale")
    assert client.get(target, headers=headers).json()["code"] == "consent_not_found"
    _problem(client.get(target, headers=headers), 401, "nonce_reused")


def test_a_call_needs_a_valid_token_of_the_client_that_signs(
        kernel: Kernel, partner: PartnerHttp) -> None:
    target = "/open/v1/consents/00000000-0000-0000-0000-000000000000"
    _problem(partner.call("GET", target), 401, "token_missing")
    _problem(partner.call("GET", target, token="not.a.token"), 401, "token_invalid")
    partner_id = _partner_id(kernel, partner)
    with kernel.db.session() as session:
        other = partners.issue_client(session, actor_of(session, "admin"), partner_id=partner_id,
                                      allowed_scopes=["consents:write"], ip_allowlist=[])
    other_token = PartnerHttp(partner.client, other).token()
    _problem(partner.call("GET", target, token=other_token), 401, "token_invalid")
    _problem(partner.call("GET", target, token=partner.token()), 404, "consent_not_found")


def _partner_id(kernel: Kernel, partner: PartnerHttp) -> uuid.UUID:
    with kernel.db.session() as session:
        row = client_by_client_id(session, partner.issued.client.client_id)
        assert row is not None
        return row.partner_id


def test_an_expired_token_is_refused_by_the_banks_clock(kernel: Kernel,
                                                         partner: PartnerHttp) -> None:
    issued = partner.issued
    body = (f"grant_type=client_credentials&client_id={issued.client.client_id}"
            f"&client_secret={issued.client_secret}").encode()
    earlier = datetime.now(UTC) - timedelta(seconds=partners.TOKEN_SECONDS + 5)
    with travel_to(earlier), kernel.db.session() as session:
        stamp = str(int(earlier.timestamp()))
        nonce = "n" * 20
        signed = partners.verify_signed(session, SignedRequest(
            "POST", "/open/v1/oauth/token", body, issued.client.client_id, stamp, nonce,
            partners.sign_request(issued.signing_key, method="POST",
                                  target="/open/v1/oauth/token", timestamp=stamp, nonce=nonce,
                                  body=body), "testclient"))
        grant = partners.issue_token(session, signed, grant_type="client_credentials",
                                     client_id=issued.client.client_id,
                                     client_secret=issued.client_secret, scope=None)
    with kernel.db.session() as session, pytest.raises(TokenExpired):
        partners.authenticate(session, signed, token=grant.access_token)
    _problem(partner.call("GET", "/open/v1/consents/00000000-0000-0000-0000-000000000000",
                          token=grant.access_token), 401, "token_expired")


def test_a_suspended_partner_or_an_address_off_the_list_is_refused_at_once(
        kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    partner_view, issued = active_partner(kernel, bank)
    caller = PartnerHttp(client, issued)
    token = caller.token()
    with kernel.db.session() as session:
        listed = partners.issue_client(session, bank.admin, partner_id=partner_view.id,
                                       allowed_scopes=["consents:write"],
                                       ip_allowlist=["203.0.113.0/24"])
    _problem(PartnerHttp(client, listed).call("POST", "/open/v1/oauth/token", form=""), 403,
             "ip_not_allowed")
    with kernel.db.session() as session:
        partners.suspend_partner(session, bank.admin, partner_id=partner_view.id)
    _problem(caller.call("POST", "/open/v1/consents", json_body=CONSENT, token=token), 401,
             "invalid_client")
