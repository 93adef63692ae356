"""What the books say a conversion came to: pending, realised (with the money moved or kept)
or lost, read from the core's entries through the corebank service.

A conversion is settled only by the books, never by a journey: an instruction to renew is
realised when the maturity entry moves the principal into the new deposit, and lost when the
money is paid out or withdrawn instead. The amount is the principal that stayed (a renewal of
principal and interest keeps the principal: the interest was the bank's own money), the
money a new deposit or a wealth subscription took from the demand account, or the money a
loan paid out. The same reading runs after a journey and after each corebank event, so the
order in which they arrive does not matter and a replayed event changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    AccountKind,
    DepositStatus,
    LoanStatus,
    MaturityInstruction,
    OrderKind,
    OrderStatus,
)
from contactless.corebank.schemas import LedgerEntryView
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import kernel_of

DEPOSIT_KEPT = "deposit_kept"
DEPOSIT_PLACED = "deposit_placed"
WEALTH_PURCHASE = "wealth_purchase"
LOAN_DISBURSED = "loan_disbursed"
ACCOUNT_OPENED = "account_opened"
KINDS = (DEPOSIT_KEPT, DEPOSIT_PLACED, WEALTH_PURCHASE, LOAN_DISBURSED, ACCOUNT_OPENED)

PENDING = "pending"
REALISED = "realised"
LOST = "lost"

DEPOSIT_KINDS = frozenset({AccountKind.TIME_DEPOSIT.value,
                           AccountKind.CERTIFICATE_OF_DEPOSIT.value})
BOOKS = SYSTEM.with_channel("outreach")


@dataclass(frozen=True)
class Reading:
    """A business outcome as the books hold it now. ``amount`` is what a realised outcome
    moved or kept; ``expected`` what a pending one would bring; ``on`` the business date of
    the entry that settled it."""

    status: str
    currency: str
    amount: Decimal = Decimal(0)
    expected: Decimal = Decimal(0)
    on: date | None = None
    entry_id: uuid.UUID | None = None


def business_key(kind: str, reference_id: uuid.UUID) -> str:
    return f"{kind}:{reference_id}"


def settled_moment(session: Session, on: date) -> datetime:
    """The start of a business date in the bank's zone (periods count realisations by it)."""
    return datetime.combine(on, time(0), ZoneInfo(kernel_of(session).settings.timezone))


def _debits(entry: LedgerEntryView, account_id: uuid.UUID) -> Decimal:
    return sum((line.amount.amount for line in entry.lines
                if line.account_id == account_id and line.amount.amount > 0), Decimal(0))


def _credits(entry: LedgerEntryView, account_id: uuid.UUID) -> Decimal:
    return sum((-line.amount.amount for line in entry.lines
                if line.account_id == account_id and line.amount.amount < 0), Decimal(0))


def read_outcome(session: Session, *, kind: str, reference_id: uuid.UUID) -> Reading | None:
    """The outcome's state in the books; None when the books do not know the reference."""
    try:
        if kind == DEPOSIT_KEPT:
            return _deposit_kept(session, reference_id)
        if kind == DEPOSIT_PLACED:
            return _deposit_placed(session, reference_id)
        if kind == WEALTH_PURCHASE:
            return _wealth_purchase(session, reference_id)
        if kind == LOAN_DISBURSED:
            return _loan_disbursed(session, reference_id)
        if kind == ACCOUNT_OPENED:
            account = corebank.get_account(session, BOOKS, account_id=reference_id)
            return Reading(REALISED, account.currency, on=account.opened_on)
    except ContactlessError:  # the reference names nothing the books know
        return None
    return None


def _deposit_kept(session: Session, deposit_id: uuid.UUID) -> Reading:
    """Pending while the deposit runs (expecting its principal unless it is set to pay out);
    realised by the maturity entry that renews it, with the principal that went into the new
    deposit; lost when it is paid out or withdrawn."""
    deposit = corebank.get_deposit(session, BOOKS, deposit_id=deposit_id)
    currency = deposit.principal.currency
    if deposit.status == DepositStatus.ACTIVE:
        keeps = deposit.instruction != MaturityInstruction.PAYOUT
        return Reading(PENDING, currency,
                       expected=deposit.principal.amount if keeps else Decimal(0))
    entries = corebank.entries_for(session, BOOKS, reference_type="deposit",
                                   reference_id=deposit_id)
    for entry in reversed(entries):
        released = _debits(entry, deposit.account_id)
        if not released:
            continue
        # what the same entry put into another deposit account: the renewal
        renewed = sum((-line.amount.amount for line in entry.lines
                       if line.account_kind in DEPOSIT_KINDS
                       and line.account_id != deposit.account_id and line.amount.amount < 0),
                      Decimal(0))
        if renewed > 0:
            kept = min(released, renewed)
            return Reading(REALISED, currency, amount=kept, expected=kept,
                           on=entry.value_date, entry_id=entry.id)
        return Reading(LOST, currency, on=entry.value_date, entry_id=entry.id)
    return Reading(LOST, currency, on=deposit.closed_on)


def _deposit_placed(session: Session, deposit_id: uuid.UUID) -> Reading:
    deposit = corebank.get_deposit(session, BOOKS, deposit_id=deposit_id)
    currency = deposit.principal.currency
    for entry in corebank.entries_for(session, BOOKS, reference_type="deposit",
                                      reference_id=deposit_id):
        placed = _credits(entry, deposit.account_id)
        if placed > 0:
            return Reading(REALISED, currency, amount=placed, expected=placed,
                           on=entry.value_date, entry_id=entry.id)
    return Reading(PENDING, currency, expected=deposit.principal.amount)


def _wealth_purchase(session: Session, order_id: uuid.UUID) -> Reading | None:
    """The money the subscription took from the demand account; realised when the order is
    confirmed at its NAV (units allocated)."""
    order = corebank.get_wealth_order(session, BOOKS, order_id=order_id)
    if order.kind != OrderKind.SUBSCRIBE:
        return None
    paid = Decimal(0)
    entry_id = None
    currency = order.amount.currency if order.amount else "CNY"
    for entry in corebank.entries_for(session, BOOKS, reference_type="wealth_order",
                                      reference_id=order_id):
        taken = _debits(entry, order.demand_account_id)
        if taken > 0:
            paid += taken
            entry_id = entry.id
    if order.status == OrderStatus.CONFIRMED:
        return Reading(REALISED, currency, amount=paid, expected=paid, on=order.settle_date,
                       entry_id=entry_id)
    if order.status == OrderStatus.PENDING:
        return Reading(PENDING, currency, expected=paid)
    return Reading(LOST, currency, on=order.settle_date)


def _loan_disbursed(session: Session, loan_id: uuid.UUID) -> Reading:
    loan = corebank.get_loan(session, BOOKS, loan_id=loan_id)
    currency = loan.principal.currency
    for entry in corebank.entries_for(session, BOOKS, reference_type="loan",
                                      reference_id=loan_id):
        lent = _debits(entry, loan.account_id)
        if lent > 0 and entry.kind == "loan_disbursed":
            return Reading(REALISED, currency, amount=lent, expected=lent, on=entry.value_date,
                           entry_id=entry.id)
    if loan.status == LoanStatus.BOOKED:
        return Reading(PENDING, currency, expected=loan.principal.amount)
    return Reading(LOST, currency)
