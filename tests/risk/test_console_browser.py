"""The risk console in a real browser: the engine's state, the live chart, a condition that
does not parse shown again with where, a backtest, a rule saved as a new version; the model
page with the registry's versions, a feature-importance chart, the champion's drift report,
promotion and rollback, and a changed model file refused there; a case worked from its page
(taken, noted, fraud with the account frozen) and the block list kept from the page."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contactless.corebank.models import LedgerAccount
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import manage, monitoring
from contactless.risk import service as risk
from contactless.risk.manage import registry_of
from tests.corebank.test_api import setup_two
from tests.factories.identity import actor_of, make_small_bank
from tests.risk.test_engine import LARGE, _analyst
from tests.risk.training import (
    halves,
    register_trained,
    shifted,
    simulated_history,
    store_decisions,
)
from tests.web.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def _decide(kernel: Kernel, amount: str, *, customer: uuid.UUID | None = None,
            account: uuid.UUID | None = None) -> str:
    with kernel.db.session() as session:
        decision = risk.assess(session, SYSTEM, kind="transfer", channel="api",
                               customer_id=customer, account=account, amount=Decimal(amount),
                               currency="CNY", payee="acct-9")
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


def test_an_analyst_reads_the_models_and_their_drift_promotes_and_rolls_back(
    sqlite_kernel: Kernel, live_server: str, page: Page, tmp_path: Path,
) -> None:
    make_small_bank(sqlite_kernel)
    _analyst(sqlite_kernel)
    history = simulated_history(tmp_path / "history")
    trained, unseen = halves(history)
    registry = registry_of(sqlite_kernel)
    linear = register_trained(registry, history, trained)
    trees = register_trained(registry, history, unseen, algorithm="lightgbm")
    registry.promote(linear.version)
    store_decisions(sqlite_kernel, linear, shifted(history.features[unseen], "amount", 2.0),
                    at=datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    with sqlite_kernel.db.session() as session:
        monitoring.report_drift(session, SYSTEM, day=date(2026, 11, 30))

    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server}/console/risk")
    expect(page.locator("[data-testid=models]")).to_contain_text("逻辑回归")
    page.click("[data-testid=models-link]")
    expect(page).to_have_url(f"{live_server}/console/risk/models")
    rows = page.locator("[data-testid=model-row]")
    expect(rows).to_have_count(2)
    linear_row = page.locator(f"[data-testid=model-row][data-version='{linear.version}']")
    trees_row = page.locator(f"[data-testid=model-row][data-version='{trees.version}']")
    expect(linear_row).to_contain_text("逻辑回归")
    expect(linear_row).to_contain_text("0.9000")
    expect(linear_row.locator("[data-testid=model-role]")).to_have_text("冠军")
    expect(trees_row).to_contain_text("梯度提升树")
    expect(page.locator("[data-testid=importance]")).to_contain_text(linear.version)
    expect(page.locator("[data-testid=importance-chart] canvas")).to_have_count(1)
    expect(page.locator("[data-testid=drift-summary]")).to_contain_text(linear.version)
    expect(page.locator("[data-testid=drift-shifted]")).to_contain_text("amount")
    expect(page.locator("[data-testid=drift-row][data-feature=amount]")).to_contain_text(
        "已偏移")
    expect(page.locator("[data-testid=drift-row][data-feature=card_count_7d]")).not_to_contain_text(
        "已偏移")
    expect(page.locator("[data-testid=psi-chart] canvas")).to_have_count(1)
    expect(page.locator("[data-testid=drift-precision]")).to_contain_text("精确率")

    trees_row.locator("[data-testid=make-champion]").click()
    expect(trees_row.locator("[data-testid=model-role]")).to_have_text("冠军")
    expect(page.locator("[data-testid=drift]")).to_contain_text("尚无漂移报告")
    engine = risk.engine_of(sqlite_kernel)
    assert engine is not None
    assert engine.model is not None
    assert engine.model.version == trees.version  # the engine decides with it at once
    page.click("[data-testid=rollback]")
    expect(linear_row.locator("[data-testid=model-role]")).to_have_text("冠军")

    model_file = registry.folder / f"model-{trees.version}.txt"
    model_file.write_text(model_file.read_text() + "\n# changed\n")
    trees_row.locator("[data-testid=make-champion]").click()
    expect(page.locator("[data-testid=model-error]")).to_contain_text("校验和不符")
    expect(linear_row.locator("[data-testid=model-role]")).to_have_text("冠军")


def _held_for_review(kernel: Kernel) -> tuple[uuid.UUID, uuid.UUID]:
    """A customer's usual payment, then one a live rule holds for review (a case)."""
    alice, _bob, first, _second = setup_two(kernel)
    _analyst(kernel)
    with kernel.db.session() as session:
        manage.save_rule(session, actor_of(session, "analyst"), key="large_review",
                         condition=LARGE, action="review", weight=0.5, status="live")
    assert [_decide(kernel, amount, customer=alice, account=first)
            for amount in ("80.00", "900.00")] == ["approve", "review"]
    risk.flush(kernel)
    return alice, first


def test_an_analyst_works_a_case_from_its_page(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    _alice, first = _held_for_review(sqlite_kernel)
    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server}/console/risk")
    page.click("[data-testid=case-link]")
    expect(page.locator("h1")).to_contain_text("风险案件")
    expect(page.locator("[data-testid=case-status]")).to_have_text("待处理")
    expect(page.locator("[data-testid=case-decision]")).to_contain_text("large_review")
    expect(page.locator("[data-testid=recent-row]")).to_have_count(2)
    page.click("[data-testid=take-case]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("处理中")
    expect(page.locator("[data-testid=case-assignee]")).to_have_text("analyst")  # a name
    page.fill("[data-testid=note-text]", "客户来电确认非本人操作 <b>x</b>")
    page.click("[data-testid=add-note]")
    expect(page.locator("[data-testid=case-note]")).to_contain_text(
        "客户来电确认非本人操作 <b>x</b>")  # shown as typed, never as markup
    page.check("[data-testid=verdict-fraud]")
    page.check("[data-testid=freeze-account]")
    page.click("[data-testid=give-verdict]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("已结案")
    expect(page.locator("[data-testid=case-verdict]")).to_have_text("欺诈")
    expect(page.locator("[data-testid=case-frozen]")).to_contain_text(str(first))
    expect(page.locator("[data-testid=case-actions]")).to_have_count(0)
    with sqlite_kernel.db.session() as session:
        account = session.get(LedgerAccount, first)
        assert account is not None
        assert account.status == "frozen"  # through the core


def test_an_analyst_keeps_the_block_list_from_the_page(
    sqlite_kernel: Kernel, live_server: str, page: Page,
) -> None:
    alice, first = _held_for_review(sqlite_kernel)
    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server}/console/risk")
    expect(page.locator("[data-testid=risk-lists]")).to_contain_text("名单为空")
    page.select_option("select[name=subject]", "customer")
    page.fill("[data-testid=list-value]", "not-an-id")
    page.click("[data-testid=add-to-list]")
    expect(page.locator("[data-testid=list-error]")).to_contain_text("value")  # the page again
    expect(page.locator("[data-testid=list-row]")).to_have_count(0)
    page.select_option("select[name=which]", "block")
    page.select_option("select[name=subject]", "payee")
    page.fill("[data-testid=list-value]", "acct-9")  # as the analyst knows it
    page.fill("input[name=reason]", "骗子账户")
    page.click("[data-testid=add-to-list]")
    expect(page.locator("[data-testid=list-row]")).to_contain_text("acct-9")
    expect(page.locator("[data-testid=list-row]")).to_contain_text("收款方")
    assert _decide(sqlite_kernel, "10.00", customer=alice, account=first) == "block"
    page.click("[data-testid=unlist]")
    expect(page.locator("[data-testid=list-row]")).to_have_count(0)
