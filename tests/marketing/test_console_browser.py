"""A maturity campaign in real browsers, from the playbook to one conversion: the branch
marketer clones it and saves it (a bad holdout refused on the way, and their own approval),
the head-office marketing lead approves it, the marketer starts it, the morning run gives the
RM a call; the RM, on a phone, logs the outcome with one click and the customer renews
through the personal link; the dashboard counts one conversion and the money kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from contactless.marketing import service as marketing
from contactless.platform.kernel import Kernel
from tests.factories.marketing import make_marketing_bank, run_day
from tests.journeys.steps import completed, customer_signs_in, next_step, on_step
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def customer_phone(browser: Browser) -> Iterator[Page]:
    """The customer's own phone (the RM has theirs)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    yield phone
    context.close()


def sign_out(page: Page) -> None:
    page.click(".who button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/login"))


def marketer_clones_and_saves(page: Page, base: str) -> str:
    """The branch marketer's part: the campaign's address once saved."""
    sign_in(page, base, "mk.hz")
    page.click(".sidenav >> text=营销活动")
    expect(page.locator("[data-testid=playbook]")).to_have_count(len(marketing.PLAYBOOKS))
    page.click("[data-testid=clone-maturity_renewal]")
    expect(page.locator(".flash")).to_contain_text("已按剧本生成草稿")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "draft")
    expect(page.locator("input[name=target_days]")).to_have_value("30")
    expect(page.locator("input[name=target_min_amount]")).to_have_value("50000.00")
    # only the maturing target's inputs show
    expect(page.locator("[data-field=target_tree]")).to_be_hidden()
    expect(page.locator("[data-field=target_rise_percent]")).to_be_hidden()
    page.fill("input[name=name]", "三月到期续存")
    page.fill("input[name=holdout_percent]", "80")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=error]")).to_contain_text(
        "对照组比例（%） 须为 0 至 50 之间的整数")
    # and beside the input, which has the focus
    expect(page.locator("[data-field=holdout_percent] [data-testid=field-error]")).to_be_visible()
    expect(page.locator("input[name=holdout_percent]")).to_be_focused()
    expect(page.locator("input[name=holdout_percent]")).to_have_value("80")  # kept
    expect(page.locator("input[name=name]")).to_have_value("三月到期续存")
    page.fill("input[name=holdout_percent]", "0")  # one customer: nobody held back
    page.click("[data-testid=save]")
    expect(page.locator(".flash")).to_contain_text("已保存为草稿")
    expect(page.locator("h1")).to_contain_text("三月到期续存")
    page.click("[data-testid=move-approve]")  # the maker tries to approve their own
    expect(page.locator("[data-testid=error]")).to_contain_text("创建人不能审批自己的活动")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "draft")
    page.click("[data-testid=preview]")
    expect(page.locator("[data-testid=audience-count]")).to_have_text("1")
    address = page.url.removesuffix("/preview")
    sign_out(page)
    return address


def lead_approves_and_marketer_starts(page: Page, base: str, address: str) -> None:
    sign_in(page, base, "mk.hq")
    page.goto(address)
    page.click("[data-testid=move-approve]")
    expect(page.locator(".flash")).to_contain_text("已审批")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "approved")
    expect(page.locator("[data-testid=move-approve]")).to_have_count(0)
    sign_out(page)
    sign_in(page, base, "mk.hz")
    page.goto(address)
    page.click("[data-testid=move-start]")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "running")
    expect(page.locator("[data-testid=move-pause]")).to_be_visible()


def rm_works_the_call(phone: Page, base: str, customer_id: str) -> str:
    """The RM's part, on a phone: the link to send to the customer."""
    sign_in(phone, base, "rm.xh")
    phone.click(".sidenav >> text=我的今日任务")
    task = phone.locator("[data-testid=task]")
    expect(task).to_have_count(1)
    expect(task.locator("[data-testid=customer]")).to_have_attribute(
        "href", f"/console/customers/{customer_id}")
    expect(task).to_contain_text("三月到期续存")
    link = task.locator("[data-testid=task-link]").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/q/[\w.-]+", link), link
    box = task.locator("[data-testid=outcome-interested]").bounding_box()
    assert box is not None
    assert box["width"] >= 120  # a thumb's button on a 390 px screen
    task.locator("textarea[name=notes]").fill("客户有意续存，已发续存链接")
    task.locator("[data-testid=outcome-interested]").click()
    expect(phone.locator(".flash")).to_contain_text("外呼结果已保存")
    expect(phone.locator("[data-testid=no-tasks]")).to_be_visible()
    done = phone.locator("[data-testid=done-task]")
    expect(done).to_have_attribute("data-outcome", "interested")
    expect(done).to_contain_text("客户有意续存")
    return link


def customer_renews(phone: Page, kernel: Kernel, link: str, mobile: str) -> None:
    phone.goto(link)
    customer_signs_in(phone, kernel, mobile)
    on_step(phone, "deposit")
    phone.locator("input[name=deposit_id]").first.check()
    next_step(phone)
    on_step(phone, "plan")
    phone.check("input[name=option][value=renew_all]")
    phone.check("input[name=term][value='1y']")
    next_step(phone)
    on_step(phone, "confirm")
    next_step(phone)
    completed(phone)


def test_a_maturity_campaign_from_the_playbook_to_one_renewal(
    sqlite_kernel: Kernel, live_server: str, page: Page, phone: Page, customer_phone: Page,
) -> None:
    kernel = sqlite_kernel
    mb = make_marketing_bank(kernel, customers=1, days=10, amount="60000.00")
    person = mb.customers[0]

    address = marketer_clones_and_saves(page, live_server)
    lead_approves_and_marketer_starts(page, live_server, address)
    report = marketing.run_daily(kernel, on=run_day(kernel))  # the worker's morning run
    assert [(r.members, r.tasks, r.messages) for r in report.campaigns] == [(1, 1, 1)]

    link = rm_works_the_call(phone, live_server, str(person.customer.id))
    customer_renews(customer_phone, kernel, link, person.mobile)

    page.goto(f"{address}/results")
    expect(page.locator("[data-testid=converted]")).to_have_text("1")
    expect(page.locator("[data-testid=audience]")).to_have_text("1")
    expect(page.locator("[data-testid=reached]")).to_have_text("1")  # the answered call
    expect(page.locator("[data-testid=rate]")).to_have_text("100.0%")
    expect(page.locator("[data-testid=money]")).to_have_text("60,000.00")
    expect(page.locator("[data-testid=by-rm] tbody tr")).to_contain_text("RM.XH")
    expect(page.locator("#campaign-days-chart canvas")).to_have_count(1)
    with page.expect_download() as download:
        page.click("[data-testid=csv]")
    assert download.value.suggested_filename.endswith("-results.csv")
    csv = download.value.path().read_text(encoding="utf-8-sig")
    assert csv.splitlines()[1].startswith("group,treatment,,1,1,1.0000,60000.00")
