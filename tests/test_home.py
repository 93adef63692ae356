"""An RM's console home is today's work: deposits falling due, journeys left half-way, scans
today, what they realised this month and their rank."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.journeys.models import JourneyInstance
from contactless.platform.kernel import Kernel
from tests.factories.journeys import deposit_maturing_in, make_banked_customer
from tests.factories.outreach import make_code, scan
from tests.journeys.apiclient import App


@pytest.fixture
def api(sqlite_kernel: Kernel) -> Iterator[TestClient]:
    with TestClient(create_app(kernel=sqlite_kernel), base_url="http://testserver",
                    follow_redirects=False) as test_client:
        yield test_client


def staff(api: TestClient, username: str) -> dict[str, str]:
    token = api.post("/api/v1/auth/token", data={"username": username,
                                                 "password": "Correct-horse-42"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_an_rms_home_lists_todays_work(sqlite_kernel: Kernel, api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    soon = deposit_maturing_in(kernel, banked, days=12, amount="30000.00")
    deposit_maturing_in(kernel, banked, days=45)  # beyond the 30 days
    journey = App(api, kernel, banked.mobile).started("deposit_renewal")
    App(api, kernel, banked.mobile).step(journey["id"], "deposit", {"deposit_id": str(soon.id)})
    with kernel.db.session() as session:
        instance = session.get(JourneyInstance, uuid.UUID(journey["id"]))
        assert instance is not None
        instance.updated_at -= timedelta(hours=3)
    scan(kernel, make_code(kernel, banked.bank.rm_xh), customer_id=banked.customer.id)

    page = api.get("/console", headers=staff(api, "rm.xh"))
    assert page.status_code == 200
    text = page.text
    assert text.count('data-testid="maturing-row"') == 1
    assert "30,000.00" in text
    assert "定期存款 · 3个月" in text
    assert text.count('data-testid="stalled-row"') == 1
    assert "第 2/3 步" in text
    scans = text.split('data-testid="tile-scans"')[1]
    assert '<span class="tile-value">1</span>' in scans.split("</a>")[0]
    assert 'data-testid="tile-rank"' in text


def test_a_managers_home_is_not_an_rms_work_list(sqlite_kernel: Kernel, api: TestClient) -> None:
    make_banked_customer(sqlite_kernel)
    page = api.get("/console", headers=staff(api, "bm.hz"))
    assert page.status_code == 200
    assert 'data-testid="todays-work"' not in page.text
    assert 'data-testid="tile"' in page.text
