"""Behaviour data's console in a real browser: the head-office marketer builds a segment
from the registry's conditions and watches the live count follow each change (a bad window
refused on the condition it concerns, what was typed kept), saves it and finds its member
count and export; an RM opens a customer's 360° page from the customer's page (another
branch's customer is refused); the marketer's event explorer draws its three charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contactless.platform.kernel import Kernel
from tests.events.console_bank import make_behaviour_bank
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_marketer_builds_a_segment_with_a_live_count_and_saves_it(
        sqlite_kernel: Kernel, live_server: str, page: Page) -> None:
    make_behaviour_bank(sqlite_kernel)
    sign_in(page, live_server, "marketer")
    page.click(".sidenav >> text=客户分群")
    expect(page.locator("[data-testid=segment-row]")).to_have_count(0)
    page.click("[data-testid=new-segment]")
    count = page.locator("[data-testid=live-count]")
    expect(count).to_have_text("3")  # the new segment's first condition: high value
    # a second condition: viewed a product, then started a journey within the hour
    page.locator("[data-node=n] > .seg-body > .seg-add [data-testid=add-condition]").click()
    second = page.locator("[data-node='n.1']")
    expect(second).to_be_visible()
    second.locator("select[name='n.1.kind']").select_option("followed_by")
    expect(second.locator("[data-testid=followed_by-first]")).to_be_visible()
    expect(second.locator("[data-testid=tag-tag]")).to_be_hidden()
    expect(count).to_have_text("1")
    # a window that is no number: the live count names the condition, the save refuses it
    second.locator("[data-testid=followed_by-within_minutes]").fill("一小时")
    expect(page.locator("[data-testid=preview-error]")).to_contain_text("条件 2")
    page.fill("[data-testid=name]", "看过定期并开始办理")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=error]")).to_contain_text("条件 2")
    expect(page.locator("[data-node='n.1'] [data-testid=node-error]")).to_be_visible()
    expect(page.locator("[data-testid=name]")).to_have_value("看过定期并开始办理")  # kept
    window = page.locator("[data-node='n.1'] [data-testid=followed_by-within_minutes]")
    expect(window).to_have_value("一小时")
    expect(window).to_have_attribute("aria-invalid", "true")
    window.fill("240")  # three hours: the slow customer counts too
    expect(count).to_have_text("2")
    page.click("[data-testid=save]")
    expect(page.locator(".flash")).to_contain_text("分群已保存")
    expect(page.locator("[data-testid=saved] [data-testid=member-count]")).to_have_text("2")
    expect(page.locator("[data-node='n.1'] select[name='n.1.kind']")).to_have_value(
        "followed_by")
    with page.expect_download() as download:
        page.click("[data-testid=saved] [data-testid=export]")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert len(exported.strip().splitlines()) == 3  # the header and two masked members
    assert "王富贵" not in exported
    page.click("text=← 客户分群")
    expect(page.locator("[data-testid=segment-row]")).to_have_count(1)
    expect(page.locator("[data-testid=segment-row] [data-testid=member-count]")).to_have_text(
        "2")


def test_an_rm_opens_a_customers_360_view_in_scope_only(
        sqlite_kernel: Kernel, live_server: str, page: Page) -> None:
    bank = make_behaviour_bank(sqlite_kernel)
    sign_in(page, live_server, "rm.xh")
    page.goto(f"{live_server}/console/customers/{bank.people['wealthy']}")
    page.click("[data-testid=customer-360]")
    expect(page).to_have_url(re.compile(r"/console/events/customers/"))
    expect(page.locator("h1")).to_contain_text("王*")
    expect(page.locator("h1")).not_to_contain_text("王富贵")
    expect(page.locator("[data-testid=aum]")).to_have_text("800,000.00")
    expect(page.locator("[data-testid=tags]")).to_contain_text("高价值")
    expect(page.locator("[data-testid=products]")).to_contain_text("活期账户")
    expect(page.locator("[data-testid=primary-rm]")).to_have_text("RM.XH")
    events = page.locator("[data-testid=event]")
    expect(events).to_have_count(5)  # 2 page views, a product view, a journey, a deposit
    expect(events.first).to_contain_text("资金变动")  # the latest first: the deposit
    expect(events.first).to_contain_text("800000")
    expect(events.nth(1)).to_contain_text("开始办理流程")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("/m/products")
    answer = page.goto(f"{live_server}/console/events/customers/{bank.people['nb']}")
    assert answer is not None
    assert answer.status == 404  # another branch's customer


def test_the_explorer_draws_events_a_day_the_top_pages_and_a_funnel(
        sqlite_kernel: Kernel, live_server: str, page: Page) -> None:
    make_behaviour_bank(sqlite_kernel)
    sign_in(page, live_server, "marketer")
    page.click(".sidenav >> text=事件分析")
    for chart in ("daily-chart", "pages-chart", "funnel-chart"):
        expect(page.locator(f"[data-testid={chart}] canvas")).to_have_count(1)
    expect(page.locator("[data-testid=funnel-started]")).to_have_text("3")
    expect(page.locator("[data-testid=funnel-converted]")).to_have_text("1")
    expect(page.locator("[data-testid=top-pages] tbody tr").first).to_contain_text(
        "/m/products")
    page.fill("[data-testid=within]", "240")
    page.click("[data-testid=show]")
    expect(page.locator("[data-testid=funnel-converted]")).to_have_text("2")
    expect(page.locator("[data-testid=funnel-rate]")).to_have_text("66.7%")
    page.fill("[data-testid=start]", "2026-01-31")
    page.fill("[data-testid=end]", "2026-01-01")
    page.click("[data-testid=show]")
    expect(page.locator("[data-testid=error]")).to_contain_text("结束日期")
    expect(page.locator("[data-testid=start]")).to_have_value("2026-01-31")
