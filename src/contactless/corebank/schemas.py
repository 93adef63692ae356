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


class DepositSettlement(Result):
    """How a deposit was closed: at maturity or early."""

    deposit_id: uuid.UUID
    entry_id: uuid.UUID
    principal: Money
    interest: Money
    annual_rate_applied: Decimal
    days: int
    instruction: str
    paid_to_demand: Money
    renewed_deposit_id: uuid.UUID | None


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


class DemoBooks(Result):
    customers: int
    demand_accounts: int
    entries: int
    time_deposits: int
    certificates_of_deposit: int
    holdings: int
    loans: int
