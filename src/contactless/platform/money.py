"""Money: a Decimal amount with a currency. Floats and mixed currencies are refused."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from contactless.platform.errors import ValidationFailed

CURRENCY_EXPONENTS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
DEFAULT_CURRENCY = "CNY"


class MoneyError(ValidationFailed):
    """An amount or currency that cannot be money."""

    code = "invalid_money"


class CurrencyMismatch(MoneyError):
    """Arithmetic or a posting across two currencies."""

    code = "currency_mismatch"


class UnknownCurrency(MoneyError):
    """Not an ISO 4217 currency the platform keeps."""

    code = "unknown_currency"


class TooManyDecimals(MoneyError):
    """The amount has more decimal places than its currency allows."""

    code = "too_many_decimals"


class AmountOutOfRange(MoneyError):
    """An amount no account can hold (the books keep fen in a 64-bit integer)."""

    code = "amount_out_of_range"


# one quadrillion: far above any real amount, far below what the books can store
MAX_AMOUNT = Decimal(10) ** 15


def amount_pattern(exponent: int) -> str:
    """What ``Money.of`` accepts for a currency with ``exponent`` decimals, as a regular
    expression for the API schema: a positive amount below ``MAX_AMOUNT``, at most
    ``exponent`` decimal places."""
    digits = len(str(MAX_AMOUNT)) - 1
    if exponent == 0:
        return rf"^[1-9][0-9]{{0,{digits - 1}}}$"
    return (rf"^([1-9][0-9]{{0,{digits - 1}}}(\.[0-9]{{1,{exponent}}})?"
            rf"|0\.(0{{0,{exponent - 1}}}[1-9]|[1-9][0-9]{{0,{exponent - 1}}}))$")


def amount_schema(*, default_currency: str = DEFAULT_CURRENCY) -> dict[str, Any]:
    """The JSON schema of an amount in (``{"amount": "10.50", "currency": "CNY"}``): the
    currencies of ``CURRENCY_EXPONENTS``, each with its own decimals; the one table."""
    by_exponent: dict[int, list[str]] = {}
    for currency, exponent in CURRENCY_EXPONENTS.items():
        by_exponent.setdefault(exponent, []).append(currency)
    branches = []
    for exponent, currencies in sorted(by_exponent.items(), reverse=True):
        branch: dict[str, Any] = {"properties": {
            "currency": {"type": "string", "enum": currencies},
            "amount": {"type": "string", "pattern": amount_pattern(exponent)}}}
        if default_currency not in currencies:
            branch["required"] = ["amount", "currency"]
        branches.append(branch)
    return {"anyOf": branches}


def to_decimal(value: Any) -> Decimal:
    """Turn an int, str or Decimal into a Decimal; refuse floats and junk."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("amounts must be given as strings or Decimal, never float")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise MoneyError("not a number: {value!r}", value=value) from exc
    else:
        raise MoneyError("not an amount: {value!r}", value=value)
    if not result.is_finite():
        raise MoneyError("amount must be finite")
    return result


def plain(value: Decimal) -> str:
    """A Decimal in plain digits without trailing zeros (10.00 -> "10", 0.50 -> "0.5"), never
    in exponent form."""
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def check_currency(currency: str) -> str:
    if currency not in CURRENCY_EXPONENTS:
        raise UnknownCurrency("unknown currency: {currency!r}", currency=currency)
    return currency


def quantum(currency: str = DEFAULT_CURRENCY) -> Decimal:
    """The currency's smallest unit from ``CURRENCY_EXPONENTS`` (0.01 for CNY, 1 for JPY):
    the one place a currency's precision is written down."""
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS[check_currency(currency)])


def round_to_currency(value: Decimal, currency: str = DEFAULT_CURRENCY, *,
                      rounding: str = ROUND_HALF_UP) -> Decimal:
    """``value`` to the currency's smallest unit (half-up unless told otherwise)."""
    return value.quantize(quantum(currency), rounding=rounding)


def fits_currency(value: Decimal, currency: str = DEFAULT_CURRENCY) -> bool:
    """Whether ``value`` has no more decimals than the currency has."""
    return value == value.quantize(quantum(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        check_currency(self.currency)

    @classmethod
    def of(cls, amount: Any, currency: str = DEFAULT_CURRENCY, *, strict: bool = True) -> Money:
        """An exact amount: with ``strict`` more decimals than the currency has are refused."""
        value = to_decimal(amount)
        exponent = CURRENCY_EXPONENTS[check_currency(currency)]
        if abs(value) >= MAX_AMOUNT:
            raise AmountOutOfRange("amounts must be below {limit} {currency}",
                                   limit=plain(MAX_AMOUNT), currency=currency)
        if strict and not fits_currency(value, currency):
            raise TooManyDecimals(
                "{currency} amounts have at most {exponent} decimal places: {value}",
                currency=currency, exponent=exponent, value=value
            )
        return cls(round_to_currency(value, currency), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls.of(0, currency)

    def rounded(self, rounding: str = ROUND_HALF_UP) -> Money:
        return Money(round_to_currency(self.amount, self.currency, rounding=rounding),
                     self.currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise MoneyError("cannot combine Money with {other}", other=type(other).__name__)
        if other.currency != self.currency:
            raise CurrencyMismatch("cannot combine {currency} with {currency2}",
                                   currency=self.currency, currency2=other.currency)
        return other

    def __add__(self, other: object) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: object) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, float | bool) or not isinstance(factor, int | Decimal):
            raise MoneyError("money can be multiplied by an int or Decimal only")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._same(other).amount

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount:,.{CURRENCY_EXPONENTS[self.currency]}f} {self.currency}"

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}
