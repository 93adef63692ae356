"""The first hour on a phone (Chromium at 390×844): the demo's printed customer scans their RM's
renewal code, sees the RM's card, signs in and renews the deposit falling due; a customer
places a new time deposit, going back a step on the way; an order in its cooling-off period
shows in 我的产品; asking for a code again too soon counts down."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.demo.service import build_demo_bank
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.journeys import (
    cny,
    make_banked_customer,
    make_wealth_products,
    today,
)
from tests.journeys.steps import (
    agree,
    completed,
    customer_signs_in,
    next_step,
    on_step,
)

pytestmark = pytest.mark.browser


def test_the_demos_customer_scans_the_renewal_code_meets_the_rm_and_renews(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    kernel = sqlite_kernel
    with kernel.db.session() as session:
        report = build_demo_bank(session, seed=11, customer_count=25, today=today(kernel))
    showcase = report.extras["showcase"]
    assert isinstance(showcase, dict)
    with kernel.db.session() as session:
        person = customers.find_by_mobile(session, mobile=showcase["mobile"])
        assert person is not None
        (due,) = [d for d in corebank.deposits_of_customer(session, SYSTEM,
                                                           customer_id=person.id)
                  if d.maturity_date.isoformat() == showcase["maturity_date"]]

    phone.goto(live_server + showcase["code_path"])
    card = phone.locator("[data-testid=rm-card]")
    expect(card.locator("[data-testid=rm-name]")).to_have_text(showcase["rm_name"])
    expect(card.locator("[data-testid=rm-phone]")).to_have_attribute(
        "href", re.compile(r"^tel:0\d{10,}$"))
    expect(card.locator("[data-testid=rm-wecom-qr] svg")).to_be_visible()
    expect(phone.locator("[data-testid=landing-product]")).to_have_text("定期存款到期转存")
    customer_signs_in(phone, kernel, showcase["mobile"])
    on_step(phone, "deposit")
    phone.check(f"input[name=deposit_id][value='{due.id}']")
    next_step(phone)
    on_step(phone, "plan")
    phone.check("input[name=option][value=renew_all]")
    phone.check("input[name=term][value='1y']")
    next_step(phone)
    on_step(phone, "confirm")
    phone.click("[data-testid=back]")  # a second look at the term: what was chosen stays
    on_step(phone, "plan")
    expect(phone.locator("input[name=term][value='1y']")).to_be_checked()
    expect(phone.locator("input[name=option][value=renew_all]")).to_be_checked()
    next_step(phone)
    on_step(phone, "confirm")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("1.35%")
    next_step(phone)
    completed(phone)
    with kernel.db.session() as session:
        after = corebank.get_deposit(session, SYSTEM, deposit_id=due.id)
    assert (after.instruction, after.renewal_term) == ("renew_all", "1y")


def test_a_customer_places_a_new_time_deposit_and_goes_back_a_step_on_the_way(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="80000.00")

    phone.goto(f"{live_server}/m/journeys")
    customer_signs_in(phone, kernel, banked.mobile)
    phone.click("[data-testid=start-time_deposit_open]")
    on_step(phone, "product")
    expect(phone.locator("[data-testid=step]")).to_contain_text("¥200,000.00起存")
    phone.check("input[name=product][value=cd]")
    next_step(phone)
    on_step(phone, "amount")
    phone.click("[data-testid=back]")  # a large CD is too much: back to the product
    on_step(phone, "product")
    expect(phone.locator("input[name=product][value=cd]")).to_be_checked()
    phone.check("input[name=product][value=time]")
    next_step(phone)
    on_step(phone, "amount")
    expect(phone.locator("label.j-choice", has_text="1年")).to_contain_text("1.35%")
    phone.check("input[name=term][value='1y']")
    phone.fill("input[name=amount]", "20")
    phone.select_option("select[name=account_id]", str(banked.account.id))
    phone.check("input[name=instruction][value=renew_all]")
    next_step(phone)
    expect(phone.locator("[data-testid=field-error][data-field=amount]")).to_have_text(
        "定期存款起存金额为¥50.00")
    phone.fill("input[name=amount]", "30000")
    next_step(phone)
    on_step(phone, "documents")
    expect(phone.locator("[data-testid=consent-text]")).to_have_count(2)
    agree(phone)
    on_step(phone, "confirm")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("¥30,000.00")
    next_step(phone)
    completed(phone)
    expect(phone.locator("[data-testid=outcome-lines]")).to_contain_text("存入定期¥30,000.00")

    phone.click("[data-testid=tab-home]")
    expect(phone.locator("[data-testid=deposit]")).to_contain_text("30,000.00")
    with kernel.db.session() as session:
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
    assert account.balance.amount == Decimal("50000.00")


def test_an_order_in_cooling_off_shows_in_my_products_and_a_new_code_counts_down(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="20000.00")
    products = make_wealth_products(kernel)

    phone.goto(f"{live_server}/m/journeys")
    customer_signs_in(phone, kernel, banked.mobile)
    phone.click("[data-testid=start-wealth_purchase]")
    for question, answer in (("age", "b"), ("experience", "d"), ("horizon", "d"),
                             ("loss", "d"), ("share", "d"), ("goal", "d")):
        phone.check(f"input[name={question}][value={answer}]")
    next_step(phone)
    on_step(phone, "product")
    phone.check(f"input[name=product_id][value='{products['WM-R4']}']")
    phone.fill("input[name=amount]", "6000")
    phone.select_option("select[name=account_id]", str(banked.account.id))
    next_step(phone)
    agree(phone)
    next_step(phone)
    expect(phone.locator("[data-testid=outcome]")).to_have_attribute("data-status",
                                                                     "cooling_off")
    phone.click("[data-testid=tab-home]")
    order = phone.locator("[data-testid=pending-order]")
    expect(order).to_have_attribute("data-status", "cooling_off")
    expect(order).to_contain_text("¥6,000.00")
    expect(order).to_contain_text("冷静期")

    with kernel.db.session() as session:
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
    assert account.balance == cny("20000.00")  # nothing moves before the period ends
    phone.context.clear_cookies()
    phone.goto(f"{live_server}/m/login")
    phone.fill("input[name=mobile]", banked.mobile)
    phone.click("button.primary")
    resend = phone.locator("[data-testid=resend]")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"重新发送验证码（\d+ 秒）"))
    resend.evaluate("button => { button.disabled = false; }")  # as a too-quick second tap
    resend.click()
    expect(phone.locator("[data-testid=error]")).to_have_count(0)
    expect(phone.locator("[data-testid=resend]")).to_have_text(
        re.compile(r"重新发送验证码（\d+ 秒）"))
