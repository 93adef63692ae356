"""In Chromium at 390 px: an RM makes a code from their phone, shares it through the system
share sheet, and reads today's work; the code's funnel reads at a glance."""

import pytest
from playwright.sync_api import Page, expect

from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.outreach import complete_journey, make_code, scan
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser

# the share sheet of a phone, recorded: headless Chromium on Linux has no Web Share API
FAKE_SHARE = """
window.__shared = [];
navigator.share = (data) => { window.__shared.push({title: data.title, text: data.text,
  url: data.url || null, files: (data.files || []).map((f) => f.type)});
  return Promise.resolve(); };
navigator.canShare = () => true;
"""


def shared_count(page: Page, count: int) -> None:
    """Wait until the share sheet was opened ``count`` times (polled: the CSP forbids the
    evaluated predicates ``wait_for_function`` uses)."""
    for _ in range(50):
        if page.evaluate("window.__shared.length") >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the share sheet was not opened {count} times")


def test_an_rm_on_a_phone_makes_a_code_shares_it_and_sees_todays_work(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    make_small_bank(sqlite_kernel)
    phone.add_init_script(FAKE_SHARE)
    sign_in(phone, live_server, "rm.xh")
    expect(phone.locator("[data-testid=todays-work]")).to_be_visible()
    # the menu scrolls sideways instead of taking the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("[data-testid=new-code]")
    phone.fill("input[name=headline]", "存款到期，扫码一键转存")
    phone.select_option("select[name=purpose]", "deposit_renewal")
    phone.select_option("select[name=channel]", "chat")
    phone.click("[data-testid=create-code] button[type=submit]")
    expect(phone.locator("h1")).to_contain_text("定期存款到期转存 · 聊天")
    link = phone.locator("[data-testid=qr-link]").input_value()
    phone.click("[data-testid=share-link]")
    shared_count(phone, 1)
    shared = phone.evaluate("window.__shared[0]")
    assert shared["url"] == link
    assert shared["title"] == "存款到期，扫码一键转存"  # the headline, not the internal label
    phone.click("[data-testid=share-image]")
    shared_count(phone, 2)
    assert phone.evaluate("window.__shared[1].files") == ["image/png"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(f"{live_server}/console")
    expect(phone.locator("[data-testid=my-codes]")).to_contain_text("定期存款到期转存 · 聊天")


def test_the_funnel_is_drawn_to_scale_and_an_empty_one_says_so(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    bank = make_small_bank(sqlite_kernel)
    empty = make_code(sqlite_kernel, bank.rm_xh, title="空码")
    busy = make_code(sqlite_kernel, bank.rm_xh, title="忙码")
    for n in range(8):
        buyer = make_customer(sqlite_kernel, bank.rm_xh, serial=n + 1,
                              mobile=f"1380000{n + 1:04d}").id
        scan(sqlite_kernel, busy, customer_id=buyer, device=f"device-busy-{n:04d}")
        if n < 6:
            complete_journey(sqlite_kernel, customer_id=buyer, qr_code_id=busy.id)
    sign_in(page, live_server, "rm.xh")
    page.goto(f"{live_server}/console/outreach/codes/{empty.id}")
    expect(page.locator("#funnel-chart.chart-empty")).to_contain_text("暂无扫码")
    expect(page.locator("#funnel-chart canvas")).to_have_count(0)
    page.goto(f"{live_server}/console/outreach/codes/{busy.id}")
    expect(page.locator("#funnel-chart canvas")).to_have_count(1)
    series = page.evaluate("""() => echarts.getInstanceByDom(
        document.getElementById('funnel-chart')).getOption().series[0]""")
    counts = [item["value"] for item in series["data"]]
    assert counts[0] == 8
    assert counts[-1] == 6
    # scaled to the first step (not ECharts' default 100), with readable outside labels
    assert series["max"] == 8
    assert series["label"]["position"] == "right"
