"""Each built-in journey completed on a phone-sized Chromium, from an RM's QR code (or the /m
home) to its outcome in the ledger, and then the console's funnel for it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.journeys.models import PayrollEnrollment
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, make_small_bank, valid_id_number
from tests.factories.journeys import (
    TELLER,
    cny,
    deposit_maturing_in,
    key,
    last_code,
    make_banked_customer,
    make_employer,
    make_wealth_products,
    messages_to,
    pdf_bytes,
    selfie,
)
from tests.journeys.steps import (
    agree,
    completed,
    console_shows_funnel,
    customer_signs_in,
    journey_id_of,
    luhn,
    next_step,
    on_step,
    prospect_proves_mobile,
    qr_code,
    upload,
    use_outreach_codes,
)

pytestmark = pytest.mark.browser


def test_a_new_customer_opens_a_class2_account_from_an_rms_qr_code(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    use_outreach_codes(kernel)
    path = qr_code(kernel, bank.rm_bj, "open_account_class2", channel="poster")
    mobile, id_number = "13822223333", valid_id_number(55)

    phone.goto(f"{live_server}{path}")
    prospect_proves_mobile(phone, kernel, mobile)
    on_step(phone, "identity")
    expect(phone.locator("input[name=mobile]")).to_have_value(mobile)
    phone.fill("input[name=name]", "韩梅梅")
    phone.fill("input[name=id_number]", id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    next_step(phone)
    expect(phone.locator("[data-field=id_number]")).to_contain_text("身份证")
    phone.fill("input[name=id_number]", id_number)
    next_step(phone)
    on_step(phone, "selfie")
    upload(phone, "selfie", b"not an image at all", filename="me.jpg", mime="image/jpeg")
    next_step(phone)
    expect(phone.locator("[data-field=selfie]")).to_be_visible()
    upload(phone, "selfie", selfie(), filename="me.jpg", mime="image/jpeg")
    next_step(phone)
    on_step(phone, "card")
    phone.select_option("select[name=bank]", "ICBC")
    phone.fill("input[name=card_number]", luhn("622202100012345678"))
    next_step(phone)
    on_step(phone, "consent")
    agree(phone)
    on_step(phone, "confirm")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("韩梅梅")
    next_step(phone)
    completed(phone)
    expect(phone.locator("[data-testid=outcome-lines]")).to_contain_text("二类")

    with kernel.db.session() as session:
        customer = customers.find_by_id_number(session, id_number=id_number)
        assert customer is not None
        assert str(customer.primary_rm_id) == bank.rm_bj.id  # the code's owner
        accounts = corebank.accounts_of_customer(session, SYSTEM, customer_id=customer.id)
    assert [(a.account_class, a.bound_external_account) for a in accounts] == [
        (2, "****" + luhn("622202100012345678")[-4:])]
    # the prospect is now signed in as the customer and can read the consent receipt
    with phone.expect_download() as download:
        phone.click("[data-testid=receipt] >> nth=0")
    assert download.value.suggested_filename.endswith(".pdf")
    console_shows_funnel(page, live_server, "open_account_class2",
                         steps=["identity", "selfie", "card", "consent", "confirm"])


def test_b_a_customer_renews_a_matured_deposit_from_a_qr_code_and_it_is_posted(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="35000.00")
    use_outreach_codes(kernel)
    matured = deposit_maturing_in(kernel, banked, days=-5, amount="30000.00")
    assert matured.status == "matured"
    path = qr_code(kernel, banked.bank.rm_xh, "deposit_renewal")

    phone.goto(f"{live_server}{path}")
    customer_signs_in(phone, kernel, banked.mobile)
    on_step(phone, "deposit")
    phone.check(f"input[name=deposit_id][value='{matured.id}']")
    next_step(phone)
    on_step(phone, "plan")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("到期金额")
    phone.check("input[name=option][value=renew_all]")
    phone.check("input[name=term][value='6m']")
    next_step(phone)
    on_step(phone, "confirm")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("1.25%")
    next_step(phone)
    completed(phone)

    amount = matured.principal.amount + (matured.interest_paid or cny("0")).amount
    with kernel.db.session() as session:
        placed = [d for d in corebank.deposits_of_customer(session, SYSTEM,
                                                           customer_id=banked.customer.id)
                  if d.term == "6m"]
        history = corebank.account_history(session, SYSTEM, account_id=banked.account.id)
    assert [d.principal.amount for d in placed] == [amount]
    assert history.items[0].amount.amount == -amount  # the posting that moved the money
    assert history.items[0].balance_after.amount == Decimal("5000.00")
    console_shows_funnel(page, live_server, "deposit_renewal",
                         steps=["deposit", "plan", "confirm"])
    rm_funnel_shows_the_completion(page, live_server, path)


def test_c_a_customer_is_refused_an_unsuitable_product_then_buys_a_suitable_one(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="20000.00")
    products = make_wealth_products(kernel)

    phone.goto(f"{live_server}/m/journeys")
    customer_signs_in(phone, kernel, banked.mobile)
    phone.click("[data-testid=start-wealth_purchase]")
    on_step(phone, "questionnaire")
    for question, answer in (("age", "d"), ("experience", "b"), ("horizon", "b"),
                             ("loss", "b"), ("share", "c"), ("goal", "b")):
        phone.check(f"input[name={question}][value={answer}]")
    next_step(phone)
    on_step(phone, "product")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("C2")
    phone.check(f"input[name=product_id][value='{products['WM-R4']}']")
    phone.fill("input[name=amount]", "5000")
    phone.select_option("select[name=account_id]", str(banked.account.id))
    next_step(phone)
    expect(phone.locator("[data-testid=error]")).to_contain_text("R4")
    expect(phone.locator("[data-testid=error]")).to_contain_text("C2")
    phone.check(f"input[name=product_id][value='{products['WM-R2']}']")
    phone.fill("input[name=amount]", "5000.00")
    phone.select_option("select[name=account_id]", str(banked.account.id))
    next_step(phone)
    on_step(phone, "documents")
    expect(phone.locator("[data-testid=consent-text]")).to_have_count(3)
    agree(phone)
    on_step(phone, "confirm")
    next_step(phone)
    completed(phone)

    with kernel.db.session() as session:
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
        holdings = corebank.holdings_of_customer(session, SYSTEM,
                                                 customer_id=banked.customer.id)
    assert account.balance == cny("15000.00")
    assert holdings[0].product_code == "WM-R2"
    assert holdings[0].pending_orders[0].amount == cny("5000.00")
    console_shows_funnel(page, live_server, "wealth_purchase",
                         steps=["questionnaire", "product", "documents", "confirm"])


def test_d_a_large_loan_is_referred_approved_by_staff_and_disbursed(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="1000.00")
    use_outreach_codes(kernel)
    path = qr_code(kernel, banked.bank.rm_xh, "loan_application", params={"kind": "business"})

    phone.goto(f"{live_server}{path}")
    customer_signs_in(phone, kernel, banked.mobile)
    on_step(phone, "kind")
    expect(phone.locator("input[name=kind][value=business]")).to_be_checked()
    next_step(phone)
    on_step(phone, "loan")
    phone.fill("input[name=amount]", "250000")
    phone.check("input[name=term_months][value='24']")
    phone.check("input[name=method][value=equal_instalment]")
    phone.select_option("select[name=purpose]", "working_capital")
    phone.fill("input[name=monthly_income]", "40000")
    phone.select_option("select[name=account_id]", str(banked.account.id))
    next_step(phone)
    on_step(phone, "documents")
    upload(phone, "proof", pdf_bytes(), filename="income.pdf", mime="application/pdf")
    next_step(phone)
    on_step(phone, "consent")
    agree(phone)
    on_step(phone, "confirm")
    next_step(phone)
    expect(phone.locator("[data-testid=outcome]")).to_have_attribute("data-status", "in_review")
    journey_id = journey_id_of(phone)

    page.goto(f"{live_server}/console/login?next=/console/journeys/reviews")
    page.fill("input[name=username]", "bm.hz")
    page.fill("input[name=password]", "Correct-horse-42")
    page.click("button[type=submit]")
    page.click("[data-testid=reviews] a")
    expect(page.locator("[data-testid=review]")).to_contain_text("referred_to_underwriter")
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=review-status]")).to_have_text("已批准")

    phone.goto(f"{live_server}/m/journeys/{journey_id}")
    completed(phone)
    with kernel.db.session() as session:
        loans = corebank.loans_of_customer(session, SYSTEM, customer_id=banked.customer.id)
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
    assert [(loan.principal, loan.status, loan.term_months) for loan in loans] == [
        (cny("250000.00"), "active", 24)]
    assert len(loans[0].schedule) == 24
    assert account.balance == cny("251000.00")  # the disbursement
    assert any("通过审核" in body for body in messages_to(kernel, banked.mobile))
    console_shows_funnel(page, live_server, "loan_application",
                         steps=["kind", "loan", "documents", "consent", "confirm"])


def test_e_an_employee_on_the_roster_opens_a_payroll_card_through_the_group_code(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    employer = make_employer(kernel, bank)
    use_outreach_codes(kernel)
    path = qr_code(kernel, bank.rm_bj, "payroll_card_group", enterprise_id=employer.enterprise_id,
                   channel="poster")

    phone.goto(f"{live_server}{path}")
    prospect_proves_mobile(phone, kernel, employer.employee_mobile)
    on_step(phone, "identity")
    phone.fill("input[name=name]", "周敏")  # not the name on the roster
    phone.fill("input[name=id_number]", employer.employee_id_number)
    next_step(phone)
    expect(phone.locator("[data-testid=error]")).to_contain_text("名单")
    phone.fill("input[name=name]", employer.employee_name)
    phone.fill("input[name=id_number]", employer.employee_id_number)
    next_step(phone)
    on_step(phone, "selfie")
    upload(phone, "selfie", selfie(fmt="PNG"), filename="me.png", mime="image/png")
    next_step(phone)
    on_step(phone, "consent")
    agree(phone)
    on_step(phone, "confirm")
    expect(phone.locator("[data-testid=lines]")).to_contain_text("杭州示范科技有限公司")
    next_step(phone)
    completed(phone)

    with kernel.db.session() as session:
        customer = customers.find_by_mobile(session, mobile=employer.employee_mobile)
        assert customer is not None
        assert str(customer.primary_rm_id) == bank.rm_bj.id
        accounts = corebank.accounts_of_customer(session, SYSTEM, customer_id=customer.id)
        enrolled = session.scalar(select(PayrollEnrollment).where(
            PayrollEnrollment.customer_id == customer.id))
        assert enrolled is not None
        assert enrolled.enterprise_id == employer.enterprise_id
        # the employer's first payroll reaches the new account
        corebank.receive_inbound_transfer(
            session, TELLER, idempotency_key=key("salary"), target_account_id=accounts[0].id,
            amount=cny("8800.00"), bank_code="ICBC", external_account="employer-payroll",
            memo="工资")
        paid = corebank.get_account(session, SYSTEM, account_id=accounts[0].id)
    assert [a.account_class for a in accounts] == [1]
    assert enrolled.account_id == accounts[0].id
    assert paid.balance == cny("8800.00")
    console_shows_funnel(page, live_server, "payroll_card_group",
                         steps=["identity", "selfie", "consent", "confirm"])


def test_f_a_customer_changes_the_registered_mobile_with_codes_to_both_numbers(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    new_mobile = "15055556666"

    phone.goto(f"{live_server}/m/journeys")
    customer_signs_in(phone, kernel, banked.mobile)
    phone.click("[data-testid=start-change_mobile]")
    on_step(phone, "identity")
    phone.fill("input[name=name]", banked.name)
    phone.fill("input[name=id_number]", banked.id_number)
    phone.fill("input[name=new_mobile]", banked.mobile)
    next_step(phone)
    expect(phone.locator("[data-testid=error]")).to_be_visible()
    phone.fill("input[name=new_mobile]", new_mobile)
    next_step(phone)
    on_step(phone, "selfie")
    upload(phone, "selfie", selfie(), filename="me.jpg", mime="image/jpeg")
    next_step(phone)
    on_step(phone, "old_code")
    expect(phone.locator("[data-testid=code-sent-to]")).to_contain_text(banked.mobile[-4:])
    phone.fill("input[name=code]", last_code(kernel, banked.mobile))
    next_step(phone)
    on_step(phone, "new_code")
    expect(phone.locator("[data-testid=code-sent-to]")).to_contain_text(new_mobile[-4:])
    phone.fill("input[name=code]", last_code(kernel, new_mobile))
    next_step(phone)
    on_step(phone, "confirm")
    next_step(phone)
    completed(phone)

    with kernel.db.session() as session:
        found = customers.find_by_mobile(session, mobile=new_mobile)
        assert found is not None
        assert found.id == banked.customer.id
        assert customers.find_by_mobile(session, mobile=banked.mobile) is None
    assert "变更" in messages_to(kernel, banked.mobile)[0]
    console_shows_funnel(page, live_server, "change_mobile",
                         steps=["identity", "selfie", "old_code", "new_code", "confirm"])


def rm_funnel_shows_the_completion(page: Page, base: str, path: str) -> None:
    """The RM who made the code sees scan → sign-in → started → completed on its funnel."""
    page.click("text=退出登录")
    page.goto(f"{base}/console/login?next=/console/outreach")
    page.fill("input[name=username]", "rm.xh")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.locator("a[href^='/console/outreach/codes/']").first.click()
    expect(page.locator("[data-testid=qr-link]")).to_have_value(re.compile(re.escape(path)))
    for step in ("scans", "sign_ins", "started", "completed"):
        row = page.locator(f"[data-testid=funnel] tr[data-step={step}]")
        expect(row.locator("td").nth(1)).to_have_text("1")
