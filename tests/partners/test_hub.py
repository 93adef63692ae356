"""The service hub: admins list partners' non-financial services (audited); a customer sees
today's, by scenario and region, on a phone; a click is recorded as ``hub.clicked`` and then
goes to the partner's page; withdrawn, expired or suspended partners' services are gone."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactless.events import service as events
from contactless.partners import service as partners
from contactless.partners.errors import HubServiceNotFound, InvalidHubService
from contactless.partners.models import Scenario
from contactless.partners.schemas import PartnerView
from contactless.platform.audit import AuditEntry
from contactless.platform.clock import bank_today
from contactless.platform.kernel import Kernel
from tests.factories.identity import SmallBank, actor_of, make_customer, make_small_bank
from tests.factories.partners import active_partner
from tests.identity.test_sessions import console_sign_in, csrf_of
from tests.journeys.steps import customer_signs_in
from tests.partners.test_consents import _sign_in

MOBILE = "13587654321"


def _listed(kernel: Kernel, bank: SmallBank) -> tuple[PartnerView, dict[str, str]]:
    """A hospital platform with four services: two today (one only in 杭州), one that ended
    yesterday, one withdrawn; and an education platform's free class."""
    today = bank_today(kernel.settings)
    hospital, _ = active_partner(kernel, bank)
    with kernel.db.session() as session:
        checker = actor_of(session, "admin2")
    school, _ = active_partner(kernel, bank, name="学而教育平台", checker=checker)
    ids: dict[str, str] = {}
    with kernel.db.session() as session:
        for title, partner, scenario, extra in (
                ("在线问诊", hospital, Scenario.HEALTHCARE, {"summary": "三甲医院医生在线"}),
                ("疫苗预约", hospital, Scenario.HEALTHCARE, {"regions": ["杭州"]}),
                ("流感防护指南", hospital, Scenario.HEALTHCARE,
                 {"valid_from": today - timedelta(days=30),
                  "valid_until": today - timedelta(days=1)}),
                ("已下架的服务", hospital, Scenario.HEALTHCARE, {}),
                ("免费编程课", school, Scenario.EDUCATION, {"regions": ["宁波"]})):
            view = partners.add_hub_service(session, bank.admin, partner_id=partner.id,
                                            title=title, scenario=scenario,
                                            link=f"https://partner.example/{len(ids)}", **extra)
            ids[title] = str(view.id)
        partners.set_hub_service_status(session, bank.admin,
                                        service_id=uuid.UUID(ids["已下架的服务"]), listed=False)
    return hospital, ids


def test_customers_see_todays_services_by_scenario_and_region(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    hospital, ids = _listed(kernel, bank)
    with kernel.db.session() as session:
        shelves, regions = partners.browse_hub(session)
        assert [(s.scenario, [v.title for v in s.services]) for s in shelves] == [
            ("education", ["免费编程课"]), ("healthcare", ["在线问诊", "疫苗预约"])]
        assert regions == ["宁波", "杭州"]
        shelves, _ = partners.browse_hub(session, region="杭州")
        assert [v.title for s in shelves for v in s.services] == ["在线问诊", "疫苗预约"]
        actions = [row.action for row in session.scalars(select(AuditEntry).where(
            AuditEntry.target_type == "partner_hub_service"))]
        assert actions.count("partner.hub_service_listed") == 5
        assert actions.count("partner.hub_service_withdrawn") == 1
        partners.suspend_partner(session, bank.admin, partner_id=hospital.id)
        shelves, _ = partners.browse_hub(session)
        assert [s.scenario for s in shelves] == ["education"]


def test_bad_services_are_refused_with_their_reason(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    partner, _ = active_partner(kernel, bank)
    today = bank_today(kernel.settings)
    with kernel.db.session() as session:
        for link, until in (("http://partner.example/x", None), ("javascript:alert(1)", None),
                            ("https://partner.example/x", today - timedelta(days=1))):
            with pytest.raises(InvalidHubService):
                partners.add_hub_service(session, bank.admin, partner_id=partner.id,
                                         title="在线问诊", scenario=Scenario.HEALTHCARE,
                                         link=link, valid_until=until)


def test_a_click_is_recorded_then_goes_to_the_partner(kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    _hospital, ids = _listed(kernel, bank)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    _sign_in(kernel, client, alice)
    page = client.get("/m/hub")
    assert page.status_code == 200
    assert "在线问诊" in page.text
    assert "流感防护指南" not in page.text
    went = client.get(f"/m/hub/{ids['在线问诊']}/go")
    assert (went.status_code, went.headers["location"]) == (303, "https://partner.example/0")
    gone = client.get(f"/m/hub/{ids['流感防护指南']}/go")  # ended yesterday
    assert gone.status_code == 404
    assert "未找到该服务" in gone.text
    events.flush(kernel)
    clicks = [row for row in events.lake_events(kernel).to_pylist()
              if row["type"] == "hub.clicked"]
    assert len(clicks) == 1
    assert clicks[0]["customer_id"] == str(alice)
    assert json.loads(str(clicks[0]["properties"]))["service_id"] == ids["在线问诊"]
    client.cookies.clear()
    assert client.get("/m/hub").status_code in (303, 401)


def test_admins_list_and_withdraw_services_in_the_console(kernel: Kernel,
                                                          client: TestClient) -> None:
    bank = make_small_bank(kernel)
    partner, _ = active_partner(kernel, bank)
    console_sign_in(client, "admin")
    csrf = csrf_of(client)
    base = f"/console/partners/{partner.id}"
    bad = client.post(f"{base}/hub", data={"title": "在线问诊", "scenario": "healthcare",
                                           "link": "http://x.example", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "https" in bad.text
    made = client.post(f"{base}/hub", data={
        "title": "在线问诊", "scenario": "healthcare", "link": "https://partner.example/ask",
        "regions": "杭州，宁波", "csrf_token": csrf})
    assert made.status_code == 303
    page = client.get(base).text
    assert "在线问诊" in page
    assert "杭州、宁波" in page
    row = re.search(r'data-testid="hub-service-row" data-id="([^"]+)"', page)
    assert row
    client.post(f"{base}/hub/{row.group(1)}/status", data={"listed": "0", "csrf_token": csrf})
    with kernel.db.session() as session:
        assert partners.browse_hub(session) == ([], [])
        with pytest.raises(HubServiceNotFound):
            partners.click_hub_service(session, bank.admin, service_id=uuid.UUID(row.group(1)))


@pytest.mark.browser
def test_a_customer_browses_the_hub_on_a_phone_and_follows_a_service(
        sqlite_kernel: Kernel, live_server: str, phone: Page) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    _hospital, ids = _listed(kernel, bank)
    make_customer(kernel, bank.rm_xh, serial=3, mobile=MOBILE)
    phone.route("https://partner.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<h1>partner page</h1>"))
    phone.goto(f"{live_server}/m/hub")
    customer_signs_in(phone, kernel, MOBILE)
    expect(phone).to_have_url(f"{live_server}/m/hub")
    expect(phone.locator("[data-testid=tab-services]")).to_have_attribute("aria-current", "page")
    shelves = phone.locator("[data-testid=hub-shelf]")
    expect(shelves).to_have_count(2)
    expect(shelves.nth(0).locator("h2")).to_have_text("教育")
    expect(shelves.nth(1).locator("h2")).to_have_text("医疗")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    phone.click("[data-testid=hub-region]:has-text('杭州')")
    expect(phone.locator("[data-testid=hub-service]")).to_have_count(2)
    expect(phone.locator("main")).not_to_contain_text("免费编程课")
    phone.click(f"[data-testid=hub-service][data-id='{ids['在线问诊']}']")
    expect(phone.locator("h1")).to_have_text("partner page")
    assert phone.url == "https://partner.example/0"
    events.flush(kernel)
    assert [row["type"] for row in events.lake_events(kernel).to_pylist()].count(
        "hub.clicked") == 1
