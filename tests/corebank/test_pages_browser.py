"""The books as staff and customers see them, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, MaturityInstruction, Term
from contactless.identity import service as identity
from contactless.platform.channels import list_messages
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.corebank import TELLER, cny, key, open_account
from tests.factories.identity import PASSWORD, make_customer, make_small_bank

pytestmark = pytest.mark.browser
MOBILE = "13512340001"


def _customer_with_books(kernel: Kernel) -> str:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile=MOBILE, name="陈小梅")
    with kernel.db.session() as session:
        account = open_account(session, customer.id, funds="300000.00")
        cd = corebank.place_deposit(session, TELLER, idempotency_key=key("dep"),
                                    source_account_id=account.id, product=DepositProduct.CD,
                                    term=Term.Y1, amount=cny("200000.00"),
                                    instruction=MaturityInstruction.RENEW_ALL)
        corebank.change_maturity_instruction(session, TELLER, idempotency_key=key("ins"),
                                             deposit_id=cd.id,
                                             instruction=MaturityInstruction.RENEW_ALL,
                                             renewal_term=Term.Y3)
        corebank.transfer(session, TELLER, idempotency_key=key("t"),
                          source_account_id=account.id,
                          target_account_id=open_account(session, customer.id).id,
                          amount=cny("1234.56"), memo="to savings")
    return str(customer.id)


def test_an_rm_reads_a_customers_books_and_statement(sqlite_kernel: Kernel, live_server: str,
                                                     page: Page) -> None:
    _customer_with_books(sqlite_kernel)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "rm.xh")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/console/customers")
    page.click("[data-testid=customers] tbody tr:first-child a")
    # account numbers are masked like the mobile and ID; a click shows one, and is audited
    numbers = page.locator("[data-testid=account-number]")
    expect(numbers.first).to_have_text(re.compile(r"^\d{4} \*{4} \d{4}$"))
    row = page.locator("[data-testid=accounts] tbody tr", has_text="98,765.44")
    row.locator("[data-testid=reveal-number]").click()
    expect(row.locator("[data-testid=account-number]")).to_have_text(re.compile(r"^\d{12,}$"))
    with sqlite_kernel.db.session() as session:
        revealed = identity.search_audit(session, SYSTEM,
                                         action="corebank.account_number_revealed")
    assert [entry.actor_kind for entry in revealed] == ["staff"]
    deposits = page.locator("[data-testid=deposits]")
    expect(deposits).to_contain_text("200,000.00 CNY")
    expect(deposits).to_contain_text("大额存单")
    expect(deposits).to_contain_text("本息转存 · 转存为 3年")
    page.locator("[data-testid=accounts] tbody tr", has_text="98,765.44").locator("a").click()
    history = page.locator("[data-testid=history]")
    expect(history).to_contain_text("-1,234.56 CNY")
    expect(history).to_contain_text("98,765.44 CNY")  # running balance after the transfer
    expect(page.locator("[data-testid=balance]")).to_have_text("98,765.44 CNY")


def test_a_customer_sees_deposits_with_maturity_instruction_and_interest(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    _customer_with_books(sqlite_kernel)
    phone.goto(f"{live_server}/m/login")
    phone.fill("input[name=mobile]", MOBILE)
    phone.click("button.primary")
    with sqlite_kernel.db.session() as session:
        body = list_messages(session, sqlite_kernel.cipher, to_mobile=MOBILE)[0].body
    code = re.search(r"\d{6}", body)
    assert code
    phone.fill("input[name=code]", code.group(0))
    phone.click("button.primary")
    deposit = phone.locator("[data-testid=deposit]")
    expect(deposit).to_contain_text("200,000.00 CNY")
    expect(deposit).to_contain_text("到期日")
    expect(deposit).to_contain_text("本息转存 · 转存为 3年")
    expect(deposit).to_contain_text("到期利息")
    expect(phone.locator("[data-testid=account]")).to_have_count(2)
