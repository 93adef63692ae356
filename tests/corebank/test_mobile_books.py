"""The customer's own books on the phone: transactions by month, the e-statement, the tabs."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from contactless.corebank import service as corebank
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import customer_headers
from tests.factories.corebank import JOB, TELLER, cny, key, open_account
from tests.factories.identity import make_customer, make_small_bank

MOBILE = "13512340002"
MAX_PAGE_BYTES = 100 * 1024


def books(kernel: Kernel, lines: int = 40) -> tuple[str, str, str]:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile=MOBILE, name="陈小梅")
    with kernel.db.session() as session:
        account = open_account(session, customer.id, funds="50000.00", on=date(2025, 3, 21))
        other = open_account(session, customer.id, on=date(2025, 3, 21))
        for day in range(lines):
            corebank.transfer(session, TELLER, idempotency_key=key(), source_account_id=account.id,
                              target_account_id=other.id, amount=cny("10.00"),
                              on=date(2025, 4, 1 + day % 28))
        corebank.settle_interest(session, JOB, settlement_date=date(2025, 6, 20))
    return str(customer.id), str(account.id), str(other.id)


def test_transactions_page_by_month_and_more_on_scroll(kernel: Kernel,
                                                       client: TestClient) -> None:
    customer, account, _other = books(kernel)
    headers = customer_headers(kernel, uuid.UUID(customer))
    page = client.get(f"/m/accounts/{account}", headers=headers)
    assert page.status_code == 200, page.text
    assert len(page.content) < MAX_PAGE_BYTES
    assert page.text.count('data-testid="history-row"') == 30
    assert 'hx-get="/m/accounts/' in page.text
    assert "结息" in page.text  # the quarter's interest, newest first
    more = client.get(f"/m/accounts/{account}?page=2", headers=headers | {"HX-Request": "true"})
    assert "<html" not in more.text
    assert more.text.count('data-testid="history-row"') == 12  # 42 lines in all
    june = client.get(f"/m/accounts/{account}?month=2025-06", headers=headers)
    assert june.text.count('data-testid="history-row"') == 1
    pdf = client.get(f"/m/accounts/{account}/statement.pdf?month=2025-04", headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for path in ("/m/products", "/m/me", "/m/messages"):
        tab = client.get(path, headers=headers)
        assert tab.status_code == 200, path
        assert 'data-testid="tab-bar"' in tab.text
        assert len(tab.content) < MAX_PAGE_BYTES
    bad_month = client.get(f"/m/accounts/{account}?month=2025-13", headers=headers)
    assert bad_month.status_code == 422


@pytest.mark.browser
def test_a_customer_reads_the_transactions_on_a_phone(sqlite_kernel: Kernel, live_server: str,
                                                      phone: Page) -> None:
    books(sqlite_kernel)
    phone.goto(f"{live_server}/m/login")
    phone.fill("input[name=mobile]", MOBILE)
    phone.click("button.primary")
    with sqlite_kernel.db.session() as session:
        body = list_messages(session, sqlite_kernel.cipher, to_mobile=MOBILE)[0].body
    code = re.search(r"\d{6}", body)
    assert code
    phone.fill("input[name=code]", code.group(0))
    phone.click("button.primary")
    expect(phone.locator("[data-testid=tab-bar]")).to_be_visible()
    phone.locator("[data-testid=account-link]").first.click()
    rows = phone.locator("[data-testid=history-row]")
    expect(rows).to_have_count(30)
    expect(rows.first).to_contain_text("结息")
    rows.last.scroll_into_view_if_needed()
    # the next page arrives as the list's end shows: every line of the account, then no more
    expect(rows.nth(40)).to_be_visible()
    expect(phone.locator("[data-testid=more]")).to_have_count(0)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone.click("[data-testid=tab-me]")
    expect(phone.locator("[data-testid=profile]")).to_be_visible()
