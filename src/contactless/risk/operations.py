"""What an operation to assess must say, and how it becomes a transaction for the features.

Money-moving operations are one family: the card is the customer (or, on the core's counter
API, the source account), the terminal is the payee. Sign-ins are another family, so logging
in never counts as spending: their card is the customer, their terminal the device. A journey
without money (changing a mobile number) is a third.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from contactless.risk.errors import InvalidOperation, UnknownOperationKind
from contactless.risk.features import Transaction

# what the core's API moves money with (docs/risk.md lists the routes)
MONEY_KINDS = frozenset({
    "transfer", "outbound_transfer", "outbound_return", "outbound_settlement",
    "deposit_placement", "deposit_early_withdrawal", "deposit_partial_withdrawal",
    "account_closure", "wealth_purchase", "wealth_redemption", "loan_booking",
    "loan_disbursement", "loan_repayment", "loan_prepayment",
})
SIGN_IN = "sign_in"
BUILTIN_KINDS = MONEY_KINDS | {SIGN_IN}
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_AMOUNT = Decimal("1e15")


@dataclass(frozen=True)
class Assessed:
    """A checked operation: who, what, how much, when (UTC) and its entities' keys."""

    id: uuid.UUID
    kind: str
    channel: str
    at: datetime
    customer_id: uuid.UUID | None
    card: str  # the feature engine's card key
    payee: str | None
    device: str | None
    amount: Decimal | None
    currency: str | None
    inputs: dict[str, Any]

    @property
    def family(self) -> str:
        return self.card.split(":", 1)[0]


def check(*, kind: str, channel: str, customer_id: uuid.UUID | None, account: uuid.UUID | None,
          amount: Decimal | None, currency: str | None, payee: str | None, device: str | None,
          at: datetime | None, now: datetime, known_kinds: frozenset[str],
          past_seconds: int, future_seconds: int, attributes: dict[str, Any]) -> Assessed:
    """The operation, or :class:`InvalidOperation` / :class:`UnknownOperationKind` naming the
    field that is wrong."""
    if not isinstance(kind, str) or not KIND_PATTERN.match(kind) or kind not in known_kinds:
        raise UnknownOperationKind("no risk decision is made for operations of kind {kind}",
                                   kind=str(kind)[:64])
    if not channel or len(channel) > 32:
        raise InvalidOperation("{field} is missing", field="channel")
    if customer_id is None and account is None and not payee:
        raise InvalidOperation("{field} is missing", field="customer_id")
    money = kind in MONEY_KINDS or amount is not None
    if amount is not None:
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            raise InvalidOperation("{field} must be a positive decimal amount", field="amount")
        if not currency or len(currency) != 3 or not currency.isalpha():
            raise InvalidOperation("{field} is missing", field="currency")
    moment = _moment(at, now, past_seconds, future_seconds)
    subject = (f"a:{account}" if account is not None else f"c:{customer_id}"
               if customer_id is not None else f"p:{entity_key(payee)}")
    family = "sign" if kind == SIGN_IN else ("pay" if money else "ops")
    return Assessed(
        id=uuid.uuid4(), kind=kind, channel=channel, at=moment, customer_id=customer_id,
        card=f"{family}:{subject}", payee=entity_key(payee), device=entity_key(device),
        amount=amount,
        currency=currency.upper() if currency else None,
        inputs={"account": str(account) if account else None, **_plain(attributes)})


def _moment(at: datetime | None, now: datetime, past: int, future: int) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise InvalidOperation("{field} must carry its time zone", field="at")
    delta = (at - now).total_seconds()
    if delta > future or -delta > past:
        raise InvalidOperation("{field} is too far from now", field="at")
    return at.astimezone(UTC)


def entity_key(value: str | None) -> str | None:
    """An entity's key as features and lists see it: an account number is never kept as it
    is, only its digest."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) <= 48 and not any(character.isdigit() for character in text[:1]) \
            and ":" in text:
        return text  # already a key ("acct:<uuid>", "product:CD-1Y", "device:<id>")
    return "h:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _plain(attributes: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, value in list(attributes.items())[:20]:
        if isinstance(value, str | int | float | bool) or value is None:
            kept[str(name)[:40]] = value if not isinstance(value, str) else value[:120]
        else:
            kept[str(name)[:40]] = str(value)[:120]
    return kept


def transaction(op: Assessed, *, zone: str, rate: Decimal | None = None) -> Transaction:
    """The operation as the features see it; its amount in CNY at ``rate`` (CNY a unit of
    its currency; None: the amount as it is)."""
    local = op.at.astimezone(ZoneInfo(zone))
    amount = op.amount * rate if op.amount is not None and rate is not None else op.amount
    return Transaction(
        transaction_id=str(op.id), time=op.at.timestamp(), customer=op.card,
        terminal=op.payee or op.device or f"kind:{op.kind}",
        amount=float(amount) if amount is not None else 0.0,
        weekday=local.weekday(), hour=local.hour)


__all__ = ["BUILTIN_KINDS", "MONEY_KINDS", "SIGN_IN", "Assessed", "check", "entity_key",
           "transaction"]
