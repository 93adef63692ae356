"""The open platform end to end, the app served for real: an admin subscribes the partner's
receiver in the console; the partner gets a token and asks for consent; the customer approves
in Chromium; the partner reads the balance and starts a wealth-product journey, which the
customer completes in Chromium under the partner's name; the partner sees it completed; the
partner's receiver gets the signed webhooks and verifies them with the Standard Webhooks
reference library; the customer revokes the consent in Chromium and the partner's next read
is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from playwright.sync_api import Page, expect

from contactless.app import register_jobs
from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.partners import service as partners
from contactless.partners.schemas import OPEN_SCOPES, IssuedClient, PartnerView
from contactless.platform.context import SYSTEM
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel
from contactless.risk import manage
from tests.factories.identity import PASSWORD, actor_of
from tests.factories.journeys import Banked, last_code, make_banked_customer, make_wealth_products
from tests.factories.partners import PartnerHttp, active_partner
from tests.factories.webhooks import Receiver
from tests.journeys.steps import agree, completed, customer_signs_in, next_step, on_step
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
                                          callback_urls=[receiver.callback, receiver.url],
                                          allowed_products=["wealth_purchase"])
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
    consent = _consent_granted(kernel, live_server, phone, receiver, partner, mobile, http,
                               token)
    balances = f"/open/v1/balances?consent_id={consent}"
    read = http.call("GET", balances, token=token)
    assert read.status_code == 200, read.text
    assert [item["amount"] for item in read.json()["items"]] == ["50000.00"]
    assert _webhooks_are_sent(kernel)["delivered"] == 1
    (granted,) = receiver.kept.values()
    assert granted["type"] == "consent.granted"
    assert granted["data"]["consent_id"] == consent

    journey = _journey_completed(kernel, live_server, phone, partner, mobile, http, token,
                                 consent)
    assert _webhooks_are_sent(kernel)["delivered"] == 1
    finished = list(receiver.kept.values())[-1]
    assert finished["type"] == "journey.completed"
    assert {key: finished["data"][key] for key in ("journey_id", "journey_key", "status")} \
        == {"journey_id": journey, "journey_key": "wealth_purchase", "status": "completed"}
    read = http.call("GET", balances, token=token)
    assert [item["amount"] for item in read.json()["items"]] == ["45000.00"]

    # back in the bank's app, the customer changes their mind under 我的 → 我的授权
    phone.goto(f"{live_server}/m/products")
    phone.click("[data-testid=tab-me]")
    phone.click("[data-testid=partner-consents]")
    phone.click(f"[data-testid=consent][data-id='{consent}'] [data-testid=revoke]")
    expect(phone.locator(f"[data-testid=consent][data-id='{consent}'] "
                         "[data-testid=consent-status]")).to_contain_text("已作废")
    refused = http.call("GET", balances, token=token)
    assert (refused.status_code, refused.json()["code"]) == (403, "consent_revoked")
    gone = http.call("GET", f"/open/v1/journeys/{journey}", token=token)
    assert (gone.status_code, gone.json()["code"]) == (403, "consent_revoked")

    assert _webhooks_are_sent(kernel)["delivered"] == 1
    assert [body["type"] for body in receiver.kept.values()] == [
        "consent.granted", "journey.completed", "consent.revoked"]
    assert all(hit.signature_ok and hit.answered == 200 for hit in receiver.hits)
    assert receiver.duplicates == 0
    _the_console_log_replays(kernel, live_server, page, partner, receiver)


def _consent_granted(kernel: Kernel, live_server: str, phone: Page, receiver: Receiver,
                     partner: PartnerView, mobile: str, http: PartnerHttp, token: str) -> str:
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
    return str(consent["id"])


def _partner_purchases_step_up(kernel: Kernel) -> None:
    """The bank's analyst asks for another code on money moved from a partner's journey."""
    with kernel.db.session() as session:
        identity.create_staff(session, SYSTEM, username="analyst", role=Role.RISK_ANALYST,
                              branch_code="HQ", password=PASSWORD)
        manage.save_rule(session, actor_of(session, "analyst"), key="partner_step_up",
                         condition={"all": [
                             {"field": "channel", "op": "==", "value": "partner"},
                             {"field": "kind", "op": "==", "value": "wealth_purchase"}]},
                         action="step_up", weight=0.0, status="live")


def _journey_completed(kernel: Kernel, live_server: str, phone: Page, partner: PartnerView,
                       mobile: str, http: PartnerHttp, token: str, consent: str) -> str:
    """The partner offers an R2 wealth product; the customer buys 5,000.00 of it in /m, and
    confirms with the code the risk check asks for."""
    product = make_wealth_products(kernel)["WM-R2"]
    _partner_purchases_step_up(kernel)
    started = http.call("POST", "/open/v1/journeys", token=token, json_body={
        "consent_id": consent, "product": "wealth_purchase",
        "params": {"product_id": str(product)}, "channel_code": "after-visit-banner"})
    assert started.status_code == 201, started.text
    journey = started.json()
    assert (journey["status"], journey["channel"]) == ("active", "partner")

    phone.goto(live_server + journey["url"])  # signed in already, from the consent
    expect(phone.locator("[data-testid=journey-partner]")).to_contain_text(partner.name)
    on_step(phone, "questionnaire")
    for question, answer in (("age", "d"), ("experience", "b"), ("horizon", "b"),
                             ("loss", "b"), ("share", "c"), ("goal", "b")):
        phone.check(f"input[name={question}][value={answer}]")
    next_step(phone)
    on_step(phone, "product")
    expect(phone.locator(f"input[name=product_id][value='{product}']")).to_be_checked()
    phone.fill("input[name=amount]", "5000.00")
    phone.select_option("select[name=account_id]", index=1)  # their one account
    next_step(phone)
    on_step(phone, "documents")
    agree(phone)
    on_step(phone, "confirm")
    next_step(phone)
    on_step(phone, "step_up")
    expect(phone.locator("[data-testid=code-sent-to]")).to_contain_text(mobile[-4:])
    phone.fill("input[name=code]", last_code(kernel, mobile))
    next_step(phone)
    completed(phone)

    status = http.call("GET", f"/open/v1/journeys/{journey['id']}", token=token)
    assert status.status_code == 200, status.text
    seen = status.json()
    assert (seen["status"], seen["amount"], seen["currency"]) == ("completed", "5000.00", "CNY")
    assert seen["channel_code"] == "after-visit-banner"
    assert seen["completed_at"] is not None
    assert seen["current_step"] is None
    return str(journey["id"])


def _the_console_log_replays(kernel: Kernel, live_server: str, page: Page,
                             partner: PartnerView, receiver: Receiver) -> None:
    """The console's delivery log shows all three, delivered at the first attempt; a replay
    comes under the same webhook-id."""
    page.goto(f"{live_server}/console/partners/{partner.id}")
    rows = page.locator("[data-testid=delivery]")
    expect(rows).to_have_count(3)
    for status in rows.evaluate_all("rows => rows.map(r => r.dataset.status)"):
        assert status == "delivered"
    expect(page.locator("[data-testid=delivery-attempts]").first).to_have_text("1")
    page.locator("[data-testid=replay]").first.click()
    expect(page.locator("[data-testid=delivery][data-status=pending]")).to_have_count(1)
    assert _webhooks_are_sent(kernel)["delivered"] == 1
    assert receiver.duplicates == 1  # the replay came under the same webhook-id
    assert re.fullmatch(r"msg_[0-9a-f]{32}", next(iter(receiver.kept)))
