"""The embedded ledger's tables: accounts, a double-entry journal, and the products around it.

Sign convention: a posting's ``amount`` is positive for a debit and negative for a credit; an
entry's postings sum to zero per currency, and an account's ``balance`` is the sum of its
postings (so deposits, being the bank's liabilities, carry negative balances in storage; read
models show them positive). Money columns are ``MinorUnits`` next to a currency column.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactless.customers.models import Customer
from contactless.platform.db import (
    Base,
    CreatedMixin,
    DecimalText,
    IdMixin,
    MinorUnits,
    UTCDateTime,
    utcnow,
)

ZERO = Decimal("0.00")


class LedgerAccount(IdMixin, CreatedMixin, Base):
    """A customer account (demand, deposit, loan) or an internal account of the bank."""

    __tablename__ = "corebank_account"

    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    # 1 = 一类户, 2 = 二类户; demand accounts only
    account_class: Mapped[int | None] = mapped_column(Integer)
    bound_account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("corebank_account.id")
    )
    bound_external_account: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # signed sum of postings (debit positive), kept in the same transaction as the postings
    balance: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False, default=ZERO)
    # count of postings; the next posting takes posting_count + 1 as its sequence number
    posting_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    frozen_reason: Mapped[str | None] = mapped_column(String(200))
    # 销户: the day a demand account was closed (deposit accounts close with their deposit)
    closed_on: Mapped[date | None] = mapped_column(Date)

    # many-to-one links are declared so the unit of work inserts parents first; never loaded
    customer: Mapped[Customer | None] = relationship(lazy="raise")
    bound_account: Mapped[LedgerAccount | None] = relationship(
        remote_side="LedgerAccount.id", lazy="raise"
    )

    def __init__(self, **values: object) -> None:
        # a new account starts empty before it is flushed, so postings can move it at once
        values.setdefault("balance", ZERO)
        values.setdefault("posting_count", 0)
        values.setdefault("status", "active")
        super().__init__(**values)


class JournalEntry(IdMixin, CreatedMixin, Base):
    """One business event; its postings sum to zero per currency."""

    __tablename__ = "corebank_entry"
    __table_args__ = (UniqueConstraint("idempotency_scope", "idempotency_key"),)

    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    value_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    memo: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    actor_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    # "<actor kind>:<actor id>" and the caller's key, or "runner" and a key per due item:
    # the unique pair is the database's own proof that a request posts at most once
    idempotency_scope: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(160))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class Posting(Base):
    """One line of an entry: a signed amount on one account, with the balance it left."""

    __tablename__ = "corebank_posting"
    __table_args__ = (
        UniqueConstraint("account_id", "seq"),
        Index("ix_corebank_posting_limit", "account_id", "limit_direction", "value_date"),
        CheckConstraint("amount <> 0", name="nonzero"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("corebank_entry.id"), nullable=False, index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                  nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    balance_after: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    value_date: Mapped[date] = mapped_column(Date, nullable=False)
    # set on a Class II account's flows that count toward its caps
    limit_direction: Mapped[str | None] = mapped_column(String(3))

    entry: Mapped[JournalEntry] = relationship(lazy="raise")
    account: Mapped[LedgerAccount] = relationship(lazy="raise")


class IdempotentRequest(IdMixin, Base):
    """A request already served: its fingerprint and the result a replay gets back."""

    __tablename__ = "corebank_request"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    scope: Mapped[str] = mapped_column(String(100), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    operation: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DepositRate(IdMixin, CreatedMixin, Base):
    """An annual rate (a fraction) for a product and term, effective from a date."""

    __tablename__ = "corebank_rate"
    __table_args__ = (UniqueConstraint("product", "term", "currency", "effective_from"),)

    product: Mapped[str] = mapped_column(String(16), nullable=False)
    term: Mapped[str] = mapped_column(String(8), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)


class TimeDeposit(IdMixin, CreatedMixin, Base):
    """A time deposit or large CD: its own ledger account holds the principal."""

    __tablename__ = "corebank_deposit"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                  nullable=False, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    demand_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                         nullable=False)
    product: Mapped[str] = mapped_column(String(8), nullable=False)
    term: Mapped[str] = mapped_column(String(8), nullable=False)
    principal: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    maturity_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    instruction: Mapped[str] = mapped_column(String(16), nullable=False)
    # a renewal at maturity goes into this term (None: the deposit's own term)
    renewal_term: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", index=True)
    renewed_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corebank_deposit.id"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    interest_paid: Mapped[Decimal | None] = mapped_column(MinorUnits)
    # 部分提前支取 (once per deposit): the part taken out, when, and the demand-rate interest
    # it earned; ``principal`` is what remains at the deposit's own rate
    partial_withdrawn: Mapped[Decimal | None] = mapped_column(MinorUnits)
    partial_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    partial_interest: Mapped[Decimal | None] = mapped_column(MinorUnits)

    account: Mapped[LedgerAccount] = relationship(foreign_keys=[account_id], lazy="raise")
    demand_account: Mapped[LedgerAccount] = relationship(foreign_keys=[demand_account_id],
                                                         lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")
    renewed_from: Mapped[TimeDeposit | None] = relationship(remote_side="TimeDeposit.id",
                                                            lazy="raise")


class WealthProduct(IdMixin, CreatedMixin, Base):
    """A wealth-management product (理财产品) sold by the bank, priced by its NAV."""

    __tablename__ = "corebank_wealth_product"

    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    min_purchase: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    maturity_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")


class WealthNav(IdMixin, Base):
    """The net asset value per unit of a product on a date."""

    __tablename__ = "corebank_wealth_nav"
    __table_args__ = (UniqueConstraint("product_id", "nav_date"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_wealth_product.id"),
                                                  nullable=False)
    nav_date: Mapped[date] = mapped_column(Date, nullable=False)
    nav: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)

    product: Mapped[WealthProduct] = relationship(lazy="raise")


class WealthHolding(IdMixin, CreatedMixin, Base):
    """A customer's units of one product; the money sits in the product settlement account."""

    __tablename__ = "corebank_holding"
    __table_args__ = (UniqueConstraint("customer_id", "product_id", "demand_account_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_wealth_product.id"),
                                                  nullable=False, index=True)
    demand_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                         nullable=False)
    units: Mapped[Decimal] = mapped_column(DecimalText, nullable=False, default=Decimal(0))
    # units asked to be redeemed but not yet settled
    units_redeeming: Mapped[Decimal] = mapped_column(DecimalText, nullable=False,
                                                     default=Decimal(0))
    cost: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False, default=ZERO)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    customer: Mapped[Customer] = relationship(lazy="raise")
    product: Mapped[WealthProduct] = relationship(lazy="raise")
    demand_account: Mapped[LedgerAccount] = relationship(lazy="raise")


class WealthOrder(IdMixin, CreatedMixin, Base):
    """A subscription or redemption, confirmed at the T+1 NAV by the settlement step."""

    __tablename__ = "corebank_wealth_order"

    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_wealth_product.id"),
                                                  nullable=False)
    holding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_holding.id"),
                                                  nullable=False, index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    demand_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                         nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(MinorUnits)
    units: Mapped[Decimal | None] = mapped_column(DecimalText)
    nav: Mapped[Decimal | None] = mapped_column(DecimalText)
    trade_date: Mapped[date] = mapped_column(Date, nullable=False)
    settle_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending",
                                        index=True)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corebank_entry.id"))

    product: Mapped[WealthProduct] = relationship(lazy="raise")
    holding: Mapped[WealthHolding] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")
    demand_account: Mapped[LedgerAccount] = relationship(lazy="raise")
    entry: Mapped[JournalEntry | None] = relationship(lazy="raise")


class Loan(IdMixin, CreatedMixin, Base):
    """A loan: its ledger account carries the outstanding principal (a debit balance)."""

    __tablename__ = "corebank_loan"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                  nullable=False, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    demand_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                         nullable=False)
    principal: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    method: Mapped[str] = mapped_column(String(24), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="booked")
    booked_on: Mapped[date] = mapped_column(Date, nullable=False)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    deferred_months: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[LedgerAccount] = relationship(foreign_keys=[account_id], lazy="raise")
    demand_account: Mapped[LedgerAccount] = relationship(foreign_keys=[demand_account_id],
                                                         lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")


class LoanInstalment(IdMixin, Base):
    """One row of a loan's schedule."""

    __tablename__ = "corebank_instalment"
    __table_args__ = (UniqueConstraint("loan_id", "number"),)

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_loan.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    principal: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    interest: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    # 延期还款: interest accrued during a deferral, charged with this instalment
    deferred_interest: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False, default=ZERO)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="due")
    paid_on: Mapped[date | None] = mapped_column(Date)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corebank_entry.id"))

    loan: Mapped[Loan] = relationship(lazy="raise")
    entry: Mapped[JournalEntry | None] = relationship(lazy="raise")


class OutboundTransfer(IdMixin, CreatedMixin, Base):
    """A transfer to another bank: pending in clearing until settled or returned."""

    __tablename__ = "corebank_outbound"

    source_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                         nullable=False, index=True)
    bank_code: Mapped[str] = mapped_column(String(16), nullable=False)
    external_account: Mapped[str] = mapped_column(String(40), nullable=False)
    amount: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    memo: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending",
                                        index=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_entry.id"), nullable=False)
    return_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corebank_entry.id"))
    settled_on: Mapped[date | None] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(String(200))

    source_account: Mapped[LedgerAccount] = relationship(lazy="raise")
    entry: Mapped[JournalEntry] = relationship(foreign_keys=[entry_id], lazy="raise")
    return_entry: Mapped[JournalEntry | None] = relationship(foreign_keys=[return_entry_id],
                                                             lazy="raise")


class InterestRun(IdMixin, CreatedMixin, Base):
    """One quarterly settlement of demand interest (结息), by its settlement date: ``running``
    while accounts remain, ``completed`` when every account of the period is settled."""

    __tablename__ = "corebank_interest_run"

    settlement_date: Mapped[date] = mapped_column(Date, nullable=False, unique=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    credit_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    accounts_settled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InterestSettlement(IdMixin, CreatedMixin, Base):
    """The interest paid to one demand account for one period: the database's proof that an
    account is settled at most once per period (a rerun or a resumed run skips it)."""

    __tablename__ = "corebank_interest_settlement"
    __table_args__ = (UniqueConstraint("account_id", "period_end"),)

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corebank_account.id"),
                                                  nullable=False)
    # the quarter's settlement date; a closing settles early, keyed by the next one
    period_end: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    accrued_from: Mapped[date] = mapped_column(Date, nullable=False)
    accrued_to: Mapped[date] = mapped_column(Date, nullable=False)
    # 积数: the sum of the day-end balances over the days accrued (in yuan·days)
    balance_days: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    interest: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corebank_entry.id"))

    account: Mapped[LedgerAccount] = relationship(lazy="raise")
    entry: Mapped[JournalEntry | None] = relationship(lazy="raise")


class BusinessDay(IdMixin, CreatedMixin, Base):
    """A closed business day (日终): nothing may be posted on or before it any more. Keeps the
    trial balance as of that day (JSON of :class:`~contactless.corebank.schemas.TrialBalance`)."""

    __tablename__ = "corebank_business_day"

    business_date: Mapped[date] = mapped_column(Date, nullable=False, unique=True)
    closed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    trial_balance: Mapped[str] = mapped_column(Text, nullable=False)
    balanced: Mapped[bool] = mapped_column(Boolean, nullable=False)


class GeneralLedgerLine(IdMixin, Base):
    """One general-ledger account on one closed day: opening, the day's debits and credits,
    closing (debit positive, as postings are), ready for an accounting system's import."""

    __tablename__ = "corebank_gl_line"
    __table_args__ = (UniqueConstraint("business_date", "currency", "gl_code"),)

    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    gl_code: Mapped[str] = mapped_column(String(16), nullable=False)
    account_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    opening: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    debits: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    credits: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    closing: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)


__all__ = [
    "BusinessDay",
    "DepositRate",
    "GeneralLedgerLine",
    "IdempotentRequest",
    "InterestRun",
    "InterestSettlement",
    "JournalEntry",
    "LedgerAccount",
    "Loan",
    "LoanInstalment",
    "OutboundTransfer",
    "Posting",
    "TimeDeposit",
    "WealthHolding",
    "WealthNav",
    "WealthOrder",
    "WealthProduct",
]
