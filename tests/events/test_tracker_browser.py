"""The /m tracker in Chromium: a visitor is asked first and nothing is sent before they
allow it; once allowed, page and product views reach the lake by sendBeacon as the signed-in
customer's; turned off under 我的, nothing more is sent (and the server refuses it too)."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, Term
from contactless.events import service as events
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.corebank import TELLER, cny, key, open_account
from tests.factories.identity import make_customer, make_small_bank

pytestmark = pytest.mark.browser
MOBILE = "13512340077"


def _lake(kernel: Kernel) -> list[dict[str, Any]]:
    events.flush(kernel)
    return [row for row in events.lake_events(kernel).to_pylist()
            if row["type"] in ("page.viewed", "product.viewed")]


def _wait_for(kernel: Kernel, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        rows = _lake(kernel)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def _sign_in(phone: Page, kernel: Kernel, base: str) -> None:
    phone.goto(f"{base}/m/login")
    phone.fill("input[name=mobile]", MOBILE)
    phone.click("button.primary")
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=MOBILE)[0].body
    code = re.search(r"\d{6}", body)
    assert code
    phone.fill("input[name=code]", code.group(0))
    phone.click("button.primary")
    expect(phone).to_have_url(re.compile(r"/m/products$"))


def test_the_tracker_asks_first_then_reports_views_and_stops_when_turned_off(
        sqlite_kernel: Kernel, live_server: str, phone: Page) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile=MOBILE, name="陈小梅")
    with kernel.db.session() as session:
        account = open_account(session, customer.id, funds="100000.00")
        corebank.place_deposit(session, TELLER, idempotency_key=key("dep"),
                               source_account_id=account.id, product=DepositProduct.TIME,
                               term=Term.Y1, amount=cny("50000.00"))
    beacons: list[Request] = []
    phone.on("request", lambda request: beacons.append(request)
             if request.url.endswith("/api/v1/events") else None)

    _sign_in(phone, kernel, live_server)
    ask = phone.locator("[data-testid=analytics-ask]")
    expect(ask).to_be_visible()  # not asked yet: asked, and nothing is tracked
    expect(phone.locator("script[src*=tracker]")).to_have_count(0)
    phone.reload()
    assert beacons == []
    assert _lake(kernel) == []

    phone.click("[data-testid=analytics-allow]")
    expect(phone).to_have_url(re.compile(r"/m/products$"))
    expect(ask).to_have_count(0)
    rows = _wait_for(kernel, 2)
    assert beacons, "the tracker sent nothing"
    assert {row["type"] for row in rows} == {"page.viewed", "product.viewed"}
    assert {row["customer_id"] for row in rows} == {str(customer.id)}
    page_view = next(row for row in rows if row["type"] == "page.viewed")
    assert json.loads(str(page_view["properties"]))["path"] == "/m/products"
    product = next(row for row in rows if row["type"] == "product.viewed")
    assert json.loads(str(product["properties"]))["product_kind"] == "time_deposit"

    phone.click("[data-testid=tab-me]")
    expect(phone.locator("[data-testid=analytics-state]")).to_have_text("已开启")
    phone.click("[data-testid=analytics-toggle]")
    expect(phone.locator("[data-testid=analytics-state]")).to_have_text("已关闭")
    before = len(_wait_for(kernel, 3))  # the 我的 page's own view, sent while it was on
    sent = len(beacons)
    phone.click("[data-testid=tab-home]")
    expect(phone).to_have_url(re.compile(r"/m/products$"))
    phone.wait_for_timeout(500)
    assert len(beacons) == sent  # the page no longer loads the tracker
    assert len(_lake(kernel)) == before
    # and a client that sends anyway is refused, event by event
    answer = phone.request.post(f"{live_server}/api/v1/events", data=json.dumps([{
        "event_id": str(uuid.uuid4()), "type": "page.viewed", "channel": "h5",
        "occurred_at": datetime.now(UTC).isoformat(), "properties": {"path": "/m"}}]),
        headers={"Content-Type": "application/json"})
    assert answer.json()["accepted"] == 0
    assert answer.json()["rejected"][0]["code"] == "analytics_declined"
