"""The risk console page in a real browser: the engine's state, the live chart, a condition
that does not parse shown again with where, a backtest, a rule saved as a new version."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from tests.factories.identity import make_small_bank
from tests.risk.test_engine import LARGE, _analyst
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def _decide(kernel: Kernel, amount: str) -> str:
    with kernel.db.session() as session:
        decision = risk.assess(session, SYSTEM, kind="transfer", channel="api",
                               amount=Decimal(amount), currency="CNY", payee="acct-9")
    return decision.outcome.value


def test_an_analyst_reads_the_state_backtests_and_saves_a_rule(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    make_small_bank(sqlite_kernel)
    _analyst(sqlite_kernel)
    assert [_decide(sqlite_kernel, amount) for amount in ("80.00", "900.00")] == [
        "approve", "approve"]
    risk.flush(sqlite_kernel)
    sign_in(page, live_server, "analyst")
    expect(page.locator(".sidenav")).to_contain_text("风险控制")
    page.goto(f"{live_server}/console/risk")
    expect(page.locator("[data-testid=risk-mode]")).to_contain_text("未加载模型")
    expect(page.locator("[data-testid=risk-chart] canvas")).to_have_count(1)
    expect(page.locator("[data-testid=case-queue]")).to_contain_text("暂无待审核案件")

    page.fill("textarea[name=condition]", '{"field": "amount", "op": ">="')
    page.click("[data-testid=backtest]")
    expect(page.locator("[data-testid=rule-error]")).to_contain_text("第 1 行")
    expect(page.locator("textarea[name=condition]")).to_have_value(
        '{"field": "amount", "op": ">="')  # what was typed is kept

    page.fill("textarea[name=condition]", json.dumps(LARGE))
    page.click("[data-testid=backtest]")
    expect(page.locator("[data-testid=backtest-result]")).to_contain_text(
        "在已存的 2 笔决策中命中 1 笔")

    page.fill("input[name=key]", "large_review")
    page.select_option("select[name=action]", "review")
    page.fill("input[name=weight]", "0.5")
    page.click("[data-testid=save-rule]")
    expect(page.locator("[data-testid=rule-row]")).to_contain_text("large_review@v1")
    expect(page.locator("[data-testid=rule-row]")).to_contain_text("shadow")
    assert _decide(sqlite_kernel, "950.00") == "approve"  # a shadow rule decides nothing
