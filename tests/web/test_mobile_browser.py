"""Customer pages on a phone-sized Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank

pytestmark = pytest.mark.browser
MOBILE = "13512345678"


def last_code(kernel: Kernel) -> str:
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=MOBILE)[0].body
    match = re.search(r"\d{6}", body)
    assert match
    return match.group(0)


def test_a_customer_signs_in_with_a_one_time_code_and_sees_my_products(
    sqlite_kernel: Kernel, live_server: str, phone: Page,
) -> None:
    bank = make_small_bank(sqlite_kernel)
    make_customer(sqlite_kernel, bank.rm_xh, mobile=MOBILE, name="陈小梅")
    phone.goto(f"{live_server}/m")
    expect(phone.locator("h1")).to_contain_text("手机号验证码登录")
    phone.fill("input[name=mobile]", "1351234")
    phone.click("button.primary")
    expect(phone.locator("[data-testid=error]")).to_contain_text("11 位")
    phone.fill("input[name=mobile]", MOBILE)
    phone.click("button.primary")
    expect(phone.locator("main")).to_contain_text("135****5678")
    code = last_code(sqlite_kernel)
    phone.fill("input[name=code]", "000000" if code != "000000" else "111111")
    phone.click("button.primary")
    expect(phone.locator("[data-testid=error]")).to_contain_text("验证码不正确")
    phone.fill("input[name=code]", code)
    phone.click("button.primary")
    expect(phone).to_have_url(f"{live_server}/m/products")
    expect(phone.locator("main")).to_contain_text("陈小梅")
    phone.click("[data-testid=switch-lang]")
    expect(phone.locator("h1")).to_contain_text("My products")


def test_pages_behind_sign_in_send_the_customer_to_sign_in(live_server: str,
                                                           phone: Page) -> None:
    phone.goto(f"{live_server}/m/products")
    expect(phone).to_have_url(re.compile(r"/m/login\?next=/m/products$"))
