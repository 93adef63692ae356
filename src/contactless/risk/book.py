"""The rules, lists and reference rates a decision runs on, read from their tables and
compiled once.

The engine keeps one :class:`Book` in memory and reloads it every few seconds (and at once
in the process that changed a rule or a list), so deciding never waits on the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contactless.risk import rates
from contactless.risk.models import RiskListEntry, RiskRule, RuleStatus
from contactless.risk.operations import entity_key
from contactless.risk.rules import CompiledRule, compile_condition, fields_of


@dataclass(frozen=True)
class Book:
    live: tuple[CompiledRule, ...]
    shadow: tuple[CompiledRule, ...]
    lists: dict[str, frozenset[tuple[str, str]]]  # block|allow -> {(subject, value)}
    fields: dict[str, tuple[str, ...]]  # rule name -> the fields its condition names
    rates: dict[str, Decimal] = field(default_factory=dict)  # currency -> CNY a unit

    @classmethod
    def empty(cls) -> Book:
        return cls((), (), {"block": frozenset(), "allow": frozenset()}, {})

    def rate_for(self, currency: str | None) -> Decimal | None:
        """CNY a unit of ``currency`` (1 for CNY or no currency), None without a rate."""
        if currency is None or currency == rates.BASE:
            return Decimal(1)
        return self.rates.get(currency)

    def listed(self, which: str, entities: dict[str, str | None]) -> list[str]:
        """The subjects of ``entities`` on the ``which`` list."""
        entries = self.lists.get(which, frozenset())
        if not entries:
            return []
        return [subject for subject, value in entities.items()
                if value is not None and (subject, value) in entries]

    def fields_of(self, names: Iterable[str]) -> list[str]:
        found: list[str] = []
        for name in names:
            found += [field for field in self.fields.get(name, ()) if field not in found]
        return found


def latest_rules(session: Session) -> list[RiskRule]:
    """The newest version of every rule."""
    rows = session.scalars(select(RiskRule).order_by(RiskRule.key, RiskRule.version.desc()))
    latest: dict[str, RiskRule] = {}
    for rule in rows:
        latest.setdefault(rule.key, rule)
    return list(latest.values())


def compiled(rule: RiskRule) -> CompiledRule:
    return CompiledRule(key=rule.key, version=rule.version, action=rule.action,
                        weight=rule.weight, check=compile_condition(rule.condition),
                        live=rule.status == RuleStatus.LIVE.value)


def load(session: Session, *, at: datetime) -> Book:
    rules = [rule for rule in latest_rules(session) if rule.status != RuleStatus.RETIRED.value]
    live = tuple(compiled(rule) for rule in rules if rule.status == RuleStatus.LIVE.value)
    shadow = tuple(compiled(rule) for rule in rules if rule.status == RuleStatus.SHADOW.value)
    entries = session.scalars(select(RiskListEntry).where(
        RiskListEntry.removed_at.is_(None),
        or_(RiskListEntry.expires_at.is_(None), RiskListEntry.expires_at > at)))
    lists: dict[str, set[tuple[str, str]]] = {"block": set(), "allow": set()}
    for entry in entries:
        # a payee or device is listed as the analyst wrote it and matched as decisions key
        # it (an account number only by its digest)
        value = (entity_key(entry.value) or entry.value if entry.subject in ("payee", "device")
                 else entry.value)
        lists.setdefault(entry.list, set()).add((entry.subject, value))
    fields = {f"{rule.key}@v{rule.version}": tuple(sorted(fields_of(rule.condition)))
              for rule in rules}
    return Book(live, shadow, {name: frozenset(items) for name, items in lists.items()}, fields,
                rates.rates_on(session, at))


__all__ = ["Book", "compiled", "latest_rules", "load"]
