"""The console in a real browser (Chromium driven by Playwright)."""

import pytest
from playwright.sync_api import Page, expect

from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, make_small_bank

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/console")
    expect(page).to_have_url(f"{base}/console/login?next=/console")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_admin_signs_in_switches_language_creates_a_branch_and_staff_and_signs_out(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    make_small_bank(sqlite_kernel)
    sign_in(page, live_server, "admin")
    expect(page).to_have_url(f"{live_server}/console")
    expect(page.locator("h1")).to_contain_text("欢迎")
    expect(page.locator(".sidenav")).to_contain_text("机构管理")
    page.click("[data-testid=switch-lang]")
    expect(page.locator(".sidenav")).to_contain_text("Branches")

    page.click("text=Branches")
    page.fill("input[name=code]", "HZ-GS")
    page.fill("input[name=name]", "拱墅支行")
    page.select_option("select[name=kind]", "sub_branch")
    page.select_option("select[name=parent_code]", "HZ")
    page.click("section.card button[type=submit]")
    expect(page.locator("[data-testid=branches]")).to_contain_text("拱墅支行")

    page.click("text=Staff")
    page.fill("input[name=username]", "rm.gs")
    page.fill("input[name=display_name]", "周经理")
    page.select_option("select[name=role]", "rm")
    page.select_option("select[name=branch_code]", "HZ-GS")
    page.fill("input[name=password]", "short")
    page.click("section.card button[type=submit]")
    expect(page.locator("[data-testid=error]")).to_contain_text("at least 10 characters")
    expect(page.locator("input[name=username]")).to_have_value("rm.gs")  # nothing typed is lost
    page.fill("input[name=password]", "Strong-pass-2026")
    page.click("section.card button[type=submit]")
    expect(page.locator("[data-testid=staff]")).to_contain_text("rm.gs")

    page.click("text=Sign out")
    expect(page).to_have_url(f"{live_server}/console/login")
    sign_in(page, live_server, "rm.gs", "Strong-pass-2026")
    expect(page.locator("[data-testid=who]")).to_contain_text("周经理")


def test_a_wrong_password_shows_the_sign_in_page_again(sqlite_kernel: Kernel, live_server: str,
                                                       page: Page) -> None:
    make_small_bank(sqlite_kernel)
    sign_in(page, live_server, "rm.xh", "not-the-password")
    expect(page.locator("[data-testid=error]")).to_contain_text("用户名或密码错误")
    expect(page.locator("input[name=username]")).to_have_value("rm.xh")


def test_each_role_sees_its_own_navigation_and_forbidden_pages_say_so(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    make_small_bank(sqlite_kernel)
    sign_in(page, live_server, "rm.xh")
    nav = page.locator(".sidenav")
    expect(nav).to_contain_text("客户")
    expect(nav).not_to_contain_text("审计日志")
    response = page.goto(f"{live_server}/console/audit")
    assert response is not None
    assert response.status == 403
    expect(page.locator("[data-testid=error-page]")).to_contain_text("403")
    missing = page.goto(f"{live_server}/console/nowhere")
    assert missing is not None
    assert missing.status == 404


def test_an_auditor_browses_and_filters_the_audit_trail(sqlite_kernel: Kernel, live_server: str,
                                                        page: Page) -> None:
    make_small_bank(sqlite_kernel)
    sign_in(page, live_server, "auditor")
    page.click("text=审计日志")
    expect(page.locator("[data-testid=chain]")).to_contain_text("审计日志完整")
    page.fill("input[name=action]", "branch.")
    page.click("form.filters button")
    rows = page.locator("[data-testid=audit] tbody tr")
    expect(rows).to_have_count(6)
    # the action as a person says it, the stored code kept as the cell's title
    expect(rows.first).to_contain_text("新建机构")
    expect(rows.first.locator("td[title='branch.created']")).to_have_count(1)
