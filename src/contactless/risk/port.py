"""The risk decision port: what the platform asks before an operation is executed.

The risk engine (``risk/engine.py``: features, rules, lists, the model) implements
:class:`RiskPolicy`; :class:`ApproveAll` is the placeholder a bank may still choose outside
production. A policy never executes anything: it only decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session


class Outcome(StrEnum):
    APPROVE = "approve"  # go ahead
    STEP_UP = "step_up"  # ask for another proof (a one-time code) first
    REVIEW = "review"  # park for a staff member to approve or reject
    BLOCK = "block"  # refuse

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Outcome.APPROVE: 0, Outcome.STEP_UP: 1, Outcome.REVIEW: 2, Outcome.BLOCK: 3}


@dataclass(frozen=True)
class Operation:
    """What is about to happen: ``kind`` names it (a journey key such as ``loan_application``),
    ``amount`` is the money it moves, if any."""

    kind: str
    customer_id: uuid.UUID | None
    channel: str
    amount: Decimal | None = None
    currency: str | None = None
    product: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Contribution:
    """A feature that weighed on the score: its value now and the customer's usual value."""

    feature: str
    value: float
    usual: float | None
    weight: float


@dataclass(frozen=True)
class Decision:
    """The answer: an outcome and the reasons for it (stable reason codes, shown to staff);
    the engine adds its score (0-1), the rules that fired, the features that weighed most,
    the model's version (None when it decided on rules only) and the stored decision's id."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()
    score: float = 0.0
    rules: tuple[str, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    model_version: str | None = None
    mode: str = "placeholder"  # "model_and_rules", "rules_only", or a placeholder policy
    decision_id: uuid.UUID | None = None

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVE


def strictest(*decisions: Decision) -> Decision:
    """Combine decisions: the most severe outcome wins and every reason is kept."""
    worst = max(decisions, key=lambda decision: decision.outcome.severity)
    reasons = tuple(reason for decision in decisions for reason in decision.reasons)
    scored = max(decisions, key=lambda decision: decision.score)
    first = decisions[0]
    return replace(first, outcome=worst.outcome, reasons=reasons, score=scored.score,
                   rules=tuple(rule for decision in decisions for rule in decision.rules))


class RiskPolicy(Protocol):
    def decide(self, session: Session, *, operation: Operation) -> Decision: ...


class ApproveAll:
    """The default until the risk module lands: every operation is approved."""

    def decide(self, session: Session, *, operation: Operation) -> Decision:
        return Decision(Outcome.APPROVE, ("default_policy",))


__all__ = ["ApproveAll", "Contribution", "Decision", "Operation", "Outcome", "RiskPolicy",
           "strictest"]
