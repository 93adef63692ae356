"""Names and numbers of the core-banking rules: account kinds, terms, limits, default rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum


class AccountKind(StrEnum):
    # customer accounts
    DEMAND = "demand"  # 活期账户
    TIME_DEPOSIT = "time_deposit"  # 定期存款
    CERTIFICATE_OF_DEPOSIT = "certificate_of_deposit"  # 大额存单
    LOAN = "loan"  # 贷款: the outstanding principal of one loan
    # internal (bank) accounts
    CASH = "cash"  # 现金
    INTEREST_EXPENSE = "interest_expense"  # 利息支出
    INTEREST_INCOME = "interest_income"  # 利息收入
    CLEARING = "clearing"  # 清算往来: net position with other banks
    PRODUCT_SETTLEMENT = "product_settlement"  # 理财产品清算: money held for wealth products


CUSTOMER_KINDS = frozenset(
    {AccountKind.DEMAND, AccountKind.TIME_DEPOSIT, AccountKind.CERTIFICATE_OF_DEPOSIT,
     AccountKind.LOAN}
)
INTERNAL_KINDS = frozenset(set(AccountKind) - CUSTOMER_KINDS)
# liabilities and income grow on the credit side; their balance is shown as -(sum of postings)
CREDIT_NORMAL_KINDS = frozenset(
    {AccountKind.DEMAND, AccountKind.TIME_DEPOSIT, AccountKind.CERTIFICATE_OF_DEPOSIT,
     AccountKind.INTEREST_INCOME, AccountKind.CLEARING, AccountKind.PRODUCT_SETTLEMENT}
)

INTERNAL_NUMBER_PREFIX = {
    AccountKind.CASH: "9001",
    AccountKind.INTEREST_EXPENSE: "9002",
    AccountKind.INTEREST_INCOME: "9003",
    AccountKind.CLEARING: "9004",
    AccountKind.PRODUCT_SETTLEMENT: "9005",
}

# the general-ledger account (会计科目) each kind of ledger account rolls up into: the code an
# accounting system imports the day close's export by, and its name
GL_ACCOUNTS: dict[AccountKind, tuple[str, str]] = {
    AccountKind.CASH: ("1001", "库存现金"),
    AccountKind.LOAN: ("1303", "贷款"),
    AccountKind.DEMAND: ("201101", "吸收存款-活期储蓄存款"),
    AccountKind.TIME_DEPOSIT: ("201102", "吸收存款-定期储蓄存款"),
    AccountKind.CERTIFICATE_OF_DEPOSIT: ("201103", "吸收存款-大额存单"),
    AccountKind.PRODUCT_SETTLEMENT: ("2241", "其他应付款-理财产品清算"),
    AccountKind.CLEARING: ("3001", "清算资金往来"),
    AccountKind.INTEREST_INCOME: ("6011", "利息收入"),
    AccountKind.INTEREST_EXPENSE: ("6411", "利息支出"),
}


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class LimitDirection(StrEnum):
    """Flows that count toward the Class II caps."""

    IN = "in"
    OUT = "out"


class DepositProduct(StrEnum):
    TIME = "time"  # 整存整取定期
    CD = "cd"  # 大额存单


class RateProduct(StrEnum):
    DEMAND = "demand"
    TIME = "time"
    CD = "cd"


class Term(StrEnum):
    M3 = "3m"
    M6 = "6m"
    Y1 = "1y"
    Y2 = "2y"
    Y3 = "3y"
    Y5 = "5y"

    @property
    def months(self) -> int:
        return TERM_MONTHS[self]


TERM_MONTHS: dict[Term, int] = {
    Term.M3: 3, Term.M6: 6, Term.Y1: 12, Term.Y2: 24, Term.Y3: 36, Term.Y5: 60
}
DEMAND_TERM = "none"  # the rate table's term for demand rates


class MaturityInstruction(StrEnum):
    RENEW_ALL = "renew_all"  # 本息转存: principal and interest renewed for the same term
    RENEW_PRINCIPAL = "renew_principal"  # 本金转存: interest paid to the demand account
    PAYOUT = "payout"  # 到期支取: everything paid to the demand account


class DepositStatus(StrEnum):
    ACTIVE = "active"
    MATURED = "matured"  # paid out at maturity
    RENEWED = "renewed"  # rolled into a new deposit at maturity
    WITHDRAWN = "withdrawn"  # closed early at the demand rate


class RiskLevel(StrEnum):
    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"


class ProductStatus(StrEnum):
    OPEN = "open"
    MATURED = "matured"


class OrderKind(StrEnum):
    SUBSCRIBE = "subscribe"  # 申购
    REDEEM = "redeem"  # 赎回


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class RepaymentMethod(StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金


class LoanStatus(StrEnum):
    BOOKED = "booked"
    ACTIVE = "active"
    PAID_OFF = "paid_off"


class InstalmentStatus(StrEnum):
    DUE = "due"  # not paid yet (may lie in the future)
    PAID = "paid"
    CANCELLED = "cancelled"  # replaced when an early repayment paid the loan off


class OutboundStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    RETURNED = "returned"


# PBoC (银发〔2018〕16号): a Class II account's inflows from, and outflows to,
# accounts other than its bound account are capped per day and per year (in CNY).
CLASS2_DAILY_INFLOW_LIMIT = Decimal("10000.00")
CLASS2_YEARLY_INFLOW_LIMIT = Decimal("200000.00")
CLASS2_DAILY_OUTFLOW_LIMIT = Decimal("10000.00")
CLASS2_YEARLY_OUTFLOW_LIMIT = Decimal("200000.00")
CLASS2_CURRENCY = "CNY"

# 大额存单: the PBoC minimum for individuals
CD_MINIMUM = Decimal("200000.00")
# what a new deposit starts at (整存整取 from 50 CNY), in CNY
DEPOSIT_MINIMUMS: dict[DepositProduct, Decimal] = {DepositProduct.TIME: Decimal("50.00"),
                                                   DepositProduct.CD: CD_MINIMUM}

DAYS_IN_YEAR = 365  # ACT/365 for deposit interest
MAX_DEFERRAL_MONTHS = 12
MAX_LOAN_TERM_MONTHS = 360

DEFAULT_RATES_EFFECTIVE_FROM = date(2000, 1, 1)
# CNY, as fractions; the bank replaces them with effective-dated rows in the rate table
DEFAULT_RATES: dict[tuple[RateProduct, str], Decimal] = {
    (RateProduct.DEMAND, DEMAND_TERM): Decimal("0.0020"),
    (RateProduct.TIME, Term.M3.value): Decimal("0.0105"),
    (RateProduct.TIME, Term.M6.value): Decimal("0.0125"),
    (RateProduct.TIME, Term.Y1.value): Decimal("0.0135"),
    (RateProduct.TIME, Term.Y2.value): Decimal("0.0145"),
    (RateProduct.TIME, Term.Y3.value): Decimal("0.0175"),
    (RateProduct.TIME, Term.Y5.value): Decimal("0.0180"),
    (RateProduct.CD, Term.M3.value): Decimal("0.0140"),
    (RateProduct.CD, Term.M6.value): Decimal("0.0160"),
    (RateProduct.CD, Term.Y1.value): Decimal("0.0170"),
    (RateProduct.CD, Term.Y2.value): Decimal("0.0180"),
    (RateProduct.CD, Term.Y3.value): Decimal("0.0215"),
    (RateProduct.CD, Term.Y5.value): Decimal("0.0220"),
}
DEFAULT_RATE_CURRENCY = "CNY"
