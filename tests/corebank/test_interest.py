"""Interest and schedule arithmetic, as plain numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contactless.corebank.constants import RepaymentMethod, Term
from contactless.corebank.interest import (
    add_months,
    deferral_interest,
    level_payment,
    loan_schedule,
    maturity_date,
    simple_interest,
    to_fen,
)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 3, 15), 12, date(2026, 3, 15)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 5, 31), -3, date(2025, 2, 28)),
])
def test_months_are_added_with_the_day_clamped_to_the_months_end(start: date, months: int,
                                                                  expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_one_year_deposit_matures_on_the_same_day_next_year() -> None:
    assert maturity_date(date(2024, 2, 29), Term.Y1) == date(2025, 2, 28)
    assert maturity_date(date(2025, 6, 1), Term.M3) == date(2025, 9, 1)


def test_simple_interest_is_act_365_rounded_half_up_to_the_fen() -> None:
    # 100,000 at 1.35% for 365 days
    assert simple_interest(Decimal("100000.00"), Decimal("0.0135"), 365) == Decimal("1350.00")
    # a leap year still divides by 365
    assert simple_interest(Decimal("100000.00"), Decimal("0.0135"), 366) == Decimal("1353.70")
    # 10,000 × 0.20% × 73 / 365 = 4.00 exactly; 1 × 1.80% × 10 / 365 = 0.000493 → 0.00
    assert simple_interest(Decimal("10000.00"), Decimal("0.0020"), 73) == Decimal("4.00")
    assert simple_interest(Decimal("1.00"), Decimal("0.018"), 10) == Decimal("0.00")
    assert simple_interest(Decimal("1000.00"), Decimal("0.05"), 0) == Decimal("0.00")


def test_half_up_means_half_a_fen_goes_up() -> None:
    assert to_fen(Decimal("0.005")) == Decimal("0.01")
    assert to_fen(Decimal("0.0049")) == Decimal("0.00")
    assert to_fen(Decimal("2.675")) == Decimal("2.68")


def test_equal_instalments_pay_the_textbook_amount_and_sum_to_the_principal() -> None:
    # 120,000 over 12 months at 4.35%: P·r·(1+r)^n / ((1+r)^n − 1) = 10,237.188…
    assert level_payment(Decimal("120000.00"), Decimal("0.0435") / 12, 12) == Decimal("10237.19")
    schedule = loan_schedule(principal=Decimal("120000.00"), annual_rate=Decimal("0.0435"),
                             months=12, method=RepaymentMethod.EQUAL_INSTALMENT,
                             anchor=date(2025, 1, 31))
    assert sum(row.principal for row in schedule) == Decimal("120000.00")
    assert {row.total for row in schedule[:-1]} == {Decimal("10237.19")}
    assert abs(schedule[-1].total - Decimal("10237.19")) < Decimal("0.10")
    assert schedule[0].interest == Decimal("435.00")
    assert [row.due_date for row in schedule[:3]] == [
        date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_equal_principal_pays_falling_instalments() -> None:
    schedule = loan_schedule(principal=Decimal("100000.00"), annual_rate=Decimal("0.06"),
                             months=3, method=RepaymentMethod.EQUAL_PRINCIPAL,
                             anchor=date(2025, 1, 1))
    assert [row.principal for row in schedule] == [
        Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]
    assert [row.interest for row in schedule] == [
        Decimal("500.00"), Decimal("333.33"), Decimal("166.67")]


def test_a_zero_rate_loan_is_principal_only() -> None:
    schedule = loan_schedule(principal=Decimal("1000.00"), annual_rate=Decimal(0), months=3,
                             method=RepaymentMethod.EQUAL_INSTALMENT, anchor=date(2025, 1, 1))
    assert [row.total for row in schedule] == [
        Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]


def test_a_deferral_accrues_monthly_interest_on_what_is_outstanding() -> None:
    assert deferral_interest(Decimal("60000.00"), Decimal("0.048"), 3) == Decimal("720.00")
