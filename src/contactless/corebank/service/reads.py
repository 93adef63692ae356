"""Reading the books for pages and the API, each read checked against the actor."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from contactless.corebank.ledger.books import open_business_date
from contactless.corebank.schemas import (
    AccountView,
    BooksCheck,
    DepositView,
    HistoryItem,
    HistoryPage,
    HoldingView,
    LedgerEntryView,
    LoanView,
    OutboundTransferView,
    TrialBalance,
    WealthOrderView,
    WealthProductView,
)
from contactless.corebank.service.core import (
    CustomerScope,
    check_customer_access,
    embedded_ledger,
    get_port,
    permit,
)
from contactless.identity.permissions import Operation
from contactless.platform import audit
from contactless.platform.context import Actor


def authorize_account(session: Session, actor: Actor, *, account_id: uuid.UUID,
                      can_see_customer: CustomerScope | None = None) -> AccountView:
    """The account, if the actor may act on it: its owner, or staff (within
    ``can_see_customer`` when given). Raises ``account_not_found`` or ``not_your_account``."""
    account = get_port(session).get_account(account_id)
    check_customer_access(session, actor, account.customer_id, can_see_customer=can_see_customer)
    return account


def get_account(session: Session, actor: Actor, *, account_id: uuid.UUID,
                can_see_customer: CustomerScope | None = None) -> AccountView:
    """One account with its balance (positive: the customer's money, or a loan's debt)."""
    return authorize_account(session, actor, account_id=account_id,
                             can_see_customer=can_see_customer)


def masked_number(number: str) -> str:
    """An account number as pages show it by default: the first four and last four digits."""
    return f"{number[:4]} **** {number[-4:]}" if len(number) > 8 else "****"


def reveal_account_number(session: Session, actor: Actor, *, account_id: uuid.UUID) -> str:
    """The whole account number, for staff who may read the account; every reveal is
    audited (who, which account), as the number is the customer's."""
    account = authorize_account(session, actor, account_id=account_id)
    audit.record(session, actor, action="corebank.account_number_revealed",
                 target_type="corebank_account", target_id=account_id,
                 details={"customer_id": str(account.customer_id)})
    return account.number


def accounts_of_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                         can_see_customer: CustomerScope | None = None) -> list[AccountView]:
    """The customer's demand accounts with their balances, oldest first."""
    check_customer_access(session, actor, customer_id, can_see_customer=can_see_customer)
    return get_port(session).accounts_of_customer(customer_id)


def deposits_of_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                         active_only: bool = True,
                         can_see_customer: CustomerScope | None = None) -> list[DepositView]:
    """Time deposits and CDs, soonest maturity first, each with its maturity instruction and
    the interest it pays at maturity."""
    check_customer_access(session, actor, customer_id, can_see_customer=can_see_customer)
    return get_port(session).deposits_of_customer(customer_id, active_only=active_only)


def get_deposit(session: Session, actor: Actor, *, deposit_id: uuid.UUID,
                can_see_customer: CustomerScope | None = None) -> DepositView:
    deposit = get_port(session).get_deposit(deposit_id)
    check_customer_access(session, actor, deposit.customer_id, can_see_customer=can_see_customer)
    return deposit


def holdings_of_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                         can_see_customer: CustomerScope | None = None) -> list[HoldingView]:
    """Wealth holdings: units, latest NAV, market value and orders still pending."""
    check_customer_access(session, actor, customer_id, can_see_customer=can_see_customer)
    return get_port(session).holdings_of_customer(customer_id)


def get_holding(session: Session, actor: Actor, *, holding_id: uuid.UUID,
                can_see_customer: CustomerScope | None = None) -> HoldingView:
    holding = get_port(session).get_holding(holding_id)
    check_customer_access(session, actor, holding.customer_id, can_see_customer=can_see_customer)
    return holding


def loans_of_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                      can_see_customer: CustomerScope | None = None) -> list[LoanView]:
    """Loans not yet repaid, each with its full schedule."""
    check_customer_access(session, actor, customer_id, can_see_customer=can_see_customer)
    return get_port(session).loans_of_customer(customer_id)


def get_loan(session: Session, actor: Actor, *, loan_id: uuid.UUID,
             can_see_customer: CustomerScope | None = None) -> LoanView:
    loan = get_port(session).get_loan(loan_id)
    check_customer_access(session, actor, loan.customer_id, can_see_customer=can_see_customer)
    return loan


def get_outbound_transfer(session: Session, actor: Actor, *, transfer_id: uuid.UUID,
                          can_see_customer: CustomerScope | None = None
                          ) -> OutboundTransferView:
    transfer = get_port(session).get_outbound_transfer(transfer_id)
    authorize_account(session, actor, account_id=transfer.source_account_id,
                      can_see_customer=can_see_customer)
    return transfer


def account_history(session: Session, actor: Actor, *, account_id: uuid.UUID, page: int = 1,
                    page_size: int = 20, month: date | None = None,
                    can_see_customer: CustomerScope | None = None) -> HistoryPage:
    """A statement page, newest first: each line's amount (+ in, − out), the running
    balance it left and the other side masked. ``total`` counts every line of the account,
    or of ``month`` (any day of it) when given."""
    authorize_account(session, actor, account_id=account_id,
                      can_see_customer=can_see_customer)
    return get_port(session).account_history(account_id, page=page, page_size=page_size,
                                             month=month)


def list_wealth_products(session: Session, *, open_only: bool = True
                         ) -> list[WealthProductView]:
    """Products on sale with their latest NAV (public to every signed-in actor)."""
    return get_port(session).list_wealth_products(open_only=open_only)


def get_wealth_product(session: Session, *, product_id: uuid.UUID) -> WealthProductView:
    return get_port(session).get_wealth_product(product_id)


def get_wealth_order(session: Session, actor: Actor, *, order_id: uuid.UUID,
                     can_see_customer: CustomerScope | None = None) -> WealthOrderView:
    """One subscription or redemption with its status (``pending`` until the T+1 NAV)."""
    order = get_port(session).get_wealth_order(order_id)
    authorize_account(session, actor, account_id=order.demand_account_id,
                      can_see_customer=can_see_customer)
    return order


def entries_for(session: Session, actor: Actor, *, reference_type: str,
                reference_id: uuid.UUID) -> list[LedgerEntryView]:
    """What the books posted for one deposit, wealth order or loan, oldest first, each entry
    with its postings (the bank's own books: those who read them, and the system)."""
    permit(actor, Operation.BOOKS_READ)
    return get_port(session).entries_for(reference_type, reference_id)


def trial_balance(session: Session, actor: Actor | None = None) -> TrialBalance:
    """Per currency and account kind, the debit and credit balances and their net;
    ``balanced`` when every currency's debits equal its credits (``actor`` None: the server's
    own callers, the CLI and jobs)."""
    if actor is not None:
        permit(actor, Operation.BOOKS_READ)
    return get_port(session).trial_balance()


def verify_books(session: Session, actor: Actor | None = None) -> BooksCheck:
    """Recompute the embedded ledger's invariants from its postings (for ops and tests):
    entries balance, balances and running balances equal their postings, no demand account
    is overdrawn."""
    if actor is not None:
        permit(actor, Operation.BOOKS_READ)
    return embedded_ledger(session).verify_books()


def month_of_history(session: Session, actor: Actor, *, account_id: uuid.UUID,
                     month: date) -> list[HistoryItem]:
    """Every line of one month (any day of it), newest first: the e-statement's lines."""
    items: list[HistoryItem] = []
    page = 1
    while True:
        found = account_history(session, actor, account_id=account_id, page=page,
                                page_size=200, month=month)
        items += found.items
        if page * found.page_size >= found.total:
            return items
        page += 1


def business_day(session: Session) -> date:
    """Today's business date (the next one when today is closed already)."""
    return open_business_date(session)
