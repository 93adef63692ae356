"""The message centre in /m: the run's message shows unread with a badge, opening it is its
read receipt and leads to the renewal journey, the customer's own opt-out holds."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactless.marketing import service as marketing
from contactless.marketing.models import InboxMessage, Preference
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
from tests.factories.marketing import make_marketing_bank, run_day, running_maturity_campaign
from tests.journeys.steps import customer_signs_in
from tests.journeys.test_api import _sign_in


def test_the_badge_is_empty_without_a_sign_in(client: TestClient) -> None:
    answer = client.get("/m/messages/unread")
    assert answer.status_code == 200
    assert "unread-badge" not in answer.text


def test_another_customers_message_is_not_found(kernel: Kernel, client: TestClient) -> None:
    mb = make_marketing_bank(kernel, customers=2)
    running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    first, second = mb.customers
    with kernel.db.session() as session:
        theirs = session.scalar(select(InboxMessage.id).where(
            InboxMessage.customer_id == second.customer.id))
    headers = _sign_in(client, kernel, first.mobile)
    assert client.get("/m/messages", headers=headers).status_code == 200
    answer = client.get(f"/m/messages/{theirs}", headers=headers)
    assert answer.status_code == 404
    with kernel.db.session() as session:
        assert session.scalar(select(InboxMessage.read_at).where(
            InboxMessage.id == theirs)) is None


@pytest.mark.browser
def test_a_customer_reads_the_reminder_follows_its_link_and_opts_out(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    mb = make_marketing_bank(sqlite_kernel, customers=1)
    running_maturity_campaign(sqlite_kernel, mb)
    marketing.run_daily(sqlite_kernel, on=run_day(sqlite_kernel))
    person = mb.customers[0]

    phone.goto(f"{live_server}/m/messages")
    customer_signs_in(phone, sqlite_kernel, person.mobile)
    expect(phone).to_have_url(f"{live_server}/m/messages")
    expect(phone.locator("[data-testid=unread-badge]")).to_have_text("1")
    expect(phone.locator("[data-testid=unread-summary]")).to_contain_text("1 条未读")
    phone.click("[data-testid=inbox-message] a")
    expect(phone.locator("[data-testid=message]")).to_contain_text("您的存款即将到期")
    expect(phone.locator("[data-testid=message-body]")).to_contain_text("在线续存")
    expect(phone.locator("[data-testid=unread-badge]")).to_have_count(0)  # read: no badge
    with sqlite_kernel.db.session() as session:
        message = session.scalars(select(InboxMessage)).one()
        assert message.read_at is not None
        assert session.scalar(select(AuditEntry.action).where(
            AuditEntry.target_id == str(message.id))) == "marketing.message_read"

    phone.click("[data-testid=message-link]")
    expect(phone).to_have_url(re.compile(r"/m/journeys/[0-9a-f-]{36}$"))
    expect(phone.locator("[data-testid=journey-title]")).to_contain_text("到期转存")

    phone.goto(f"{live_server}/m/messages")
    expect(phone.locator("[data-testid=unread-summary]")).to_contain_text("全部已读")
    phone.uncheck("[data-testid=consent]")
    phone.click("[data-testid=save-settings]")
    expect(phone.locator(".flash")).to_contain_text("已保存")
    expect(phone.locator("[data-testid=consent]")).not_to_be_checked()
    with sqlite_kernel.db.session() as session:
        preference = session.get(Preference, person.customer.id)
        assert preference is not None
        assert (preference.consent, preference.do_not_disturb) == (False, False)
