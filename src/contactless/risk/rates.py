"""Reference rates: what one unit of another currency counts for in CNY when risk control
decides. The online features and the rules read amounts in CNY, so a customer's dollars and
yuan share one yardstick; set by analysts (``contactless risk rate USD 7.12``, audited),
effective from a day, the newest effective row applying. An amount in a currency with no rate
is decided as its number, and the decision says so (``amount_converted`` 0, a field rules may
act on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.clock import bank_today, now
from contactless.platform.context import Actor
from contactless.platform.kernel import kernel_of
from contactless.risk.errors import InvalidReferenceRate
from contactless.risk.models import RiskReferenceRate

BASE = "CNY"
MAX_RATE = Decimal(1_000_000)


@dataclass(frozen=True)
class RateView:
    currency: str
    rate: Decimal
    effective_from: date
    set_by: str


def _checked(currency: str, rate: Decimal | str) -> tuple[str, Decimal]:
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if len(code) != 3 or not code.isalpha() or not code.isascii() or code == BASE:
        raise InvalidReferenceRate("a reference rate is for a three-letter currency other "
                                   "than CNY, not {currency}", currency=str(currency)[:16])
    try:
        value = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value >= MAX_RATE or \
            -value.as_tuple().exponent > 8:  # type: ignore[operator]
        raise InvalidReferenceRate("a reference rate is a positive number of at most 8 "
                                   "decimals, not {rate}", rate=str(rate)[:32])
    return code, value


def set_rate(session: Session, actor: Actor, *, currency: str, rate: Decimal | str,
             effective_from: date | None = None) -> RateView:
    """Set (or correct) the rate of ``currency`` from ``effective_from`` (the bank's today
    by default); audited with the rate it replaces on that day."""
    authorize(actor, Operation.RISK_LISTS_MANAGE)
    code, value = _checked(currency, rate)
    kernel = kernel_of(session)
    day = effective_from or bank_today(kernel.settings)
    row = session.get(RiskReferenceRate, (code, day))
    before = {"rate": str(row.rate)} if row is not None else None
    if row is None:
        row = RiskReferenceRate(currency=code, effective_from=day, rate=value,
                                set_by=actor.id[:64], set_at=now())
        session.add(row)
    else:
        row.rate, row.set_by, row.set_at = value, actor.id[:64], now()
    session.flush()
    engine = kernel.extensions.get("risk.engine")
    if engine is not None:  # this process decides at the new rate at once, the others soon
        engine.invalidate()
    audit.record(session, actor, action="risk.reference_rate_set",
                 target_type="risk_reference_rate", target_id=f"{code}:{day.isoformat()}",
                 before=before, after={"rate": str(value)})
    return RateView(code, value, day, row.set_by)


def list_rates(session: Session, actor: Actor) -> list[RateView]:
    """Every rate set, by currency and newest day first."""
    authorize(actor, Operation.RISK_READ)
    rows = session.scalars(select(RiskReferenceRate).order_by(
        RiskReferenceRate.currency, RiskReferenceRate.effective_from.desc()))
    return [RateView(r.currency, r.rate, r.effective_from, r.set_by) for r in rows]


def rates_on(session: Session, at: datetime) -> dict[str, Decimal]:
    """The rate of each currency in force at ``at`` (its day in the bank's calendar)."""
    day = at.astimezone(ZoneInfo(kernel_of(session).settings.timezone)).date()
    rows = session.execute(select(RiskReferenceRate.currency, RiskReferenceRate.rate)
                           .where(RiskReferenceRate.effective_from <= day)
                           .order_by(RiskReferenceRate.currency,
                                     RiskReferenceRate.effective_from.desc()))
    found: dict[str, Decimal] = {}
    for currency, rate in rows:
        found.setdefault(currency, rate)
    return found


__all__ = ["BASE", "RateView", "list_rates", "rates_on", "set_rate"]
