"""Quotes shown before a customer confirms (the ledger computes the real postings): simple
deposit interest ACT/365 and loan instalments, rounded half-up to the fen."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from contactless.platform.money import round_to_currency

TERM_MONTHS = {"3m": 3, "6m": 6, "1y": 12, "2y": 24, "3y": 36, "5y": 60}


def to_fen(value: Decimal) -> Decimal:
    return round_to_currency(value, "CNY")


def add_months(start: date, months: int) -> date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deposit_interest(principal: Decimal, annual_rate: Decimal, start: date, end: date) -> Decimal:
    days = (end - start).days
    return to_fen(principal * annual_rate * days / 365) if days > 0 else Decimal("0.00")


def monthly_payment(principal: Decimal, annual_rate: Decimal, months: int,
                    method: str) -> Decimal:
    """等额本息: the level payment; 等额本金: the first (largest) payment."""
    rate = annual_rate / 12
    if method == "equal_principal":
        return to_fen(principal / months + principal * rate)
    if rate == 0:
        return to_fen(principal / months)
    growth = (1 + rate) ** months
    return to_fen(principal * rate * growth / (growth - 1))
