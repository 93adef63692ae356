"""The open platform end to end, the app served for real: an admin subscribes the partner's
receiver in the console; the partner gets a token and asks for consent; the customer approves
in Chromium; the partner reads the balance; the partner's receiver gets the signed webhooks and
verifies them with the Standard Webhooks reference library; the customer revokes the consent
in Chromium and the partner's next read is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from playwright.sync_api import Page, expect

from contactless.app import register_jobs
from contactless.partners import service as partners
from contactless.partners.schemas import OPEN_SCOPES, IssuedClient, PartnerView
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel
from tests.factories.journeys import Banked, make_banked_customer
from tests.factories.partners import PartnerHttp, active_partner
from tests.factories.webhooks import Receiver
from tests.journeys.steps import customer_signs_in
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(check_time=True)  # the real clock: the reference's full check
    found.start()
    yield found
    found.stop()


def _webhooks_are_sent(kernel: Kernel) -> dict[str, int]:
    """One run of the worker's job, as the huey worker runs it every minute."""
    tasks = register_jobs(build_huey(kernel.settings, immediate=True), kernel)
    result: dict[str, int] = tasks["partners_deliver_webhooks"].call_local()
    return result


def _partner(kernel: Kernel, banked: Banked,
             receiver: Receiver) -> tuple[PartnerView, IssuedClient]:
    partner, issued = active_partner(kernel, banked.bank, scopes=OPEN_SCOPES)
    with kernel.db.session() as session:
        partner = partners.update_partner(session, banked.bank.admin, partner_id=partner.id,
                                          callback_urls=[receiver.callback, receiver.url])
    return partner, issued


def _admin_subscribes_the_receiver(page: Page, base: str, partner: PartnerView,
                                   receiver: Receiver) -> None:
    sign_in(page, base, "admin")
    page.goto(f"{base}/console/partners")
    page.click(f"[data-testid=partner][data-id='{partner.id}'] [data-testid=partner-link]")
    expect(page.locator("[data-testid=partner-name]")).to_have_text(partner.name)
    page.select_option("[data-testid=add-webhook] select[name=url]", receiver.url)
    page.click("[data-testid=add-webhook] button")
    secret = page.locator("[data-testid=webhook-secret]").inner_text()
    assert secret.startswith("whsec_")
    receiver.secret = secret
    page.goto(f"{base}/console/partners/{partner.id}")
    expect(page.locator("[data-testid=webhook-secret]")).to_have_count(0)  # shown once
    expect(page.locator("[data-testid=webhook-endpoint]")).to_have_count(1)


def test_a_partner_reads_with_consent_gets_signed_webhooks_and_is_refused_once_revoked(
        sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
        receiver: Receiver) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="50000.00")
    partner, issued = _partner(kernel, banked, receiver)
    _admin_subscribes_the_receiver(page, live_server, partner, receiver)

    # the partner's side, over real HTTP
    with httpx.Client(base_url=live_server) as partner_http:
        _the_story(kernel, live_server, phone, page, receiver, partner, banked.mobile,
                   PartnerHttp(partner_http, issued))  # type: ignore[arg-type]


def _the_story(kernel: Kernel, live_server: str, phone: Page, page: Page, receiver: Receiver,
               partner: PartnerView, mobile: str, http: PartnerHttp) -> None:
    token = http.token()
    asked = http.call("POST", "/open/v1/consents", token=token, json_body={
        "scopes": ["balances:read", "products:apply"], "duration_days": 30,
        "purpose": "在线问诊缴费前显示余额", "redirect_uri": receiver.callback,
        "state": "visit-77"})
    assert asked.status_code == 201, asked.text
    consent = asked.json()

    # the customer, on their phone
    phone.goto(live_server + consent["authorize_url"])
    customer_signs_in(phone, kernel, mobile)
    expect(phone.locator("[data-testid=partner-name]")).to_have_text(partner.name)
    expect(phone.locator("main")).to_contain_text("在线问诊缴费前显示余额")
    phone.click("[data-testid=approve]")
    expect(phone.locator("h1")).to_have_text("partner callback")
    assert parse_qs(receiver.callbacks[-1]) == {
        "consent_id": [consent["id"]], "status": ["granted"], "state": ["visit-77"]}

    balances = f"/open/v1/balances?consent_id={consent['id']}"
    read = http.call("GET", balances, token=token)
    assert read.status_code == 200, read.text
    assert [item["amount"] for item in read.json()["items"]] == ["50000.00"]

    assert _webhooks_are_sent(kernel)["delivered"] == 1
    (granted,) = receiver.kept.values()
    assert granted["type"] == "consent.granted"
    assert granted["data"]["consent_id"] == consent["id"]

    # back in the bank's app, the customer changes their mind under 我的 → 我的授权
    phone.goto(f"{live_server}/m/products")
    phone.click("[data-testid=tab-me]")
    phone.click("[data-testid=partner-consents]")
    phone.click(f"[data-testid=consent][data-id='{consent['id']}'] [data-testid=revoke]")
    expect(phone.locator(f"[data-testid=consent][data-id='{consent['id']}'] "
                         "[data-testid=consent-status]")).to_contain_text("已作废")
    refused = http.call("GET", balances, token=token)
    assert (refused.status_code, refused.json()["code"]) == (403, "consent_revoked")

    assert _webhooks_are_sent(kernel)["delivered"] == 1
    assert [body["type"] for body in receiver.kept.values()] == ["consent.granted",
                                                                 "consent.revoked"]
    assert all(hit.signature_ok and hit.answered == 200 for hit in receiver.hits)
    assert receiver.duplicates == 0

    # the console's delivery log shows both, delivered at the first attempt
    page.goto(f"{live_server}/console/partners/{partner.id}")
    rows = page.locator("[data-testid=delivery]")
    expect(rows).to_have_count(2)
    for status in rows.evaluate_all("rows => rows.map(r => r.dataset.status)"):
        assert status == "delivered"
    expect(page.locator("[data-testid=delivery-attempts]").first).to_have_text("1")
    page.locator("[data-testid=replay]").first.click()
    expect(page.locator("[data-testid=delivery][data-status=pending]")).to_have_count(1)
    assert _webhooks_are_sent(kernel)["delivered"] == 1
    assert receiver.duplicates == 1  # the replay came under the same webhook-id
    assert re.fullmatch(r"msg_[0-9a-f]{32}", next(iter(receiver.kept)))
