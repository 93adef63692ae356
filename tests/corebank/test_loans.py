"""Loans: the schedule, disbursement, repayment, early repayment and deferral."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import RepaymentMethod
from contactless.corebank.errors import (
    InstalmentOverdue,
    InvalidDeferral,
    InvalidLoanTerms,
    LoanNotActive,
    NothingDue,
    NotYourAccount,
    PrepaymentTooLarge,
    StaffOnly,
)
from contactless.corebank.schemas import LoanView
from contactless.platform.kernel import Kernel
from tests.factories.corebank import CHECKER, JOB, TELLER, Pair, cny, customer_actor, key, make_pair

BOOKED = date(2025, 1, 20)


def book(kernel: Kernel, pair: Pair, *, principal: str = "12000.00", months: int = 12,
         rate: str = "0.0600", method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALMENT,
         disburse: bool = True) -> LoanView:
    with kernel.db.session() as session:
        loan = corebank.book_loan(
            session, TELLER, idempotency_key=key(), customer_id=pair.alice,
            demand_account_id=pair.alice_account, principal=cny(principal),
            annual_rate=Decimal(rate), term_months=months, method=method, on=BOOKED)
        if disburse:
            loan = corebank.disburse_loan(session, CHECKER, idempotency_key=key(),
                                          loan_id=loan.id, on=BOOKED)
        return loan


def loan_of(kernel: Kernel, loan_id: uuid.UUID) -> LoanView:
    with kernel.db.session() as session:
        return corebank.get_loan(session, TELLER, loan_id=loan_id)


def test_a_booked_loan_has_its_schedule_and_pays_out_on_disbursement(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="0")
    booked = book(kernel, pair, disburse=False)
    assert booked.status == "booked"
    assert booked.outstanding == cny("0.00")
    assert len(booked.schedule) == 12
    assert sum(row.principal.amount for row in booked.schedule) == Decimal("12000.00")
    with kernel.db.session() as session:
        loan = corebank.disburse_loan(session, CHECKER, idempotency_key=key(), loan_id=booked.id,
                                      on=date(2025, 1, 31))
        with pytest.raises(LoanNotActive):
            corebank.disburse_loan(session, CHECKER, idempotency_key=key(), loan_id=booked.id)
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("12000.00")
        assert corebank.verify_books(session).ok
    assert loan.status == "active"
    assert loan.outstanding == cny("12000.00")
    # the schedule runs from the disbursement day, clamped to month ends
    assert [row.due_date for row in loan.schedule[:2]] == [date(2025, 2, 28), date(2025, 3, 31)]
    # 12000 at 6% over 12 months: 1032.80 a month, 60.00 interest in the first
    assert loan.schedule[0].total == cny("1032.80")
    assert loan.schedule[0].interest == cny("60.00")


def test_equal_principal_schedules_fall(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    loan = book(kernel, pair, method=RepaymentMethod.EQUAL_PRINCIPAL)
    assert {row.principal for row in loan.schedule} == {cny("1000.00")}
    totals = [row.total.amount for row in loan.schedule]
    assert totals == sorted(totals, reverse=True)
    assert totals[0] == Decimal("1060.00")


def test_instalments_are_paid_when_due_and_the_loan_closes(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00")
    loan = book(kernel, pair, principal="3000.00", months=3)
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        with pytest.raises(NothingDue):
            corebank.repay_instalment(session, alice, idempotency_key=key(), loan_id=loan.id,
                                      on=date(2025, 2, 19))
        paid = corebank.repay_instalment(session, alice, idempotency_key=key(),
                                         loan_id=loan.id, on=date(2025, 2, 20))
        assert paid.instalment_number == 1
        assert paid.interest_paid == cny("15.00")
        with pytest.raises(NotYourAccount):
            corebank.repay_instalment(session, customer_actor(pair.bob), idempotency_key=key(),
                                      loan_id=loan.id, on=date(2025, 3, 20))
        # the runner collects the rest as they fall due
        report = corebank.run_maturities(session, JOB, on=date(2025, 4, 20))
        assert report.instalments_collected == 2
        closed = corebank.get_loan(session, TELLER, loan_id=loan.id)
        assert closed.status == "paid_off"
        assert closed.outstanding == cny("0.00")
        assert corebank.loans_of_customer(session, alice, customer_id=pair.alice) == []
        interest = sum(row.interest.amount for row in closed.schedule)
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny(str(Decimal("1000.00") - interest))
        lines = {line.account_kind: line for line in corebank.trial_balance(session).lines}
        assert lines["interest_income"].credits == interest
        assert corebank.verify_books(session).ok


def test_the_runner_leaves_an_instalment_it_cannot_collect(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="0")
    loan = book(kernel, pair, principal="1200.00", months=12)
    with kernel.db.session() as session:
        corebank.withdraw_cash(session, TELLER, idempotency_key=key(),
                               account_id=pair.alice_account, amount=cny("1200.00"))
        report = corebank.run_maturities(session, JOB, on=date(2025, 2, 20))
        assert report.instalments_collected == 0
        assert report.instalments_unpaid == 1
        assert loan_of_session(session, loan.id).schedule[0].status == "due"


def loan_of_session(session: Session, loan_id: uuid.UUID) -> LoanView:
    return corebank.get_loan(session, TELLER, loan_id=loan_id)


def test_early_repayment_charges_accrued_interest_and_respreads_the_rest(
        kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="20000.00")
    loan = book(kernel, pair)
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        with pytest.raises(PrepaymentTooLarge):
            corebank.prepay_loan(session, alice, idempotency_key=key(), loan_id=loan.id,
                                 amount=cny("12000.01"), on=date(2025, 2, 1))
        repaid = corebank.prepay_loan(session, alice, idempotency_key=key(), loan_id=loan.id,
                                      amount=cny("6000.00"), on=date(2025, 2, 1))
    # 6000 × 6% × 12 days / 365 = 11.84
    assert repaid.interest_paid == cny("11.84")
    assert repaid.outstanding == cny("6000.00")
    after = loan_of(kernel, loan.id)
    assert len(after.schedule) == 12
    assert sum(row.principal.amount for row in after.schedule) == Decimal("6000.00")
    assert after.schedule[0].total == cny("516.40")  # half the old payment
    assert after.schedule[0].due_date == loan.schedule[0].due_date
    with kernel.db.session() as session:
        with pytest.raises(InstalmentOverdue):
            corebank.prepay_loan(session, alice, idempotency_key=key(), loan_id=loan.id,
                                 amount=cny("100.00"), on=date(2025, 2, 25))
        corebank.repay_instalment(session, alice, idempotency_key=key(), loan_id=loan.id,
                                  on=date(2025, 2, 25))
        rest = loan_of_session(session, loan.id).outstanding
        final = corebank.prepay_loan(session, alice, idempotency_key=key(), loan_id=loan.id,
                                     amount=rest, on=date(2025, 3, 1))
        assert final.loan_status == "paid_off"
        closed = loan_of_session(session, loan.id)
        assert {row.status for row in closed.schedule[1:]} == {"cancelled"}
        assert corebank.verify_books(session).ok


def test_deferral_shifts_the_schedule_and_adds_the_accrued_interest(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="5000.00")
    loan = book(kernel, pair)
    with kernel.db.session() as session:
        corebank.repay_instalment(session, customer_actor(pair.alice), idempotency_key=key(),
                                  loan_id=loan.id, on=date(2025, 2, 20))
        outstanding = loan_of_session(session, loan.id).outstanding.amount
        deferred = corebank.defer_loan(session, TELLER, idempotency_key=key(), loan_id=loan.id,
                                       months=3, on=date(2025, 3, 1))
        with pytest.raises(InvalidDeferral):
            corebank.defer_loan(session, TELLER, idempotency_key=key(), loan_id=loan.id,
                                months=10, on=date(2025, 3, 1))
        with pytest.raises(StaffOnly):
            corebank.defer_loan(session, customer_actor(pair.alice), idempotency_key=key(),
                                loan_id=loan.id, months=1)
    assert deferred.deferred_months == 3
    assert deferred.schedule[0].due_date == date(2025, 2, 20)  # paid, unchanged
    assert deferred.schedule[1].due_date == date(2025, 6, 20)  # was 2025-03-20
    assert deferred.schedule[-1].due_date == date(2026, 4, 20)
    # interest keeps running on the outstanding principal for the 3 months
    expected = (outstanding * Decimal("0.06") / 12 * 3).quantize(Decimal("0.01"))
    assert deferred.schedule[1].deferred_interest == cny(str(expected))
    assert deferred.schedule[1].total.amount == \
        loan.schedule[1].total.amount + expected
    with kernel.db.session() as session:
        with pytest.raises(NothingDue):
            corebank.repay_instalment(session, customer_actor(pair.alice),
                                      idempotency_key=key(), loan_id=loan.id,
                                      on=date(2025, 3, 20))
        paid = corebank.repay_instalment(session, customer_actor(pair.alice),
                                         idempotency_key=key(), loan_id=loan.id,
                                         on=date(2025, 6, 20))
        assert paid.interest_paid.amount == loan.schedule[1].interest.amount + expected
        assert corebank.verify_books(session).ok


def test_bad_loan_terms_and_customer_bookings_are_refused(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    with pytest.raises(StaffOnly), kernel.db.session() as session:
        corebank.book_loan(session, customer_actor(pair.alice), idempotency_key=key(),
                           customer_id=pair.alice, demand_account_id=pair.alice_account,
                           principal=cny("100.00"), annual_rate=Decimal("0.05"), term_months=12,
                           method=RepaymentMethod.EQUAL_INSTALMENT)
    for rate, months, account in ((Decimal("1.5"), 12, pair.alice_account),
                                  (Decimal("0.05"), 0, pair.alice_account),
                                  (Decimal("0.05"), 12, pair.bob_account)):
        with pytest.raises(InvalidLoanTerms), kernel.db.session() as session:
            corebank.book_loan(session, TELLER, idempotency_key=key(), customer_id=pair.alice,
                               demand_account_id=account, principal=cny("100.00"),
                               annual_rate=rate, term_months=months,
                               method=RepaymentMethod.EQUAL_INSTALMENT)
