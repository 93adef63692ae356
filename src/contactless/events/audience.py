"""What a profile holds and which tags its facts earn: the one registry segments, the 360°
page and the marketing domain read.

A profile property is a column of ``events_profile`` a segment may compare; a tag is a
declared rule over a profile's facts (and the attributes staff set), computed by the nightly
rebuild and by each update. Nothing here is text a user types: a segment names a property or
a tag, and only names declared here compile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """How a property's values compare and are shown."""

    MONEY = "money"  # Decimal, CNY
    COUNT = "count"  # a whole number
    DATE = "date"  # a calendar day (ISO)
    TIME = "time"  # an instant (ISO, with its zone)


@dataclass(frozen=True)
class ProfileProperty:
    name: str
    kind: Kind
    summary: str


PROPERTIES: tuple[ProfileProperty, ...] = (
    ProfileProperty("aum", Kind.MONEY, "assets under management: demand, deposits, wealth"),
    ProfileProperty("demand_balance", Kind.MONEY, "money in demand accounts"),
    ProfileProperty("deposit_balance", Kind.MONEY, "principal in time deposits and CDs"),
    ProfileProperty("wealth_value", Kind.MONEY, "wealth holdings at their latest NAV"),
    ProfileProperty("loan_outstanding", Kind.MONEY, "loan principal still owed"),
    ProfileProperty("product_count", Kind.COUNT, "kinds of product held"),
    ProfileProperty("nearest_maturity", Kind.DATE, "the soonest deposit or wealth maturity"),
    ProfileProperty("last_seen_at", Kind.TIME, "the customer's latest event in the lake"),
    ProfileProperty("events_30d", Kind.COUNT, "events in the last 30 days"),
    ProfileProperty("app_opens_30d", Kind.COUNT, "app opens in the last 30 days"),
    ProfileProperty("outbound_30d", Kind.MONEY, "sent to other banks in the last 30 days"),
    ProfileProperty("outbound_prior_30d", Kind.MONEY, "sent to other banks in the 30 days "
                                                      "before"),
)
PROPERTY_BY_NAME = {p.name: p for p in PROPERTIES}
# the products a profile may hold (a segment asks ``{"holds": "wealth"}``)
PRODUCTS: tuple[str, ...] = ("demand", "time_deposit", "cd", "wealth", "loan")
OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

# declared attributes staff set on a customer; the value's type
ATTRIBUTES: dict[str, type] = {"other_bank_vip": bool}

HIGH_VALUE_AUM = Decimal("500000.00")
LARGE_DEMAND_BALANCE = Decimal("200000.00")
MATURING_DAYS = 30
OUTFLOW_MINIMUM = Decimal("50000.00")  # below this a month's outflow is not a risk
OUTFLOW_RISE = Decimal("1.5")  # ... and it must be this many times the month before
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Facts:
    """A customer's profile as the rules see it."""

    customer_id: uuid.UUID
    primary_rm_id: uuid.UUID
    branch_id: uuid.UUID
    aum: Decimal = ZERO
    demand_balance: Decimal = ZERO
    deposit_balance: Decimal = ZERO
    wealth_value: Decimal = ZERO
    loan_outstanding: Decimal = ZERO
    products: tuple[str, ...] = ()
    nearest_maturity: date | None = None
    last_seen_at: datetime | None = None
    events_30d: int = 0
    app_opens_30d: int = 0
    outbound_30d: Decimal = ZERO
    outbound_prior_30d: Decimal = ZERO
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def product_count(self) -> int:
        return len(self.products)


@dataclass(frozen=True)
class TagRule:
    name: str
    summary: str
    applies: Callable[[Facts, date], bool]


def _maturing(facts: Facts, today: date) -> bool:
    soonest = facts.nearest_maturity
    return soonest is not None and today <= soonest <= today + timedelta(days=MATURING_DAYS)


def _outflow_rising(facts: Facts, _today: date) -> bool:
    return (facts.outbound_30d >= OUTFLOW_MINIMUM
            and facts.outbound_30d > facts.outbound_prior_30d * OUTFLOW_RISE)


TAGS: tuple[TagRule, ...] = (
    TagRule("high_value", "assets under management of at least 500,000 CNY",
            lambda facts, _today: facts.aum >= HIGH_VALUE_AUM),
    TagRule("maturing_30d", "a deposit or wealth product matures within 30 days", _maturing),
    TagRule("large_demand_balance", "at least 200,000 CNY in demand accounts",
            lambda facts, _today: facts.demand_balance >= LARGE_DEMAND_BALANCE),
    TagRule("outflow_risk", "sent at least 50,000 CNY to other banks in 30 days, over 1.5 "
            "times the 30 days before", _outflow_rising),
    TagRule("other_bank_vip", "a VIP of another bank (set by the RM)",
            lambda facts, _today: facts.attributes.get("other_bank_vip") is True),
)
TAG_BY_NAME = {rule.name: rule for rule in TAGS}


def tags_of(facts: Facts, today: date) -> set[str]:
    """The tags the declared rules give these facts on ``today``."""
    return {rule.name for rule in TAGS if rule.applies(facts, today)}
