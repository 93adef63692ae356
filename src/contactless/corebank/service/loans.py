"""Loans: booking, disbursement, repayments and deferral (延期还款)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.corebank.constants import RepaymentMethod
from contactless.corebank.ledger.books import check_amount
from contactless.corebank.ledger.loans import check_loan_terms
from contactless.corebank.schemas import LoanRepayment, LoanView
from contactless.corebank.service.approvals import (
    file,
    loan_maker,
    money_out,
    rate_out_of_range,
)
from contactless.corebank.service.core import (
    check_customer_access,
    get_port,
    idempotent,
    money_details,
    permit,
)
from contactless.identity.approvals import ApprovalView, second_person_needed
from contactless.identity.permissions import Operation
from contactless.platform.context import Actor
from contactless.platform.money import Money


def book_loan(
    session: Session,
    actor: Actor,
    *,
    idempotency_key: str,
    customer_id: uuid.UUID,
    demand_account_id: uuid.UUID,
    principal: Money,
    annual_rate: Decimal,
    term_months: int,
    method: RepaymentMethod,
    on: date | None = None,
) -> LoanView | ApprovalView:
    """Book an approved loan with its monthly schedule: 等额本息 (equal instalments) or 等额本金
    (equal principal), interest on the outstanding principal at annual_rate / 12. Nothing is
    paid out until ``disburse_loan`` (staff only). A rate outside the loan product's range
    (``settings.loan_rate_min``..``loan_rate_max``) waits for a branch manager: the answer is
    then the pending approval."""
    check_customer_access(session, actor, customer_id, operation=Operation.LOAN_BOOK)
    check_loan_terms(annual_rate=annual_rate, term_months=term_months, method=method)
    check_amount(principal)
    reason = second_person_needed(actor, Operation.LOAN_BOOK,
                                  out_of_range=rate_out_of_range(session, annual_rate))
    if reason:
        return file(session, actor, operation=Operation.LOAN_BOOK, reason=reason,
                    idempotency_key=idempotency_key, target_type="customer",
                    target_id=customer_id, customer_id=customer_id, amount=principal,
                    payload={"customer_id": str(customer_id),
                             "demand_account_id": str(demand_account_id),
                             "principal": money_out(principal),
                             "annual_rate": str(annual_rate), "term_months": term_months,
                             "method": method.value, "on": on.isoformat() if on else None})
    return run_booking(session, actor, idempotency_key=idempotency_key, customer_id=customer_id,
                       demand_account_id=demand_account_id, principal=principal,
                       annual_rate=annual_rate, term_months=term_months, method=method, on=on)


def run_booking(
    session: Session, actor: Actor, *, idempotency_key: str, customer_id: uuid.UUID,
    demand_account_id: uuid.UUID, principal: Money, annual_rate: Decimal, term_months: int,
    method: RepaymentMethod, on: date | None = None, initiated_by: str | None = None,
) -> LoanView:
    """The booking itself, for an actor four eyes no longer holds (``initiated_by``: the
    person whose request a checker approved, kept in the audit entry)."""
    check_customer_access(session, actor, customer_id, operation=Operation.LOAN_BOOK)
    return idempotent(
        session, actor, operation="book_loan", idempotency_key=idempotency_key,
        request={"customer_id": customer_id, "demand_account_id": demand_account_id,
                 "principal": principal, "annual_rate": annual_rate,
                 "term_months": term_months, "method": method, "on": on},
        result_type=LoanView,
        perform=lambda port: port.book_loan(
            actor, idempotency_key=idempotency_key, customer_id=customer_id,
            demand_account_id=demand_account_id, principal=principal, annual_rate=annual_rate,
            term_months=term_months, method=method, on=on),
        audit_target=lambda result: ("corebank_loan", result.id),
        details=lambda result: {"customer_id": customer_id, "term_months": term_months,
                                "method": result.method, "annual_rate": annual_rate,
                                "initiated_by": initiated_by or actor.id,
                                **money_details(principal)},
        topic="corebank.loan_booked",
    )


def disburse_loan(session: Session, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                  on: date | None = None) -> LoanView | ApprovalView:
    """Pay a booked loan into the borrower's demand account; the schedule runs from ``on``.

    Four eyes: only a branch manager who did not book the loan pays it out; anyone else in
    scope (the booking RM) gets the pending approval, and nothing is paid until another
    person approves it."""
    permit(actor, Operation.LOAN_DISBURSE)
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, operation=Operation.LOAN_DISBURSE)
    reason = second_person_needed(actor, Operation.LOAN_DISBURSE,
                                  maker_id=loan_maker(session, loan_id))
    if reason:
        return file(session, actor, operation=Operation.LOAN_DISBURSE, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_loan",
                    target_id=loan_id, customer_id=loan.customer_id, amount=loan.principal,
                    payload={"loan_id": str(loan_id), "on": on.isoformat() if on else None})
    return run_disbursement(session, actor, idempotency_key=idempotency_key, loan_id=loan_id,
                            on=on)


def run_disbursement(session: Session, actor: Actor, *, idempotency_key: str,
                     loan_id: uuid.UUID, on: date | None = None) -> LoanView:
    """The disbursement itself, for an actor four eyes no longer holds."""
    permit(actor, Operation.LOAN_DISBURSE)
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, operation=Operation.LOAN_DISBURSE)
    return idempotent(
        session, actor, operation="disburse_loan", idempotency_key=idempotency_key,
        request={"loan_id": loan_id, "on": on}, result_type=LoanView,
        perform=lambda port: port.disburse_loan(
            actor, idempotency_key=idempotency_key, loan_id=loan_id, on=on),
        audit_target=lambda result: ("corebank_loan", result.id),
        details=lambda result: {"loan_id": result.id, "customer_id": result.customer_id,
                                **money_details(result.principal)},
        topic="corebank.loan_disbursed",
    )


def repay_instalment(session: Session, actor: Actor, *, idempotency_key: str,
                     loan_id: uuid.UUID, on: date | None = None) -> LoanRepayment:
    """Pay the oldest instalment due by ``on`` from the borrower's demand account
    (``nothing_due`` when none is)."""
    permit(actor, Operation.LOAN_REPAY)
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, operation=Operation.LOAN_REPAY)
    return idempotent(
        session, actor, operation="repay_instalment", idempotency_key=idempotency_key,
        request={"loan_id": loan_id, "on": on}, result_type=LoanRepayment,
        perform=lambda port: port.repay_instalment(
            actor, idempotency_key=idempotency_key, loan_id=loan_id, on=on),
        audit_target=lambda result: ("corebank_loan", loan_id),
        details=lambda result: {"entry_id": result.entry_id,
                                "instalment": result.instalment_number,
                                "principal": result.principal_paid.amount,
                                "interest": result.interest_paid.amount},
        topic="corebank.loan_repaid",
    )


def prepay_loan(session: Session, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                amount: Money, on: date | None = None) -> LoanRepayment:
    """Repay principal early (提前还款). Interest on the prepaid amount since the last due date
    is charged now; the rest of the principal is re-spread over the same remaining
    instalments. Repaying all of it closes the loan."""
    permit(actor, Operation.LOAN_REPAY)
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, operation=Operation.LOAN_REPAY)
    return idempotent(
        session, actor, operation="prepay_loan", idempotency_key=idempotency_key,
        request={"loan_id": loan_id, "amount": amount, "on": on}, result_type=LoanRepayment,
        perform=lambda port: port.prepay_loan(
            actor, idempotency_key=idempotency_key, loan_id=loan_id, amount=amount, on=on),
        audit_target=lambda result: ("corebank_loan", loan_id),
        details=lambda result: {"entry_id": result.entry_id,
                                "interest": result.interest_paid.amount,
                                **money_details(amount)},
        topic="corebank.loan_prepaid",
    )


def defer_loan(session: Session, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
               months: int, on: date | None = None) -> LoanView:
    """延期还款: move every unpaid instalment ``months`` later (12 months at most per loan).
    Interest keeps accruing on the outstanding principal and is added to the first deferred
    instalment (staff only: deferral is a credit decision)."""
    permit(actor, Operation.LOAN_DEFER)
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, operation=Operation.LOAN_DEFER)
    return idempotent(
        session, actor, operation="defer_loan", idempotency_key=idempotency_key,
        request={"loan_id": loan_id, "months": months, "on": on}, result_type=LoanView,
        perform=lambda port: port.defer_loan(
            actor, idempotency_key=idempotency_key, loan_id=loan_id, months=months, on=on),
        audit_target=lambda result: ("corebank_loan", result.id),
        details=lambda result: {"months": months,
                                "deferred_months": result.deferred_months},
        topic="corebank.loan_deferred",
    )
