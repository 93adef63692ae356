"""In Chromium, under the Content-Security-Policy every page gets: nothing inline is needed,
charts draw, confirmations ask, filters submit themselves; staff see no live codes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from contactless.customers import service as customers
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.outreach import make_code
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def watch_csp(page: Page) -> list[str]:
    """Collect what the browser refused under the policy, and script errors."""
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: refused.append(str(error)))
    return refused


def test_the_console_works_under_the_csp(sqlite_kernel: Kernel, live_server: str,
                                         page: Page) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh, title="名片")
    refused = watch_csp(page)
    sign_in(page, live_server, "rm.xh")
    response = page.goto(f"{live_server}/console/outreach/codes/{code.id}")
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]
    # a new code's funnel has no scans: charts.js ran and says so; the daily chart draws
    expect(page.locator("#funnel-chart.chart-empty")).to_contain_text("暂无扫码")
    expect(page.locator("#daily-chart canvas")).to_have_count(1)
    # the revoke button asks first: dismissed, nothing happens; accepted, the code is revoked
    state = page.locator("[data-testid=state]")
    expect(state).to_have_class(re.compile(r"state-active"))
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=revoke]")
    page.reload()
    expect(state).to_have_class(re.compile(r"state-active"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=revoke]")
    expect(state).to_have_class(re.compile(r"state-revoked"))
    assert asked == ["确定永久作废此二维码吗？"]
    assert refused == []


def test_filters_submit_themselves_and_charts_draw_under_the_csp(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    make_small_bank(sqlite_kernel)
    refused = watch_csp(page)
    sign_in(page, live_server, "bm.hz")
    page.goto(f"{live_server}/console/outreach/leaderboard")
    expect(page.locator("#rm-chart canvas")).to_have_count(1)
    page.select_option("select[name=days]", "7")
    expect(page).to_have_url(re.compile(r"days=7"))
    page.goto(f"{live_server}/console/journeys/deposit_renewal")
    # nobody started it in the small bank: the chart says so rather than drawing zeros
    expect(page.locator("#funnel-chart.chart-empty")).to_contain_text("没有人发起")
    expect(page.locator("#funnel-chart canvas")).to_have_count(0)
    assert refused == []


def test_the_message_center_masks_live_codes(sqlite_kernel: Kernel, live_server: str,
                                             page: Page) -> None:
    bank = make_small_bank(sqlite_kernel)
    make_customer(sqlite_kernel, bank.rm_xh, mobile="13512345678")
    with sqlite_kernel.db.session() as session:
        customers.request_sign_in_code(session, mobile="13512345678")
        body = list_messages(session, sqlite_kernel.cipher, to_mobile="13512345678")[0].body
    code = re.search(r"\d{6}", body)
    assert code
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/console/messages")
    main = page.locator("main")
    expect(main).to_contain_text("******")
    expect(main).not_to_contain_text(code.group(0))
