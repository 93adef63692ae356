"""What the core-banking port returns: frozen Pydantic models, JSON-ready for the API and for
the idempotency store (a replay returns exactly the first result)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from contactless.platform.money import Money


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class AccountView(Result):
    """An account as its owner sees it: ``balance`` is positive for money the customer has
    (demand and deposit accounts) and for money the customer owes (loan accounts)."""

    id: uuid.UUID
    number: str
    kind: str
    currency: str
    customer_id: uuid.UUID | None
    account_class: int | None
    status: str
    balance: Money
    bound_account_id: uuid.UUID | None = None
    bound_external_account: str | None = None
    opened_on: date
    closed_on: date | None = None


class Posted(Result):
    """A single-account money movement (cash, card payment, inbound transfer)."""

    entry_id: uuid.UUID
    account_id: uuid.UUID
    amount: Money
    balance_after: Money
    value_date: date


class TransferResult(Result):
    """An internal transfer; only the payer's balance is returned."""

    entry_id: uuid.UUID
    source_account_id: uuid.UUID
    target_account_id: uuid.UUID
    amount: Money
    source_balance: Money
    value_date: date
    memo: str


class OutboundTransferView(Result):
    id: uuid.UUID
    source_account_id: uuid.UUID
    bank_code: str
    external_account: str
    amount: Money
    status: str
    entry_id: uuid.UUID
    return_entry_id: uuid.UUID | None
    settled_on: date | None
    created_at: datetime


class DepositView(Result):
    """A time deposit or CD with what it will pay at maturity under the current rate."""

    id: uuid.UUID
    account_id: uuid.UUID
    customer_id: uuid.UUID
    demand_account_id: uuid.UUID
    product: str
    term: str
    principal: Money
    annual_rate: Decimal
    start_date: date
    maturity_date: date
    instruction: str
    renewal_term: str | None = None  # a renewal's term when not the deposit's own
    interest_at_maturity: Money
    status: str
    renewed_from_id: uuid.UUID | None
    closed_on: date | None
    interest_paid: Money | None
    # 部分提前支取: the part taken out early (once), when, and the interest it earned
    partial_withdrawn: Money | None = None
    partial_withdrawn_on: date | None = None
    partial_interest: Money | None = None


class DepositSettlement(Result):
    """How a deposit was closed (at maturity or early) or partly withdrawn: ``principal`` is
    the principal paid out, ``remaining_principal`` what stays in a partly withdrawn deposit."""

    deposit_id: uuid.UUID
    entry_id: uuid.UUID
    principal: Money
    interest: Money
    annual_rate_applied: Decimal
    days: int
    instruction: str
    paid_to_demand: Money
    renewed_deposit_id: uuid.UUID | None
    remaining_principal: Money | None = None


class PartialWithdrawalQuote(Result):
    """What a partial early withdrawal would pay now and leave in the deposit."""

    deposit_id: uuid.UUID
    amount: Money
    interest: Money
    annual_rate_applied: Decimal
    days: int
    remaining_principal: Money
    remaining_interest_at_maturity: Money
    minimum_remaining: Money


class ClosingQuote(Result):
    """What closing a demand account would pay and move today, and what still blocks it."""

    account_id: uuid.UUID
    balance: Money
    interest: Money
    total: Money
    linked_products: list[str]


class RateView(Result):
    product: str
    term: str
    currency: str
    annual_rate: Decimal
    effective_from: date


class WealthProductView(Result):
    id: uuid.UUID
    code: str
    name: str
    risk_level: str
    currency: str
    min_purchase: Money
    maturity_date: date | None
    status: str
    latest_nav: Decimal | None
    latest_nav_date: date | None


class WealthOrderView(Result):
    id: uuid.UUID
    kind: str
    product_id: uuid.UUID
    holding_id: uuid.UUID
    demand_account_id: uuid.UUID
    amount: Money | None
    units: Decimal | None
    nav: Decimal | None
    trade_date: date
    settle_date: date
    status: str


class HoldingView(Result):
    id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    risk_level: str
    demand_account_id: uuid.UUID
    units: Decimal
    units_redeeming: Decimal
    cost: Money
    latest_nav: Decimal | None
    market_value: Money | None
    maturity_date: date | None
    pending_orders: list[WealthOrderView]


class InstalmentView(Result):
    number: int
    due_date: date
    principal: Money
    interest: Money
    deferred_interest: Money
    total: Money
    status: str
    paid_on: date | None


class LoanView(Result):
    id: uuid.UUID
    account_id: uuid.UUID
    customer_id: uuid.UUID
    demand_account_id: uuid.UUID
    principal: Money
    outstanding: Money
    annual_rate: Decimal
    term_months: int
    method: str
    status: str
    booked_on: date
    disbursed_on: date | None
    deferred_months: int
    schedule: list[InstalmentView]


class LoanRepayment(Result):
    loan_id: uuid.UUID
    entry_id: uuid.UUID
    instalment_number: int | None
    principal_paid: Money
    interest_paid: Money
    outstanding: Money
    loan_status: str


class HistoryItem(Result):
    """A line of a statement: ``amount`` positive for money in, negative for money out."""

    seq: int
    entry_id: uuid.UUID
    value_date: date
    booked_at: datetime
    kind: str
    memo: str
    amount: Money
    balance_after: Money
    # the other side, masked: another account's last four digits, or the memo's bank
    counterparty: str | None = None


class HistoryPage(Result):
    account_id: uuid.UUID
    items: list[HistoryItem]
    page: int
    page_size: int
    total: int


class MaturedDeposit(Result):
    deposit_id: uuid.UUID
    instruction: str
    principal: Money
    interest: Money
    renewed_deposit_id: uuid.UUID | None


class MaturityReport(Result):
    """What one run of the maturity runner did on a date; a second run reports nothing new."""

    on: date
    deposits: list[MaturedDeposit]
    wealth_orders_confirmed: int
    # the orders confirmed by this run (their ids), for the events that announce them
    wealth_orders_settled: list[uuid.UUID] = []
    wealth_orders_waiting_for_nav: int
    wealth_products_matured: int
    holdings_paid_out: int
    instalments_collected: int
    instalments_unpaid: int
    failed: list[str]


class WealthSettlementReport(Result):
    on: date
    confirmed: list[uuid.UUID]
    waiting_for_nav: int


class EntryLine(Result):
    """One posting of an entry: ``amount`` is signed as stored (debit positive, credit
    negative) on an account of ``account_kind``."""

    account_id: uuid.UUID
    account_kind: str
    amount: Money


class LedgerEntryView(Result):
    """A journal entry with its postings, as the books hold it (a contract's history)."""

    id: uuid.UUID
    kind: str
    value_date: date
    booked_at: datetime
    reference_type: str | None
    reference_id: uuid.UUID | None
    lines: list[EntryLine]


class TrialBalanceLine(Result):
    currency: str
    account_kind: str
    accounts: int
    debits: Decimal
    credits: Decimal
    net: Decimal


class TrialBalance(Result):
    """Per currency and account kind: the debit and credit balances; balanced when, for each
    currency, debits equal credits."""

    lines: list[TrialBalanceLine]
    totals: dict[str, TrialBalanceLine]
    balanced: bool


class BooksCheck(Result):
    """The ledger's invariants, recomputed from the postings."""

    entries: int
    postings: int
    accounts: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class SettlementResult(Result):
    """One call of the quarterly demand-interest settlement (结息). ``complete`` once every
    demand account of the period is settled; a call with ``max_accounts`` settles that many
    and leaves the rest to the next call (each call its own transaction)."""

    settlement_date: date
    period_start: date
    credit_date: date
    accounts_settled: int
    accounts_with_interest: int
    entries: int
    interest: dict[str, Decimal]
    complete: bool
    currencies_without_rate: list[str] = []


class AccountClosure(Result):
    """A closed demand account (销户): interest settled to the day before, the balance moved."""

    account_id: uuid.UUID
    closed_on: date
    interest: Money
    moved: Money
    target_account_id: uuid.UUID | None
    interest_entry_id: uuid.UUID | None
    closing_entry_id: uuid.UUID | None


class GeneralLedgerLineView(Result):
    currency: str
    gl_code: str
    account_kind: str
    opening: Decimal
    debits: Decimal
    credits: Decimal
    closing: Decimal


class ClosedDay(Result):
    """A closed business day with its trial balance and general-ledger lines as of that day."""

    business_date: date
    closed_by: str
    closed_at: datetime
    trial_balance: TrialBalance
    general_ledger: list[GeneralLedgerLineView]
    export_path: str | None = None


class DemoBooks(Result):
    customers: int
    demand_accounts: int
    entries: int
    time_deposits: int
    certificates_of_deposit: int
    holdings: int
    loans: int
