"""Loans: booking with a schedule, disbursement, scheduled and early repayment, deferral."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from contactless.corebank.constants import (
    MAX_DEFERRAL_MONTHS,
    MAX_LOAN_TERM_MONTHS,
    AccountKind,
    AccountStatus,
    InstalmentStatus,
    LoanStatus,
    RepaymentMethod,
)
from contactless.corebank.errors import (
    AccountNotFound,
    CustomerNotFound,
    InstalmentOverdue,
    InvalidDeferral,
    InvalidLoanTerms,
    LoanNotActive,
    LoanNotFound,
    NothingDue,
    PrepaymentTooLarge,
)
from contactless.corebank.interest import (
    add_months,
    deferral_interest,
    loan_schedule,
    simple_interest,
)
from contactless.corebank.ledger.books import (
    RUNNER_SCOPE,
    LedgerBase,
    account_number,
    check_amount,
    credit,
    debit,
    natural_balance,
)
from contactless.corebank.ledger.present import loan_view, money
from contactless.corebank.models import LedgerAccount, Loan, LoanInstalment
from contactless.corebank.schemas import LoanRepayment, LoanView
from contactless.customers import service as customers
from contactless.platform.context import Actor
from contactless.platform.money import Money

ZERO = Decimal("0.00")


def check_loan_terms(*, annual_rate: Decimal, term_months: int,
                     method: RepaymentMethod | str) -> RepaymentMethod:
    """The terms any loan must have (a rate from 0 to 1, 1 to 360 months, a known method);
    checked before a loan is booked or held for approval."""
    try:
        method = RepaymentMethod(method)
    except ValueError:
        raise InvalidLoanTerms("unknown repayment method {method!r}", method=method) from None
    if not Decimal(0) <= annual_rate < Decimal(1):
        raise InvalidLoanTerms("the annual rate is a fraction from 0 to 1")
    if not 1 <= term_months <= MAX_LOAN_TERM_MONTHS:
        raise InvalidLoanTerms("the term is 1 to {max_loan_term_months} months",
                               max_loan_term_months=MAX_LOAN_TERM_MONTHS)
    return method


class LoanOps(LedgerBase):
    def schedule_of(self, loan_id: uuid.UUID) -> list[LoanInstalment]:
        return list(self.session.scalars(
            select(LoanInstalment).where(LoanInstalment.loan_id == loan_id)
            .order_by(LoanInstalment.number)
        ))

    def _loan_view(self, loan: Loan) -> LoanView:
        account = self.get_row(LedgerAccount, loan.account_id, AccountNotFound)
        return loan_view(loan, account, self.schedule_of(loan.id))

    def _unpaid(self, loan_id: uuid.UUID) -> list[LoanInstalment]:
        return [row for row in self.schedule_of(loan_id) if row.status == InstalmentStatus.DUE]

    def _active_loan(self, loan_id: uuid.UUID) -> Loan:
        loan = self.lock_row(Loan, loan_id, LoanNotFound)
        if loan.status != LoanStatus.ACTIVE:
            raise LoanNotActive("loan {loan_id} is {state}", loan_id=loan_id, state=loan.status)
        return loan

    # -- booking and disbursement ----------------------------------------------------------------

    def book_loan(
        self, actor: Actor, *, idempotency_key: str, customer_id: uuid.UUID,
        demand_account_id: uuid.UUID, principal: Money, annual_rate: Decimal, term_months: int,
        method: RepaymentMethod, on: date | None = None,
    ) -> LoanView:
        value = check_amount(principal)
        method = check_loan_terms(annual_rate=annual_rate, term_months=term_months,
                                  method=method)
        if not customers.customer_exists(self.session, customer_id=customer_id):
            raise CustomerNotFound("no customer {customer_id}", customer_id=customer_id)
        demand = self.get_row(LedgerAccount, demand_account_id, AccountNotFound)
        self.require_kind(demand, AccountKind.DEMAND)
        check_amount(principal, demand.currency)
        if demand.customer_id != customer_id:
            raise InvalidLoanTerms("the loan is paid into and repaid from the borrower's account")
        day = self.value_date(on)
        account_id = uuid.uuid4()
        self.session.add(self.pin(LedgerAccount(
            id=account_id, number=account_number(AccountKind.LOAN, account_id),
            kind=AccountKind.LOAN.value, currency=demand.currency, customer_id=customer_id,
            status=AccountStatus.ACTIVE.value, opened_on=day,
        )))
        loan = Loan(
            id=uuid.uuid4(), account_id=account_id, customer_id=customer_id,
            demand_account_id=demand.id, principal=value, currency=demand.currency,
            annual_rate=annual_rate, term_months=term_months, method=method.value,
            status=LoanStatus.BOOKED.value, booked_on=day, deferred_months=0,
        )
        self.session.add(loan)
        for row in loan_schedule(principal=value, annual_rate=annual_rate, months=term_months,
                                 method=method, anchor=day):
            self.session.add(LoanInstalment(
                loan_id=loan.id, number=row.number, due_date=row.due_date,
                principal=row.principal, interest=row.interest, deferred_interest=ZERO,
                status=InstalmentStatus.DUE.value,
            ))
        self.session.flush()
        return self._loan_view(loan)

    def disburse_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                      on: date | None = None) -> LoanView:
        loan = self.lock_row(Loan, loan_id, LoanNotFound)
        if loan.status != LoanStatus.BOOKED:
            raise LoanNotActive("loan {loan_id} is {state}, not waiting for disbursement",
                                loan_id=loan_id, state=loan.status)
        day = self.value_date(on)
        accounts = self.lock_accounts([loan.account_id, loan.demand_account_id])
        demand = accounts[loan.demand_account_id]
        self.require_open(demand)
        self.post(
            actor, kind="loan_disbursed", value_date=day, memo="loan disbursement",
            idempotency_key=idempotency_key, reference=("loan", loan.id),
            lines=[debit(accounts[loan.account_id], loan.principal),
                   credit(demand, loan.principal)],
        )
        # the schedule runs from the day the money arrives
        for row in self.schedule_of(loan.id):
            row.due_date = add_months(day, row.number)
        loan.status = LoanStatus.ACTIVE.value
        loan.disbursed_on = day
        return self._loan_view(loan)

    # -- repayment --------------------------------------------------------------------------

    def _pay(self, actor: Actor, loan: Loan, instalment: LoanInstalment, day: date, *,
             idempotency_key: str, scope: str | None) -> LoanRepayment:
        income_id = self.internal_account_id(AccountKind.INTEREST_INCOME, loan.currency)
        accounts = self.lock_accounts([loan.account_id, loan.demand_account_id, income_id])
        demand, held = accounts[loan.demand_account_id], accounts[loan.account_id]
        interest = instalment.interest + instalment.deferred_interest
        self.check_debit(demand, instalment.principal + interest)
        entry = self.post(
            actor, kind="loan_instalment", value_date=day,
            memo=f"instalment {instalment.number}", idempotency_key=idempotency_key,
            scope=scope, reference=("loan", loan.id),
            lines=[debit(demand, instalment.principal + interest),
                   credit(held, instalment.principal), credit(accounts[income_id], interest)],
        )
        instalment.status = InstalmentStatus.PAID.value
        instalment.paid_on = day
        instalment.entry_id = entry.id
        self._close_if_repaid(loan, held, day)
        return LoanRepayment(
            loan_id=loan.id, entry_id=entry.id, instalment_number=instalment.number,
            principal_paid=money(instalment.principal, loan.currency),
            interest_paid=money(interest, loan.currency),
            outstanding=money(natural_balance(held), loan.currency), loan_status=loan.status,
        )

    def _close_if_repaid(self, loan: Loan, held: LedgerAccount, day: date) -> None:
        if held.balance == 0:
            loan.status = LoanStatus.PAID_OFF.value
            loan.closed_on = day
            held.status = AccountStatus.CLOSED.value

    def repay_instalment(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                         on: date | None = None) -> LoanRepayment:
        loan = self._active_loan(loan_id)
        day = self.value_date(on)
        unpaid = self._unpaid(loan.id)
        if not unpaid or unpaid[0].due_date > day:
            raise NothingDue("no instalment of loan {loan_id} is due on {day}",
                             loan_id=loan_id, day=day)
        return self._pay(actor, loan, unpaid[0], day, idempotency_key=idempotency_key,
                         scope=None)

    def collect_instalment(self, actor: Actor, loan_id: uuid.UUID, on: date) -> bool | None:
        """Runner: debit the oldest instalment due by ``on``. True when paid, None when the
        account cannot pay it now, False when nothing is due."""
        loan = self.lock_row(Loan, loan_id, LoanNotFound)
        if loan.status != LoanStatus.ACTIVE:
            return False
        unpaid = self._unpaid(loan.id)
        if not unpaid or unpaid[0].due_date > on:
            return False
        instalment = unpaid[0]
        demand = self.lock_accounts([loan.demand_account_id])[loan.demand_account_id]
        total = instalment.principal + instalment.interest + instalment.deferred_interest
        if (demand.status != AccountStatus.ACTIVE or natural_balance(demand) < total):
            return None
        self._pay(actor, loan, instalment, on,
                  idempotency_key=f"instalment:{instalment.id}", scope=RUNNER_SCOPE)
        return True

    def prepay_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                    amount: Money, on: date | None = None) -> LoanRepayment:
        """Pay part (or all) of the principal early; the rest is re-spread over the same
        number of remaining instalments. Interest on the prepaid amount since the last due
        date (or the disbursement) is charged now, ACT/365."""
        value = check_amount(amount)
        loan = self._active_loan(loan_id)
        check_amount(amount, loan.currency)
        day = self.value_date(on)
        unpaid = self._unpaid(loan.id)
        if unpaid and unpaid[0].due_date <= day:
            raise InstalmentOverdue("pay the instalment that is due before repaying early")
        income_id = self.internal_account_id(AccountKind.INTEREST_INCOME, loan.currency)
        accounts = self.lock_accounts([loan.account_id, loan.demand_account_id, income_id])
        demand, held = accounts[loan.demand_account_id], accounts[loan.account_id]
        outstanding = natural_balance(held)
        if value > outstanding:
            raise PrepaymentTooLarge("the outstanding principal is {outstanding}",
                                     outstanding=outstanding)
        paid_until = self._last_paid_date(loan)
        interest = simple_interest(value, loan.annual_rate, (day - paid_until).days)
        self.check_debit(demand, value + interest)
        entry = self.post(
            actor, kind="loan_prepayment", value_date=day, memo="early repayment",
            idempotency_key=idempotency_key, reference=("loan", loan.id),
            lines=[debit(demand, value + interest), credit(held, value),
                   credit(accounts[income_id], interest)],
        )
        remaining = outstanding - value
        if remaining == 0:
            for row in unpaid:
                row.status = InstalmentStatus.CANCELLED.value
        else:
            self._respread(loan, unpaid, remaining)
        self._close_if_repaid(loan, held, day)
        return LoanRepayment(
            loan_id=loan.id, entry_id=entry.id, instalment_number=None,
            principal_paid=money(value, loan.currency),
            interest_paid=money(interest, loan.currency),
            outstanding=money(remaining, loan.currency), loan_status=loan.status,
        )

    def _last_paid_date(self, loan: Loan) -> date:
        anchor = loan.disbursed_on or loan.booked_on
        paid = [row.due_date for row in self.schedule_of(loan.id)
                if row.status == InstalmentStatus.PAID]
        return max(paid, default=anchor)

    def _respread(self, loan: Loan, unpaid: list[LoanInstalment], remaining: Decimal) -> None:
        anchor = loan.disbursed_on or loan.booked_on
        fresh = loan_schedule(
            principal=remaining, annual_rate=loan.annual_rate, months=len(unpaid),
            method=RepaymentMethod(loan.method), anchor=anchor,
            first_number=unpaid[0].number, month_offset=loan.deferred_months,
        )
        for row, planned in zip(unpaid, fresh, strict=True):
            row.principal = planned.principal
            row.interest = planned.interest
            row.due_date = planned.due_date

    # -- deferral -----------------------------------------------------------------------------

    def defer_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                   months: int, on: date | None = None) -> LoanView:
        """延期还款: every unpaid instalment moves ``months`` later. Interest keeps accruing on
        the outstanding principal at the monthly rate for the deferred months and is added
        to the first deferred instalment."""
        loan = self._active_loan(loan_id)
        if not 1 <= months <= MAX_DEFERRAL_MONTHS - loan.deferred_months:
            raise InvalidDeferral(
                "a loan may be deferred by {max_deferral_months} months in all; "
                "{deferred_months} used",
                max_deferral_months=MAX_DEFERRAL_MONTHS, deferred_months=loan.deferred_months)
        unpaid = self._unpaid(loan.id)
        if not unpaid:
            raise InvalidDeferral("nothing is left to defer")
        held = self.lock_accounts([loan.account_id])[loan.account_id]
        anchor = loan.disbursed_on or loan.booked_on
        loan.deferred_months = loan.deferred_months + months
        unpaid[0].deferred_interest = unpaid[0].deferred_interest + deferral_interest(
            natural_balance(held), loan.annual_rate, months
        )
        for row in unpaid:
            row.due_date = add_months(anchor, row.number + loan.deferred_months)
        return self._loan_view(loan)
