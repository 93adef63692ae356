from decimal import Decimal

import pytest

from contactless.platform.db import MinorUnits
from contactless.platform.money import (
    CURRENCY_EXPONENTS,
    CurrencyMismatch,
    Money,
    MoneyError,
    TooManyDecimals,
    UnknownCurrency,
    fits_currency,
    plain,
    quantum,
    round_to_currency,
)


def test_money_is_exact_decimal_with_currency() -> None:
    total = Money.of("0.10") + Money.of("0.20")
    assert total == Money.of("0.30", "CNY")
    assert str(Money.of("1234.5")) == "1,234.50 CNY"


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError):
        Money.of(0.1)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money.of("1") * 1.5  # type: ignore[operator]


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "CNY") + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "CNY") < Money.of("1", "USD")


def test_more_decimals_than_the_currency_has_are_refused() -> None:
    with pytest.raises(TooManyDecimals):
        Money.of("1.005")
    assert Money.of("1.005", strict=False).amount == Decimal("1.01")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        Money.of("1", "XXX")


def test_rounding_is_half_up_to_the_fen() -> None:
    assert Money(Decimal("2.345")).rounded() == Money.of("2.35")
    assert Money(Decimal("-2.345")).rounded() == Money.of("-2.35")


def test_plain_numbers_never_show_an_exponent() -> None:
    assert plain(Decimal("10.00")) == "10"
    assert plain(Decimal("0.50")) == "0.5"
    assert plain(Decimal("1E+3")) == "1000"
    assert plain(Decimal("0")) == "0"


def test_a_currency_precision_comes_from_the_one_table() -> None:
    assert quantum("CNY") == Decimal("0.01")
    assert quantum("JPY") == Decimal(1)
    assert str(round_to_currency(Decimal("10.005"), "CNY")) == "10.01"
    assert str(round_to_currency(Decimal("10.5"), "JPY")) == "11"
    assert fits_currency(Decimal("10.50"), "USD")
    assert not fits_currency(Decimal("10.5"), "JPY")
    with pytest.raises(UnknownCurrency):
        quantum("XXX")


def test_the_books_hold_every_currency_exactly() -> None:
    # MinorUnits keeps hundredths: a currency with more decimals could not be stored
    assert max(CURRENCY_EXPONENTS.values()) <= MinorUnits.scale
    assert MinorUnits.from_stored(12345) == Decimal("123.45")
    assert MinorUnits.holds(Decimal("1.10"))
    assert not MinorUnits.holds(Decimal("1.105"))
