"""In Chromium: a customer scans, lands, signs in; the RM sees it in the code's funnel."""

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from contactless.outreach import service as outreach
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.journeys import make_employer, selfie
from tests.factories.outreach import complete_journey, make_code, make_group_code, scan
from tests.journeys.steps import (
    agree,
    completed,
    next_step,
    on_step,
    prospect_proves_mobile,
    upload,
    use_outreach_codes,
)
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser
MOBILE = "13512345678"


def last_code(kernel: Kernel) -> str:
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=MOBILE)[0].body
    match = re.search(r"\d{6}", body)
    assert match
    return match.group(0)


def test_scan_landing_sign_in_and_the_rms_funnel_shows_it(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    bank = make_small_bank(sqlite_kernel)
    make_customer(sqlite_kernel, bank.rm_xh, mobile=MOBILE, name="陈小梅")
    code = make_code(sqlite_kernel, bank.rm_xh, title="陈小梅等老客户（内部）",
                     headline="专属客户经理名片", params={"message": "有任何需要请随时联系我"})

    phone.goto(live_server + code.path)
    expect(phone).to_have_url(re.compile(r"/m/outreach/info/"))
    expect(phone.locator("[data-testid=info-page] h1")).to_have_text("专属客户经理名片")
    expect(phone.locator("[data-testid=info-message]")).to_have_text("有任何需要请随时联系我")
    expect(phone.locator("[data-testid=rm-card]")).to_contain_text("RM.XH")
    phone.click("[data-testid=sign-in]")
    phone.fill("input[name=mobile]", MOBILE)
    phone.click("button.primary")
    phone.fill("input[name=code]", last_code(sqlite_kernel))
    phone.click("button.primary")
    expect(phone).to_have_url(f"{live_server}/m/products")
    expect(phone.locator("main")).to_contain_text("陈小梅")

    sign_in(page, live_server, "rm.xh")
    page.goto(f"{live_server}/console/outreach")
    page.click(f"a[href='/console/outreach/codes/{code.id}']")
    funnel = page.locator("[data-testid=funnel]")
    expect(funnel.locator("tr[data-step=scans] td.num").first).to_have_text("1")
    expect(funnel.locator("tr[data-step=sign_ins] td.num").first).to_have_text("1")
    expect(funnel.locator("tr[data-step=started] td.num").first).to_have_text("0")
    expect(page.locator("[data-testid=scans]")).to_contain_text("陈**")
    # the chart is drawn by ECharts served from the package
    expect(page.locator("#funnel-chart canvas")).to_have_count(1)
    assert page.evaluate("() => document.querySelector('[data-testid=qr-image]').naturalWidth") \
        > 200


def test_an_rm_creates_a_code_copies_it_and_a_paused_code_tells_the_customer_why(
    sqlite_kernel: Kernel, live_server: str, page: Page, browser: Browser,
) -> None:
    make_small_bank(sqlite_kernel)
    sign_in(page, live_server, "rm.xh")
    page.goto(f"{live_server}/console/outreach")
    form = page.locator("[data-testid=create-code]")
    form.locator("input[name=title]").fill("存款到期提醒")
    form.locator("select[name=purpose]").select_option("deposit_renewal")
    form.locator("input[name=product]").fill("CD-1Y")
    form.locator("select[name=channel]").select_option("sms")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("存款到期提醒")
    expect(page.locator("main")).to_contain_text("用途: 定期存款到期转存")  # the journey's name
    link = page.locator("[data-testid=qr-link]").input_value()
    assert re.fullmatch(rf"{live_server}/q/[A-Za-z0-9_-]{{12}}\.[a-z0-9]{{2}}[A-Za-z0-9_-]{{11}}",
                        link)
    page.click("#copy-link")
    expect(page.locator("#copy-link")).to_have_text("已复制")
    page.click("[data-testid=pause]")
    expect(page.locator("[data-testid=state]")).to_have_text("已暂停")
    expect(page.locator(".flash")).to_have_text("二维码已暂停。")
    expect(page).to_have_url(re.compile(r"/console/outreach/codes/[0-9a-f-]{36}\?done=paused$"))

    customer = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    phone = customer.new_page()
    phone.goto(link)
    expect(phone.locator("[data-testid=scan-rejected]")).to_have_attribute(
        "data-reason", "qr_code_paused")
    expect(phone.locator("[data-testid=scan-reason]")).to_have_text(
        "this QR code is paused for now; please try again later")
    customer.close()
    with sqlite_kernel.db.session() as session:
        from tests.factories.identity import actor_of

        rm = actor_of(session, "rm.xh")
        code_id = uuid.UUID(page.url.split("/codes/")[1].split("?")[0])
        reasons = [s.reason for s in outreach.recent_scans(session, rm, code_id=code_id)]
    assert reasons == ["qr_code_paused"]


def test_an_employee_new_to_the_bank_scans_the_roster_code_opens_a_payroll_card_and_is_ticked(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    employer = make_employer(kernel, bank)
    use_outreach_codes(kernel)
    code = make_group_code(kernel, bank.rm_bj, employer.enterprise_id, title="示范科技代发工资卡")
    with kernel.db.session() as session:
        outreach.import_enterprise_roster(session, bank.rm_bj, code_id=code.id)

    phone.goto(live_server + code.path)
    prospect_proves_mobile(phone, kernel, employer.employee_mobile)
    on_step(phone, "identity")
    phone.fill("input[name=name]", employer.employee_name)
    phone.fill("input[name=id_number]", employer.employee_id_number)
    next_step(phone)
    on_step(phone, "selfie")
    upload(phone, "selfie", selfie(fmt="PNG"), filename="me.png", mime="image/png")
    next_step(phone)
    on_step(phone, "consent")
    agree(phone)
    on_step(phone, "confirm")
    next_step(phone)
    completed(phone)

    sign_in(page, live_server, "rm.bj")
    page.goto(f"{live_server}/console/outreach/codes/{code.id}")
    funnel = page.locator("[data-testid=funnel]")
    expect(funnel.locator("tr[data-step=scans] td.num").first).to_have_text("1")
    expect(funnel.locator("tr[data-step=completed] td.num").first).to_have_text("1")
    roster = page.locator("[data-testid=roster-section]")
    expect(roster).to_contain_text("名单 2 人中已办理 1 人")
    expect(page.locator("[data-testid=roster] tr", has_text="周*")).to_contain_text("是")


def test_a_renewal_from_an_rms_code_is_pending_then_realised_with_the_principal_kept(
    sqlite_kernel: Kernel, live_server: str, phone: Page, page: Page,
) -> None:
    from contactless.corebank import service as corebank
    from contactless.platform.context import SYSTEM
    from tests.factories.journeys import deposit_maturing_in, make_banked_customer
    from tests.journeys.steps import customer_signs_in, qr_code

    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    use_outreach_codes(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=9, amount="23456.78")
    path = qr_code(kernel, banked.bank.rm_xh, "deposit_renewal", channel="sms")

    phone.goto(f"{live_server}{path}")  # the lean scan path, then the start link it sends to
    customer_signs_in(phone, kernel, banked.mobile)
    on_step(phone, "deposit")
    phone.check(f"input[name=deposit_id][value='{deposit.id}']")
    next_step(phone)
    on_step(phone, "plan")
    phone.check("input[name=option][value=renew_all]")
    phone.check("input[name=term][value='6m']")
    next_step(phone)
    next_step(phone)
    completed(phone)

    sign_in(page, live_server, "rm.xh")
    page.goto(f"{live_server}/console/outreach/conversions")
    expect(page.locator("[data-testid=pending-amount]")).to_have_text("23,456.78")
    expect(page.locator("[data-testid=realised-amount]")).to_have_text("0.00")
    expect(page.locator("[data-testid=credits] [data-testid=status]")).to_have_text(["待实现"])

    with kernel.db.session() as session:
        corebank.run_maturities(session, SYSTEM, on=deposit.maturity_date)
    page.reload()
    # the principal kept, not principal plus interest
    expect(page.locator("[data-testid=realised-amount]")).to_have_text("23,456.78")
    expect(page.locator("[data-testid=pending-amount]")).to_have_text("0.00")
    expect(page.locator("[data-testid=credits] [data-testid=status]")).to_have_text(["已实现"])
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "realised,deposit_kept" in exported
    assert "23456.78" in exported
    row = exported.splitlines()[1].split(",")
    assert row[4].endswith(banked.mobile[:3] + "****" + banked.mobile[-4:])  # masked customer


def test_a_branch_manager_reads_the_leaderboard_and_a_group_codes_roster(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    """The branch manager's first hour: who brought money in, by name and branch, and how far
    an enterprise's payroll roster has got."""
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    employer = make_employer(kernel, bank)
    use_outreach_codes(kernel)
    outreach.subscribe(kernel.bus)
    group = make_group_code(kernel, bank.rm_bj, employer.enterprise_id, title="示范科技代发工资卡")
    with kernel.db.session() as session:
        outreach.import_enterprise_roster(session, bank.rm_bj, code_id=group.id)
    customer = make_customer(kernel, bank.rm_xh, serial=61, mobile="13800000061").id
    personal = make_code(kernel, bank.rm_xh)
    scan(kernel, personal, customer_id=customer)
    complete_journey(kernel, customer_id=customer, amount="8000.00")

    sign_in(page, live_server, "bm.hz")
    page.goto(f"{live_server}/console/outreach/leaderboard")
    board = page.locator("[data-testid=rm-leaderboard]")
    first = board.locator("tbody tr").first
    expect(first).to_contain_text("RM.XH")
    expect(first).to_contain_text("西湖支行")  # the branch's name, never its code
    expect(first).to_contain_text("8,000.00")
    expect(page.locator("[data-testid=branch-leaderboard]")).not_to_contain_text("HZ-XH")
    page.goto(f"{live_server}/console/outreach/codes/{group.id}")
    expect(page.locator("[data-testid=roster-section]")).to_contain_text("名单 2 人中已办理 0 人")
    expect(page.locator("[data-testid=roster] tr", has_text="周*")).to_be_visible()
