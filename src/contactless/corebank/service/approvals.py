"""Four eyes in the core (双人复核): which core operations a person may not run alone, how they
are filed for a second person, and the executors that run them once approved.

A held operation answers with the pending :class:`~contactless.identity.approvals.ApprovalView`
instead of its result and moves nothing. The executor runs the same operation with the checker
as the actor, under the key ``approval:<id>``, so an approval can never post twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.corebank.constants import RepaymentMethod
from contactless.customers import service as customers
from contactless.identity import approvals
from contactless.identity.approvals import ApprovalView
from contactless.identity.errors import FourEyesRequired
from contactless.identity.permissions import Operation, rule_of
from contactless.platform.audit import AuditEntry
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel, kernel_of
from contactless.platform.money import Money


def approval_key(item: ApprovalView) -> str:
    return f"approval:{item.id}"


def over_debit_limit(session: Session, amount: Money) -> bool:
    """Whether a staff-initiated debit crosses ``settings.four_eyes_debit_limit``."""
    return amount.amount > kernel_of(session).settings.four_eyes_debit_limit


def rate_out_of_range(session: Session, annual_rate: Decimal) -> bool:
    """Whether a loan rate lies outside the loan product's configured range."""
    settings = kernel_of(session).settings
    return not settings.loan_rate_min <= annual_rate <= settings.loan_rate_max


def loan_maker(session: Session, loan_id: uuid.UUID) -> str | None:
    """Who booked the loan: the person who initiated it (kept in the booking's audit entry,
    also when a checker booked it on their approval), or None when the trail has no entry."""
    entry = session.scalar(select(AuditEntry).where(
        AuditEntry.action == "corebank.book_loan", AuditEntry.target_id == str(loan_id))
        .order_by(AuditEntry.seq).limit(1))
    if entry is None:
        return None
    initiated = json.loads(entry.details or "{}").get("initiated_by")
    return str(initiated) if initiated else entry.actor_id


def file(session: Session, actor: Actor, *, operation: Operation, reason: str,
         idempotency_key: str, target_type: str, target_id: object,
         customer_id: uuid.UUID | None, payload: dict[str, Any],
         amount: Money | None = None) -> ApprovalView:
    """File a held core operation for a second person of the customer's branch."""
    summary: dict[str, Any] = {"what": rule_of(operation).summary,
                               "customer_id": str(customer_id) if customer_id else None}
    if amount is not None:
        summary |= {"amount": str(amount.amount), "currency": amount.currency}
    return approvals.request_approval(
        session, actor, operation=operation, reason=reason, target_type=target_type,
        target_id=str(target_id), payload=payload, summary=summary,
        branch_path=customers.branch_path_of(session, customer_id),
        idempotency_key=idempotency_key)


def money_in(payload: dict[str, Any], name: str = "amount") -> Money:
    value = payload[name]
    return Money.of(value["amount"], value["currency"])


def money_out(amount: Money) -> dict[str, str]:
    return {"amount": str(amount.amount), "currency": amount.currency}


Executor = Callable[[Session, Actor, ApprovalView], dict[str, Any]]


def day_in(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _executors() -> dict[Operation, Executor]:
    return {**_loan_executors(), **_account_executors()}


def _loan_executors() -> dict[Operation, Executor]:
    # imported here: the executors call the services, which import this module
    from contactless.corebank.service import loans

    def disburse(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        loan_id = uuid.UUID(item.payload["loan_id"])
        if loan_maker(session, loan_id) == checker.id:
            raise FourEyesRequired("the person who booked the loan cannot pay it out")
        loan = loans.run_disbursement(session, checker, idempotency_key=approval_key(item),
                                      loan_id=loan_id, on=day_in(item.payload.get("on")))
        return {"loan_id": str(loan.id), "status": loan.status}

    def book(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        p = item.payload
        loan = loans.run_booking(
            session, checker, idempotency_key=approval_key(item),
            customer_id=uuid.UUID(p["customer_id"]),
            demand_account_id=uuid.UUID(p["demand_account_id"]),
            principal=money_in(p, "principal"), annual_rate=Decimal(p["annual_rate"]),
            term_months=int(p["term_months"]), method=RepaymentMethod(p["method"]),
            on=day_in(p.get("on")), initiated_by=item.maker_id)
        return {"loan_id": str(loan.id), "status": loan.status}

    return {Operation.LOAN_DISBURSE: disburse, Operation.LOAN_BOOK: book}


def _account_executors() -> dict[Operation, Executor]:
    from contactless.corebank.service import accounts

    def unfreeze(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        account = accounts.run_unfreeze(session, checker, idempotency_key=approval_key(item),
                                        account_id=uuid.UUID(item.payload["account_id"]))
        return {"account_id": str(account.id), "status": account.status}

    def give_back(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        p = item.payload
        returned = accounts.run_return(session, checker, idempotency_key=approval_key(item),
                                       transfer_id=uuid.UUID(p["transfer_id"]),
                                       reason=p["reason"], on=day_in(p.get("on")))
        return {"transfer_id": str(returned.id), "status": returned.status}

    def move(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        p = item.payload
        done = accounts.run_transfer(
            session, checker, idempotency_key=approval_key(item),
            source_account_id=uuid.UUID(p["source_account_id"]),
            target_account_id=uuid.UUID(p["target_account_id"]), amount=money_in(p),
            memo=p.get("memo", ""), on=day_in(p.get("on")))
        return {"entry_id": str(done.entry_id)}

    def send(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        p = item.payload
        sent = accounts.run_outbound(
            session, checker, idempotency_key=approval_key(item),
            source_account_id=uuid.UUID(p["source_account_id"]), bank_code=p["bank_code"],
            external_account=p["external_account"], amount=money_in(p),
            memo=p.get("memo", ""), on=day_in(p.get("on")))
        return {"transfer_id": str(sent.id), "status": sent.status}

    def pay_out(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        p = item.payload
        posted = accounts.run_cash_withdrawal(
            session, checker, idempotency_key=approval_key(item),
            account_id=uuid.UUID(p["account_id"]), amount=money_in(p),
            memo=p.get("memo", ""), on=day_in(p.get("on")))
        return {"entry_id": str(posted.entry_id)}

    def close(session: Session, checker: Actor, item: ApprovalView) -> dict[str, Any]:
        from contactless.corebank.service import dayend

        p = item.payload
        target = p.get("transfer_to_account_id")
        closed = dayend.run_close(session, checker, idempotency_key=approval_key(item),
                                  account_id=uuid.UUID(p["account_id"]),
                                  transfer_to_account_id=uuid.UUID(target) if target else None,
                                  on=day_in(p.get("on")))
        return {"account_id": str(closed.account_id), "closed_on": closed.closed_on.isoformat()}

    return {Operation.ACCOUNT_UNFREEZE: unfreeze, Operation.OUTBOUND_RETURN: give_back,
            Operation.TRANSFER: move, Operation.OUTBOUND_SEND: send,
            Operation.CASH_WITHDRAW: pay_out, Operation.ACCOUNT_CLOSE: close}


def install(kernel: Kernel) -> None:
    """Run the core's approved items through this kernel (called from ``app.py``)."""
    for operation, executor in _executors().items():
        approvals.install_executor(kernel, operation, executor)
