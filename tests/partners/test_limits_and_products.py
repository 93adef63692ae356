"""Each client's calls to each endpoint are counted in a moving window with the ``limits``
library (X-RateLimit-* on every answer, 429 with Retry-After past the limit), in-process or
on Redis; the catalog shows only the partner's products."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient
from limits import RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter

from contactless.partners import service as partners
from contactless.partners.errors import PartnerRateLimited
from contactless.partners.service.ratelimits import storage_for
from contactless.platform.kernel import Kernel
from tests.conftest import REDIS_URL
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


def test_past_the_limit_a_client_is_refused_with_retry_after(kernel: Kernel,
                                                          partner: PartnerHttp) -> None:
    kernel.settings.partner_calls_per_minute = 2
    token = partner.token()
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


def test_the_window_moves_and_counts_each_client_and_endpoint_apart(kernel: Kernel) -> None:
    """On both kernels: in-process on SQLite, on Redis with PostgreSQL."""
    bank = make_small_bank(kernel)
    checker = second_admin(kernel)
    kernel.settings.partner_calls_per_minute = 1
    kernel.settings.partner_rate_window_seconds = 2
    _view, issued = active_partner(kernel, bank, checker=checker)
    _other_view, other = active_partner(kernel, bank, name="学而教育", checker=checker)
    signed = [partners.SignedClient(c.client.client_id, _view.id, "p", frozenset(), "")
              for c in (issued, other)]
    with kernel.db.session() as session:
        first = partners.count_call(session, signed[0], endpoint=f"GET {PRODUCTS}")
        assert (first.limit, first.remaining) == (1, 0)
        assert 1 <= first.reset <= 2
        assert partners.count_call(session, signed[1], endpoint=f"GET {PRODUCTS}").remaining == 0
        assert partners.count_call(session, signed[0], endpoint="GET /open/v1/balances"
                                   ).remaining == 0
        with pytest.raises(PartnerRateLimited) as raised:
            partners.count_call(session, signed[0], endpoint=f"GET {PRODUCTS}")
        assert 1 <= raised.value.extra["retry_after"] <= 2
    time.sleep(2.1)  # the call leaves the moving window two seconds after it was made
    with kernel.db.session() as session:
        assert partners.count_call(session, signed[0], endpoint=f"GET {PRODUCTS}"
                                   ).remaining == 0


def test_an_endpoint_may_have_a_limit_of_its_own(kernel: Kernel, partner: PartnerHttp) -> None:
    kernel.settings.partner_endpoint_limits = {"POST /open/v1/oauth/token": 1}
    partner.token()
    form = (f"grant_type=client_credentials&client_id={partner.issued.client.client_id}"
            f"&client_secret={partner.issued.client_secret}")
    refused = partner.call("POST", "/open/v1/oauth/token", form=form)
    assert (refused.status_code, refused.json()["code"]) == (429, "partner_rate_limited")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["X-RateLimit-Limit"] == "1"


def test_workers_on_one_redis_count_together() -> None:
    """Two processes' limiters on the same Redis share the count (the deployment with
    ``CONTACTLESS_REDIS_URL``); in-process limiters do not."""
    prefix = f"t{uuid.uuid4().hex[:8]}:limits"
    item = RateLimitItemPerSecond(2, 60)
    on_redis = [MovingWindowRateLimiter(storage_for(REDIS_URL, key_prefix=prefix))
                for _ in range(2)]
    assert on_redis[0].hit(item, "pc_a", "GET /open/v1/products")
    assert on_redis[1].hit(item, "pc_a", "GET /open/v1/products")
    assert not on_redis[0].hit(item, "pc_a", "GET /open/v1/products")
    in_memory = [MovingWindowRateLimiter(storage_for(None)) for _ in range(2)]
    assert all(limiter.hit(item, "pc_a", "x") for limiter in in_memory * 2)
    assert not in_memory[0].hit(item, "pc_a", "x")
