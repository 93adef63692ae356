"""The risk decision port: what the platform asks before an operation is executed.

The risk module (rules, features, models, cases) will implement :class:`RiskPolicy`; until then
:class:`ApproveAll` is the default. A policy never executes anything: it only decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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
class Decision:
    """The answer: an outcome and the reasons for it (stable reason codes, shown to staff)."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVE


def strictest(*decisions: Decision) -> Decision:
    """Combine decisions: the most severe outcome wins and every reason is kept."""
    worst = max(decisions, key=lambda decision: decision.outcome.severity)
    reasons = tuple(reason for decision in decisions for reason in decision.reasons)
    return Decision(worst.outcome, reasons)


class RiskPolicy(Protocol):
    def decide(self, session: Session, *, operation: Operation) -> Decision: ...


class ApproveAll:
    """The default until the risk module lands: every operation is approved."""

    def decide(self, session: Session, *, operation: Operation) -> Decision:
        return Decision(Outcome.APPROVE, ("default_policy",))


__all__ = ["ApproveAll", "Decision", "Operation", "Outcome", "RiskPolicy", "strictest"]
