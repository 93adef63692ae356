"""Each client's calls to each endpoint are counted per minute (X-RateLimit-* on every
answer, 429 with Retry-After past the limit); the catalog shows only the partner's products."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from contactless.partners import service as partners
from contactless.partners.errors import PartnerRateLimited
from contactless.platform.clock import travel_to
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank
from tests.factories.partners import PartnerHttp, active_partner, second_admin

PRODUCTS = "/open/v1/products"


@pytest.fixture
def partner(kernel: Kernel, client: TestClient) -> PartnerHttp:
    bank = make_small_bank(kernel)
    partner_view, issued = active_partner(kernel, bank)
    with kernel.db.session() as session:
        partners.update_partner(session, bank.admin, partner_id=partner_view.id,
                                allowed_products=["wealth_purchase", "deposit_renewal"])
    return PartnerHttp(client, issued)


def test_the_catalog_lists_only_the_products_allowed_to_the_partner(
        partner: PartnerHttp) -> None:
    answer = partner.call("GET", PRODUCTS, token=partner.token())
    assert answer.status_code == 200, answer.text
    keys = [item["key"] for item in answer.json()["items"]]
    assert sorted(keys) == ["deposit_renewal", "wealth_purchase"]
    assert all(item["start_url"].startswith("/m/journeys/") for item in answer.json()["items"])
    narrow = partner.call("GET", PRODUCTS, token=partner.token("consents:write"))
    assert (narrow.status_code, narrow.json()["code"]) == (403, "scope_not_granted")


def test_past_the_limit_a_client_waits_for_the_next_minute(kernel: Kernel,
                                                          partner: PartnerHttp) -> None:
    kernel.settings.partner_calls_per_minute = 2
    token = partner.token()
    first = partner.call("GET", PRODUCTS, token=token)
    if int(first.headers["X-RateLimit-Reset"]) < 5:  # about to turn: start in a new window
        time.sleep(int(first.headers["X-RateLimit-Reset"]) + 0.5)
        first = partner.call("GET", PRODUCTS, token=token)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert partner.call("GET", PRODUCTS, token=token).headers["X-RateLimit-Remaining"] == "0"
    refused = partner.call("GET", PRODUCTS, token=token)
    assert refused.status_code == 429
    assert refused.json()["code"] == "partner_rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # another endpoint has its own count
    other = partner.call("GET", "/open/v1/consents/00000000-0000-0000-0000-000000000000",
                         token=token)
    assert other.json()["code"] == "consent_not_found"


def test_the_window_turns_each_minute_and_counts_each_client_apart(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    checker = second_admin(kernel)
    kernel.settings.partner_calls_per_minute = 1
    _view, issued = active_partner(kernel, bank, checker=checker)
    _other_view, other = active_partner(kernel, bank, name="学而教育", checker=checker)
    signed = [partners.SignedClient(c.client.client_id, _view.id, "p", frozenset(), "")
              for c in (issued, other)]
    minute = datetime(2026, 12, 2, 8, 0, 10, tzinfo=UTC)
    with travel_to(minute), kernel.db.session() as session:
        assert partners.count_call(session, signed[0], endpoint=PRODUCTS).reset == 50
        assert partners.count_call(session, signed[1], endpoint=PRODUCTS).remaining == 0
        with pytest.raises(PartnerRateLimited) as raised:
            partners.count_call(session, signed[0], endpoint=PRODUCTS)
        assert raised.value.extra["retry_after"] == 50
    with travel_to(minute.replace(minute=1)), kernel.db.session() as session:
        assert partners.count_call(session, signed[0], endpoint=PRODUCTS).remaining == 0
