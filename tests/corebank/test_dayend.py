"""Quarterly interest settlement (结息), closing an account (销户) and the day close (日终)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DEMAND_TERM,
    DepositProduct,
    RateProduct,
    RepaymentMethod,
    RiskLevel,
    Term,
)
from contactless.corebank.errors import (
    AccountClosed,
    BalanceNotZero,
    DayAlreadyClosed,
    DayClosed,
    DayClosedOutOfOrder,
    DayNotOver,
    InterestAlreadySettled,
    InvalidSettlementDate,
    LinkedProductsOpen,
    SettlementDayNotOver,
    StaffOnly,
)
from contactless.corebank.ledger import settlement
from contactless.corebank.ledger.books import business_date
from contactless.corebank.models import (
    IdempotentRequest,
    InterestRun,
    InterestSettlement,
    JournalEntry,
    Posting,
)
from contactless.identity import approvals
from contactless.identity.approvals import ApprovalView
from contactless.identity.permissions import Operation
from contactless.platform.context import Actor
from contactless.platform.db import Base
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import Kernel
from tests.factories.corebank import (
    CHECKER,
    JOB,
    PRODUCT_ADMIN,
    TELLER,
    cny,
    customer_actor,
    insert_customers,
    key,
    open_account,
)

ADMIN = Actor(kind="staff", id="00000000-0000-4000-8000-0000000000ad", role="admin",
              channel="console", display="admin")
QUARTER_END = date(2025, 6, 20)
QUARTER_START = date(2025, 3, 21)


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def refused(kernel: Kernel, call: Callable[[Session], Any], error: type[Exception],
            code: str) -> None:
    """The call fails with ``error``/``code`` and leaves the books exactly as they were."""
    with kernel.db.session() as session:
        before = (count(session, JournalEntry), count(session, Posting),
                  count(session, IdempotentRequest), count(session, InterestSettlement))
    with pytest.raises(error) as caught, kernel.db.session() as session:
        call(session)
    assert getattr(caught.value, "code", None) == code
    with kernel.db.session() as session:
        assert (count(session, JournalEntry), count(session, Posting),
                count(session, IdempotentRequest), count(session, InterestSettlement)) == before
        assert corebank.verify_books(session).ok


def customer_with_account(kernel: Kernel, funds: str, on: date = QUARTER_START
                          ) -> tuple[uuid.UUID, uuid.UUID]:
    with kernel.db.session() as session:
        (customer,) = insert_customers(session, kernel.cipher, 1)
        account = open_account(session, customer, funds=funds, on=on)
    return customer, account.id


def interest_lines(session: Session, account_id: uuid.UUID) -> list[Any]:
    return [item for item in corebank.account_history(session, TELLER, account_id=account_id,
                                                      page_size=200).items
            if item.kind == "interest_settlement"]


# -- 结息 -----------------------------------------------------------------------------------------


def test_a_quarter_pays_the_day_end_balances_times_the_rate_over_360(kernel: Kernel) -> None:
    _customer, account = customer_with_account(kernel, "100000.00")
    with kernel.db.session() as session:
        corebank.withdraw_cash(session, TELLER, idempotency_key=key(), account_id=account,
                               amount=cny("40000.00"), on=date(2025, 5, 1))
        # after the period: not part of this quarter's 积数
        corebank.withdraw_cash(session, TELLER, idempotency_key=key(), account_id=account,
                               amount=cny("1000.00"), on=date(2025, 6, 21))
    with kernel.db.session() as session:
        result = corebank.settle_interest(session, JOB, settlement_date=QUARTER_END)
    # 41 days at 100,000 and 51 days at 60,000: 7,160,000 × 0.20% / 360 = 39.777…
    assert result.complete
    assert result.accounts_with_interest == 1
    assert result.interest == {"CNY": Decimal("39.78")}
    assert (result.period_start, result.credit_date) == (QUARTER_START, date(2025, 6, 21))
    with kernel.db.session() as session:
        (line,) = interest_lines(session, account)
        assert line.amount == cny("39.78")
        assert line.value_date == date(2025, 6, 21)
        assert corebank.get_account(session, TELLER, account_id=account).balance \
            == cny("59039.78")
        row = session.scalars(select(InterestSettlement)).one()
        assert row.balance_days == Decimal("7160000")
        assert corebank.trial_balance(session).balanced
        assert corebank.verify_books(session).ok


def test_a_rate_change_in_the_quarter_splits_the_accrual(kernel: Kernel) -> None:
    _customer, account = customer_with_account(kernel, "100000.00")
    with kernel.db.session() as session:
        corebank.withdraw_cash(session, TELLER, idempotency_key=key(), account_id=account,
                               amount=cny("40000.00"), on=date(2025, 5, 1))
        corebank.set_deposit_rate(session, ADMIN, idempotency_key=key(),
                                  product=RateProduct.DEMAND, term=DEMAND_TERM, currency="CNY",
                                  annual_rate=Decimal("0.0035"), effective_from=date(2025, 5, 1))
    with kernel.db.session() as session:
        result = corebank.settle_interest(session, JOB, settlement_date=QUARTER_END)
    # (4,100,000 × 0.20% + 3,060,000 × 0.35%) / 360 = 52.527…
    assert result.interest == {"CNY": Decimal("52.53")}


def test_a_second_settlement_of_the_period_is_refused_and_posts_nothing(kernel: Kernel) -> None:
    customer_with_account(kernel, "5000.00")
    with kernel.db.session() as session:
        corebank.settle_interest(session, JOB, settlement_date=QUARTER_END)
    refused(kernel, lambda session: corebank.settle_interest(
        session, JOB, settlement_date=QUARTER_END), InterestAlreadySettled,
        "interest_already_settled")


def test_only_settlement_dates_that_are_over_settle(kernel: Kernel) -> None:
    customer_with_account(kernel, "5000.00")
    refused(kernel, lambda session: corebank.settle_interest(
        session, JOB, settlement_date=date(2025, 6, 19)), InvalidSettlementDate,
        "not_a_settlement_date")
    with kernel.db.session() as session:
        today = business_date(session)
    coming = date(today.year + 1, 3, 20)
    refused(kernel, lambda session: corebank.settle_interest(
        session, JOB, settlement_date=coming), SettlementDayNotOver, "settlement_day_not_over")
    refused(kernel, lambda session: corebank.settle_interest(
        session, customer_actor(uuid.uuid4()), settlement_date=QUARTER_END), StaffOnly,
        "staff_only")


def test_a_crash_in_the_middle_then_a_rerun_settles_each_account_once(
        kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = [customer_with_account(kernel, f"{1000 * (n + 1)}.00")[1] for n in range(5)]
    with kernel.db.session() as session:
        first = corebank.settle_interest(session, JOB, settlement_date=QUARTER_END,
                                         max_accounts=2)
    assert (first.accounts_settled, first.complete) == (2, False)
    # the next run dies after its first batch of one account was written
    monkeypatch.setattr(settlement, "BATCH_SIZE", 1)
    batches = {"n": 0}
    settle_batch = settlement.InterestOps._settle_batch

    def crash(self: settlement.InterestOps, *args: Any) -> tuple[int, int]:
        written = settle_batch(self, *args)
        batches["n"] += 1
        if batches["n"] == 2:
            raise RuntimeError("the machine lost power")
        return written

    monkeypatch.setattr(settlement.InterestOps, "_settle_batch", crash)
    with pytest.raises(RuntimeError), kernel.db.session() as session:
        corebank.settle_interest(session, JOB, settlement_date=QUARTER_END)
    monkeypatch.setattr(settlement.InterestOps, "_settle_batch", settle_batch)
    assert batches["n"] == 2
    with kernel.db.session() as session:
        assert count(session, InterestSettlement) == 2
        rest = corebank.settle_interest(session, JOB, settlement_date=QUARTER_END)
    assert (rest.accounts_settled, rest.complete) == (3, True)
    with kernel.db.session() as session:
        for number, account in enumerate(accounts):
            (line,) = interest_lines(session, account)
            # 92 days at 1,000 × (n + 1) at 0.20% / 360
            expected = (Decimal(1000 * (number + 1)) * 92 * Decimal("0.0020") / 360)
            assert line.amount == cny(str(expected.quantize(Decimal("0.01"))))
        assert session.scalars(select(InterestRun.status)).one() == "completed"
        assert corebank.verify_books(session).ok
    refused(kernel, lambda session: corebank.settle_interest(
        session, JOB, settlement_date=QUARTER_END), InterestAlreadySettled,
        "interest_already_settled")


# -- 销户 -----------------------------------------------------------------------------------------


def test_a_customer_closes_a_class2_account_into_the_bound_account(kernel: Kernel) -> None:
    customer, first = customer_with_account(kernel, "10000.00", on=date(2025, 1, 2))
    me = customer_actor(customer)
    with kernel.db.session() as session:
        second = corebank.open_account(session, me, idempotency_key=key(), customer_id=customer,
                                       account_class=2, bound_account_id=first,
                                       on=date(2025, 1, 2))
        corebank.transfer(session, me, idempotency_key=key(), source_account_id=first,
                          target_account_id=second.id, amount=cny("3600.00"),
                          on=date(2025, 1, 11))
    with kernel.db.session() as session:
        closed = corebank.close_account(session, me, idempotency_key=key(),
                                        account_id=second.id, transfer_to_account_id=first,
                                        on=date(2025, 2, 20))
    # 3,600 from 11 January to 19 February: 40 days × 0.20% / 360 = 0.80
    assert closed.interest == cny("0.80")
    assert closed.moved == cny("3600.80")
    with kernel.db.session() as session:
        assert corebank.get_account(session, me, account_id=second.id).status == "closed"
        assert corebank.get_account(session, me, account_id=first).balance == cny("10000.80")
        entry = session.get(JournalEntry, closed.closing_entry_id)
        assert entry is not None
        assert entry.kind == "account_closed"
        assert corebank.verify_books(session).ok
    refused(kernel, lambda session: corebank.transfer(
        session, me, idempotency_key=key(), source_account_id=first,
        target_account_id=second.id, amount=cny("1.00")), AccountClosed, "account_closed")
    refused(kernel, lambda session: corebank.deposit_cash(
        session, TELLER, idempotency_key=key(), account_id=second.id, amount=cny("1.00")),
        AccountClosed, "account_closed")
    refused(kernel, lambda session: corebank.transfer(
        session, me, idempotency_key=key(), source_account_id=second.id,
        target_account_id=first, amount=cny("1.00")), AccountClosed, "account_closed")
    # the quarterly run does not pay the closed account again
    with kernel.db.session() as session:
        corebank.settle_interest(session, JOB, settlement_date=date(2025, 3, 20))
        assert len(interest_lines(session, second.id)) == 1


def test_an_account_with_linked_products_or_money_left_does_not_close(kernel: Kernel) -> None:
    customer, first = customer_with_account(kernel, "20000.00", on=date(2025, 1, 2))
    me = customer_actor(customer)
    with kernel.db.session() as session:
        deposit = corebank.place_deposit(session, me, idempotency_key=key(),
                                         source_account_id=first, product=DepositProduct.TIME,
                                         term=Term.M3, amount=cny("5000.00"),
                                         on=date(2025, 1, 3))
    refused(kernel, lambda session: corebank.close_account(
        session, TELLER, idempotency_key=key(), account_id=first, on=date(2025, 2, 1)),
        LinkedProductsOpen, "account_has_linked_products")
    refused(kernel, lambda session: corebank.close_account(
        session, me, idempotency_key=key(), account_id=first, on=date(2025, 2, 1)),
        StaffOnly, "staff_only")
    with kernel.db.session() as session:
        corebank.withdraw_deposit_early(session, me, idempotency_key=key(),
                                        deposit_id=deposit.id, on=date(2025, 2, 1))
    refused(kernel, lambda session: corebank.close_account(
        session, TELLER, idempotency_key=key(), account_id=first, on=date(2025, 2, 2)),
        BalanceNotZero, "account_balance_not_zero")


def test_a_loan_a_wealth_holding_or_a_bound_class2_account_blocks_the_closing(
        kernel: Kernel) -> None:
    customer, first = customer_with_account(kernel, "50000.00", on=date(2025, 1, 2))
    me = customer_actor(customer)
    with kernel.db.session() as session:
        loan = corebank.book_loan(session, TELLER, idempotency_key=key(), customer_id=customer,
                                  demand_account_id=first, principal=cny("6000.00"),
                                  annual_rate=Decimal("0.0500"), term_months=6,
                                  method=RepaymentMethod.EQUAL_INSTALMENT, on=date(2025, 1, 3))
        corebank.disburse_loan(session, CHECKER, idempotency_key=key(), loan_id=loan.id,
                               on=date(2025, 1, 3))
        wealth = corebank.create_wealth_product(
            session, PRODUCT_ADMIN, idempotency_key=key(), code="WM-CLOSE", name="稳健理财",
            risk_level=RiskLevel.R2, min_purchase=cny("1000.00"), maturity_date=None,
            initial_nav=Decimal("1.0000"), nav_date=date(2025, 1, 2))
        corebank.buy_wealth(session, me, idempotency_key=key(), source_account_id=first,
                            product_id=wealth.id, amount=cny("2000.00"), on=date(2025, 1, 6))
        corebank.open_account(session, me, idempotency_key=key(), customer_id=customer,
                              account_class=2, bound_account_id=first, on=date(2025, 1, 6))
    with pytest.raises(LinkedProductsOpen) as caught, kernel.db.session() as session:
        corebank.close_account(session, TELLER, idempotency_key=key(), account_id=first,
                               on=date(2025, 2, 1))
    assert set(caught.value.extra["products"]) == {"loan", "wealth_holding", "class2_account"}
    refused(kernel, lambda session: corebank.close_account(
        session, TELLER, idempotency_key=key(), account_id=first, on=date(2025, 2, 1)),
        LinkedProductsOpen, "account_has_linked_products")


def test_an_emptied_class1_account_closes_with_its_interest_paid_out(kernel: Kernel) -> None:
    customer, first = customer_with_account(kernel, "9000.00", on=date(2025, 1, 2))
    with kernel.db.session() as session:
        other = open_account(session, customer, on=date(2025, 1, 2))
        corebank.transfer(session, customer_actor(customer), idempotency_key=key(),
                          source_account_id=first, target_account_id=other.id,
                          amount=cny("9000.00"), on=date(2025, 1, 12))
        held = corebank.close_account(session, TELLER, idempotency_key=key(),
                                      account_id=first, transfer_to_account_id=other.id,
                                      on=date(2025, 1, 20))
    # staff close with four eyes: nothing happens until a branch manager approves
    assert isinstance(held, ApprovalView)
    assert held.operation == Operation.ACCOUNT_CLOSE
    with kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=first).status == "active"
    with pytest.raises(ContactlessError), kernel.db.session() as session:
        approvals.approve(session, TELLER, approval_id=held.id)  # not by the one who asked
    with kernel.db.session() as session:
        approved = approvals.approve(session, CHECKER, approval_id=held.id)
    assert approved.result is not None
    assert approved.result["closed_on"] == "2025-01-20"
    # 9,000 for 10 days: 0.50 of interest, moved with the closing
    with kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=first).status == "closed"
        assert corebank.get_account(session, TELLER, account_id=other.id).balance \
            == cny("9000.50")


# -- 日终 -----------------------------------------------------------------------------------------


def test_a_closed_day_takes_no_postings_and_later_ones_carry_the_next_day(
        kernel: Kernel, tmp_path: Path) -> None:
    customer, account = customer_with_account(kernel, "500.00", on=date(2025, 6, 30))
    with kernel.db.session() as session:
        today = business_date(session)
        corebank.deposit_cash(session, TELLER, idempotency_key=key(), account_id=account,
                              amount=cny("70.00"), on=today)
    with kernel.db.session() as session:
        closed = corebank.close_day(session, JOB, business_date=today)
    assert closed.trial_balance.balanced
    lines = {(line.currency, line.account_kind): line for line in closed.general_ledger}
    demand = lines[("CNY", "demand")]
    assert (demand.opening, demand.debits, demand.credits, demand.closing) == \
        (Decimal("-500.00"), Decimal("0.00"), Decimal("70.00"), Decimal("-570.00"))
    assert demand.gl_code == "201101"
    refused(kernel, lambda session: corebank.deposit_cash(
        session, TELLER, idempotency_key=key(), account_id=account, amount=cny("1.00"),
        on=today), DayClosed, "day_closed")
    refused(kernel, lambda session: corebank.deposit_cash(
        session, TELLER, idempotency_key=key(), account_id=account, amount=cny("1.00"),
        on=date(2025, 7, 1)), DayClosed, "day_closed")
    with kernel.db.session() as session:
        late = corebank.transfer(session, customer_actor(customer), idempotency_key=key(),
                                 source_account_id=account,
                                 target_account_id=open_account(session, customer).id,
                                 amount=cny("5.00"))
    assert late.value_date == today + timedelta(days=1)
    exported = corebank.export_general_ledger(closed, tmp_path / "gl")
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert {row["gl_code"] for row in rows} >= {"201101", "1001"}
    cash = next(row for row in rows if row["account_kind"] == "cash")
    assert cash["closing"] == "570.00"
    assert cash["gl_name"] == "库存现金"
    with kernel.db.session() as session:
        last = corebank.last_closed_day(session, ADMIN)
        assert last is not None
        assert last.business_date == today
        assert last.trial_balance == closed.trial_balance


def test_days_close_in_order_once_each_and_never_ahead(kernel: Kernel) -> None:
    customer_with_account(kernel, "100.00", on=date(2025, 3, 1))
    with kernel.db.session() as session:
        corebank.close_day(session, JOB, business_date=date(2025, 3, 1))
    refused(kernel, lambda session: corebank.close_day(
        session, JOB, business_date=date(2025, 3, 3)), DayClosedOutOfOrder,
        "day_closed_out_of_order")
    refused(kernel, lambda session: corebank.close_day(
        session, JOB, business_date=date(2025, 3, 1)), DayAlreadyClosed, "day_already_closed")
    refused(kernel, lambda session: corebank.close_day(
        session, JOB, business_date=date(2025, 2, 28)), DayAlreadyClosed, "day_already_closed")
    with kernel.db.session() as session:
        corebank.close_day(session, JOB, business_date=date(2025, 3, 2))
        today = business_date(session)
    with kernel.db.session() as session:
        assert corebank.last_closed_day(session, ADMIN).business_date == date(2025, 3, 2)
    assert today > date(2025, 3, 2)


def test_a_day_ahead_of_today_cannot_close(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        tomorrow = business_date(session) + timedelta(days=1)
    refused(kernel, lambda session: corebank.close_day(session, JOB, business_date=tomorrow),
            DayNotOver, "day_not_over")
