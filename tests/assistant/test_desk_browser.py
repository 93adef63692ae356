"""A customer and an agent talking live, each in their own browser page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contactless.assistant.nlu.store import shipped_model
from contactless.platform.kernel import Kernel
from tests.factories.assistant import make_desk
from tests.factories.identity import PASSWORD
from tests.factories.journeys import last_code

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _model_ready() -> None:
    shipped_model()  # trained once per process: not while the page waits


def _customer_signs_in(phone: Page, base: str, kernel: Kernel, mobile: str) -> None:
    phone.goto(f"{base}/m/login?next=/m/assistant")
    phone.fill("input[name=mobile]", mobile)
    phone.click("button.primary")
    phone.fill("input[name=code]", last_code(kernel, mobile))
    phone.click("button.primary")
    expect(phone).to_have_url(f"{base}/m/assistant")


def _agent_signs_in(page: Page, base: str) -> None:
    page.goto(f"{base}/console/login?next=/console/assistant/desk")
    page.fill("input[name=username]", "agent.li")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/console/assistant/desk")


def test_a_customer_is_handed_to_an_agent_and_they_talk_live(
        sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page) -> None:
    desk = make_desk(sqlite_kernel, funds="888.00")
    _customer_signs_in(phone, live_server, sqlite_kernel, desk.banked.mobile)
    _agent_signs_in(page, live_server)
    expect(page.locator("[data-testid=desk-queue]")).to_contain_text("暂无排队")

    log = phone.locator("[data-testid=chat-log]")
    phone.fill("[data-testid=chat-text]", "查一下余额")
    phone.click("[data-testid=chat-send]")
    expect(log).to_contain_text("888.00 CNY")
    phone.fill("[data-testid=chat-text]", "<img src=x onerror=alert(1)>转人工")
    phone.keyboard.press("Enter")
    expect(phone.locator("[data-testid=chat-status]")).to_contain_text("第1位")

    # the desk hears of the handoff without reloading, and shows the text as text
    item = page.locator("[data-testid=desk-queue] [data-testid=desk-item]")
    expect(item).to_have_count(1)
    expect(page.locator("[data-testid=desk-alert]")).to_be_visible()
    expect(item).to_contain_text("<img src=x onerror=alert(1)>转人工")
    assert page.locator("[data-testid=desk-queue] img").count() == 0
    item.locator("button").click()
    expect(page.locator("[data-testid=desk-log]")).to_contain_text("888.00 CNY")
    page.click("[data-testid=desk-claim]")
    expect(phone.locator("[data-testid=chat-status]")).to_contain_text("人工客服已接入")
    expect(log).to_contain_text("李客服 已接入会话")

    page.fill("[data-testid=desk-text]", "<b>您好</b>，我是李客服")
    page.click("[data-testid=desk-send]")
    agent_line = log.locator("[data-sender=agent]")
    expect(agent_line).to_contain_text("<b>您好</b>，我是李客服")
    assert log.locator("b").count() == 0

    phone.fill("[data-testid=chat-text]", "我想补办一张卡")
    phone.click("[data-testid=chat-send]")
    expect(page.locator("[data-testid=desk-log]")).to_contain_text("我想补办一张卡")
    # the balance and the "connecting you" replies; nothing since the handoff
    expect(log.locator("[data-sender=assistant]")).to_have_count(2)

    page.locator("[data-testid=desk-correct]").first.select_option("balance_inquiry")
    expect(page.locator("[data-testid=desk-correct]").first).to_have_attribute(
        "data-saved", "balance_inquiry")
    page.click("[data-testid=desk-close]")
    expect(phone.locator("[data-testid=chat-status]")).to_contain_text("会话已结束")

    # writing again after the close starts a new conversation instead of losing the words
    phone.fill("[data-testid=chat-text]", "你好")
    phone.click("[data-testid=chat-send]")
    expect(log).to_contain_text("已为您开始新的会话")
    expect(phone.locator("[data-testid=chat-status]")).to_be_hidden()


def test_a_visitor_chats_without_signing_in_and_is_asked_to_for_live_figures(
        sqlite_kernel: Kernel, live_server: str, phone: Page) -> None:
    phone.goto(f"{live_server}/m/assistant")
    phone.fill("[data-testid=chat-text]", "你好")
    phone.click("[data-testid=chat-send]")
    log = phone.locator("[data-testid=chat-log]")
    expect(log).to_contain_text("智能客服")
    log.locator("button.chat-action", has_text="查余额").click()
    expect(log).to_contain_text("请先登录")
    phone.reload()
    expect(log).to_contain_text("请先登录")  # the visitor's conversation is kept
    phone.click("[data-testid=chat-mic]")
    expect(phone.locator("[data-testid=chat-status]")).to_be_visible()
