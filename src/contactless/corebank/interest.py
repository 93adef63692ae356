"""Interest and schedule arithmetic: pure functions, no database, every rounding explicit.

Deposits earn simple interest, ACT/365, rounded half-up to the fen. Loans use the monthly rate
(annual / 12) on the outstanding principal, as Chinese lenders quote them (月利率 = 年利率 / 12).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contactless.corebank.constants import DAYS_IN_YEAR, RepaymentMethod, Term
from contactless.platform.money import round_to_currency


def to_fen(value: Decimal) -> Decimal:
    """Round half-up to the fen (0.005 → 0.01)."""
    return round_to_currency(value, "CNY")


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1m = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def maturity_date(start: date, term: Term) -> date:
    return add_months(start, term.months)


def simple_interest(principal: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """principal × rate × days / 365, half-up to the fen; no interest for zero or negative days."""
    if days <= 0:
        return Decimal("0.00")
    return to_fen(principal * annual_rate * days / DAYS_IN_YEAR)


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def level_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """等额本息: the constant monthly payment P·r·(1+r)^n / ((1+r)^n − 1), to the fen."""
    if monthly_rate == 0:
        return to_fen(principal / months)
    growth = (1 + monthly_rate) ** months
    return to_fen(principal * monthly_rate * growth / (growth - 1))


def loan_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    anchor: date,
    first_number: int = 1,
    month_offset: int = 0,
) -> list[ScheduledInstalment]:
    """The instalments that repay ``principal`` over ``months`` monthly periods.

    Instalment ``k`` (counting from ``first_number``) falls due ``k + month_offset`` months after
    ``anchor`` (the disbursement date); ``month_offset`` is the total deferral so far. Interest
    per period is the outstanding principal × annual_rate / 12, half-up to the fen; the last
    instalment takes whatever principal is left, so the principals always sum to ``principal``.
    """
    monthly_rate = annual_rate / 12
    outstanding = principal
    payment = level_payment(principal, monthly_rate, months)
    even_principal = to_fen(principal / months)
    schedule: list[ScheduledInstalment] = []
    for index in range(months):
        number = first_number + index
        interest = to_fen(outstanding * monthly_rate)
        if index == months - 1:
            part = outstanding
        elif method is RepaymentMethod.EQUAL_INSTALMENT:
            part = min(payment - interest, outstanding)
        else:
            part = min(even_principal, outstanding)
        outstanding -= part
        schedule.append(
            ScheduledInstalment(
                number=number,
                due_date=add_months(anchor, number + month_offset),
                principal=part,
                interest=interest,
            )
        )
    return schedule


def deferral_interest(outstanding: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """延期还款: interest that accrues on the outstanding principal during a deferral."""
    return to_fen(outstanding * annual_rate / 12 * months)


# -- 结息: quarterly demand-interest settlement ------------------------------------------------

SETTLEMENT_MONTHS = (3, 6, 9, 12)


def is_settlement_date(day: date, settlement_day: int) -> bool:
    return day.month in SETTLEMENT_MONTHS and day.day == settlement_day


def previous_settlement_date(day: date, settlement_day: int) -> date:
    """The last settlement date strictly before ``day``."""
    candidate = date(day.year, day.month, settlement_day) if day.day > settlement_day \
        else add_months(date(day.year, day.month, settlement_day), -1)
    while candidate.month not in SETTLEMENT_MONTHS:
        candidate = add_months(candidate, -1)
    return candidate


def next_settlement_date(day: date, settlement_day: int) -> date:
    """The first settlement date on or after ``day``."""
    candidate = date(day.year, day.month, settlement_day) if day.day <= settlement_day \
        else add_months(date(day.year, day.month, settlement_day), 1)
    while candidate.month not in SETTLEMENT_MONTHS:
        candidate = add_months(candidate, 1)
    return candidate


def settlement_period(settlement_date: date, settlement_day: int) -> tuple[date, date]:
    """The days a settlement pays for: from the day after the previous settlement date to the
    settlement date itself, both included (21 March to 20 June)."""
    previous = previous_settlement_date(settlement_date, settlement_day)
    return previous + timedelta(days=1), settlement_date


def accrued_interest(balance_days: list[tuple[Decimal, Decimal]], basis: int) -> Decimal:
    """积数 × annual rate / basis, summed over rate segments and rounded half-up once:
    ``balance_days`` holds (Σ day-end balances over the segment's days, the segment's rate)."""
    total = sum((days * rate for days, rate in balance_days), Decimal(0))
    if total <= 0:
        return Decimal("0.00")
    return to_fen(total / basis)
