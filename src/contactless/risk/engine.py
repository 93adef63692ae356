"""The risk engine behind the port: features, lists, rules and the model, to one decision.

Per operation: the online features (``online.py``, the real-time store), the block and allow
lists and the analysts' rules (cached, reloaded every ``REFRESH_SECONDS`` through the caller's
own session), the champion model's probability (when one is loaded), the thresholds of the
operation's kind and channel; then the decision is queued for storage (``recorder.py``).
Nothing here waits on the database but that periodic reload.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session

from contactless.platform.clock import now
from contactless.platform.kernel import Kernel
from contactless.risk import book as rulebook
from contactless.risk import operations
from contactless.risk.algorithms import FraudModel
from contactless.risk.features import FEATURES
from contactless.risk.online import feature_store_for
from contactless.risk.operations import Assessed
from contactless.risk.port import Contribution, Decision, Outcome
from contactless.risk.recorder import Recorder
from contactless.risk.registry import Registry, model_folder

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 2.0
SEEN_TTL = 180 * 86_400
TOP_CONTRIBUTIONS = 3
_INDEX = {name: position for position, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Thresholds:
    """Score from which an operation is stepped up, reviewed, blocked."""

    step_up: float
    review: float
    block: float

    def outcome(self, score: float) -> Outcome:
        if score >= self.block:
            return Outcome.BLOCK
        if score >= self.review:
            return Outcome.REVIEW
        if score >= self.step_up:
            return Outcome.STEP_UP
        return Outcome.APPROVE


DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    "*": Thresholds(step_up=0.5, review=0.7, block=0.9),
    # a sign-in is itself a one-time code: no step-up, review and block only when sure
    "sign_in": Thresholds(step_up=2.0, review=0.8, block=0.95),
}


@dataclass
class Verdict:
    """What the engine worked out, before it becomes a Decision and a stored row."""

    outcome: Outcome
    score: float
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    shadow: list[str] = field(default_factory=list)


class RiskEngine:
    """One per kernel: implements the risk port (``decide``) and the guard of lower domains."""

    def __init__(self, kernel: Kernel) -> None:
        settings = kernel.settings
        self.kernel = kernel
        self.zone = settings.timezone
        self.features = feature_store_for(kernel.store,
                                          label_delay_days=settings.risk_label_delay_days)
        self.registry = Registry(model_folder(settings))
        self.recorder = Recorder(kernel)
        self.kinds: set[str] = set(operations.BUILTIN_KINDS)
        self.thresholds = {**DEFAULT_THRESHOLDS,
                           **{key: Thresholds(**value)
                              for key, value in settings.risk_thresholds.items()}}
        self._book = rulebook.Book.empty()
        self._loaded_at = float("-inf")

    # -- the model ---------------------------------------------------------------------------

    @property
    def model(self) -> FraudModel | None:
        return self.registry.champion()

    @property
    def mode(self) -> str:
        return "model_and_rules" if self.model is not None else "rules_only"

    # -- what the engine knows ---------------------------------------------------------------

    def book(self, session: Session | None) -> rulebook.Book:
        """Rules and lists, reloaded through ``session`` when the cache is old."""
        if session is not None and time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            self._book = rulebook.load(session, at=now())
            self._loaded_at = time.monotonic()
            self.registry.refresh()
        return self._book

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def thresholds_for(self, kind: str, channel: str) -> Thresholds:
        for key in (f"{kind}/{channel}", kind, f"*/{channel}", "*"):
            if key in self.thresholds:
                return self.thresholds[key]
        return DEFAULT_THRESHOLDS["*"]

    # -- deciding ----------------------------------------------------------------------------

    def assess(self, session: Session | None, op: Assessed, *, actor_kind: str, actor_id: str,
               step_up_possible: bool = True) -> Decision:
        """Decide on a checked operation and queue the decision for storage."""
        book = self.book(session)
        rate = book.rate_for(op.currency)
        tx = operations.transaction(op, zone=self.zone, rate=rate)
        row, usual = self.features.observe(tx)
        facts = self._facts(op, row, tx.hour, converted=rate is not None)
        model = self.model
        probability = model.score_one(row) if model is not None else 0.0
        verdict = self._verdict(op, facts, book, probability)
        if model is None:
            verdict.reasons.append("model_unavailable")
        if verdict.outcome is Outcome.STEP_UP and not step_up_possible:
            verdict.outcome = Outcome.REVIEW
            verdict.reasons.append("step_up_not_possible_here")
        contributions = self._contributions(model, row, usual, verdict, book)
        challenger = self.registry.challenger()
        decision = Decision(
            outcome=verdict.outcome, reasons=tuple(verdict.reasons), score=verdict.score,
            rules=tuple(verdict.rules), contributions=tuple(contributions),
            model_version=model.version if model is not None else None, mode=self.mode,
            decision_id=op.id)
        extra = {"challenger": [challenger.version, challenger.score_one(row)]
                 if challenger is not None else None, "model_score": probability,
                 "reference_rate": str(rate) if rate is not None and rate != 1 else None}
        self.recorder.put(_row(op, decision, verdict, facts, extra, actor_kind, actor_id))
        return decision

    def _facts(self, op: Assessed, row: list[float], hour: int, *,
               converted: bool) -> dict[str, Any]:
        facts: dict[str, Any] = dict(zip(FEATURES, row, strict=True))
        facts.update(kind=op.kind, channel=op.channel, currency=op.currency, hour=float(hour),
                     amount_converted=1.0 if converted else 0.0,
                     new_payee=self._new(op.card, op.payee), new_device=self._new(op.card,
                                                                                  op.device))
        return facts

    def _new(self, card: str, entity: str | None) -> float:
        """1.0 the first time this card meets this payee or device (in 180 days)."""
        if entity is None:
            return 0.0
        first = self.kernel.store.add(f"risk:seen:{card}:{entity}", "1", ttl=SEEN_TTL)
        return 1.0 if first else 0.0

    def _verdict(self, op: Assessed, facts: dict[str, Any], book: rulebook.Book,
                 probability: float) -> Verdict:
        fired = [rule for rule in book.live if rule.check(facts)]
        shadow = [rule.name for rule in book.shadow if rule.check(facts)]
        score = min(max(probability + sum(rule.weight for rule in fired), 0.0), 1.0)
        outcome = self.thresholds_for(op.kind, op.channel).outcome(score)
        verdict = Verdict(outcome, score, rules=[rule.name for rule in fired], shadow=shadow)
        if outcome is not Outcome.APPROVE:
            verdict.reasons.append(f"score_{outcome.value}")
        for rule in fired:
            verdict.reasons.append(f"rule:{rule.key}")
            if rule.action in ("step_up", "review", "block"):
                forced = Outcome(rule.action)
                if forced.severity > verdict.outcome.severity:
                    verdict.outcome = forced
        entities = {"customer": str(op.customer_id) if op.customer_id else None,
                    "account": op.inputs.get("account"), "payee": op.payee, "device": op.device}
        allowed = book.listed("allow", entities)
        blocked = book.listed("block", entities)
        blocking_rule = any(rule.action == "block" for rule in fired)
        if (allowed or any(rule.action == "allow" for rule in fired)) and not blocking_rule:
            verdict.outcome = Outcome.APPROVE
            verdict.reasons += [f"allow_list:{subject}" for subject in allowed] or ["rule_allow"]
        if blocked:
            verdict.outcome = Outcome.BLOCK
            verdict.reasons += [f"block_list:{subject}" for subject in blocked]
        return verdict

    def _contributions(self, model: FraudModel | None, row: list[float], usual: list[float],
                       verdict: Verdict, book: rulebook.Book) -> list[Contribution]:
        if model is not None:
            weights = model.contributions(row)
            ranked = sorted(range(len(FEATURES)), key=lambda i: weights[i], reverse=True)
            chosen = [(FEATURES[i], weights[i]) for i in ranked[:TOP_CONTRIBUTIONS]]
        else:
            names = book.fields_of(verdict.rules)
            chosen = [(name, 1.0) for name in names if name in _INDEX][:TOP_CONTRIBUTIONS]
            if not chosen:
                chosen = [("amount", 0.0), ("card_count_1d", 0.0)]
        return [Contribution(feature=name, value=row[_INDEX[name]],
                             usual=usual_value(name, usual), weight=round(weight, 6))
                for name, weight in chosen]


def usual_value(name: str, usual: list[float]) -> float | None:
    """The customer's usual value of a feature, from their 30 days before this operation."""
    mean, count = usual
    if name == "amount" or name.startswith("card_mean_amount"):
        return mean
    if name.startswith("amount_to_mean") or name.startswith("mean_"):
        return 1.0
    if name == "amount_zscore_30d":
        return 0.0
    if name.startswith("card_count_"):
        days = int(name.removeprefix("card_count_").removesuffix("d"))
        return count * days / 30.0
    return None


def _row(op: Assessed, decision: Decision, verdict: Verdict, facts: dict[str, Any],
         extra: dict[str, Any], actor_kind: str, actor_id: str) -> dict[str, Any]:
    return {
        "id": op.id, "at": op.at, "kind": op.kind, "channel": op.channel,
        "customer_id": op.customer_id, "payee": op.payee, "device": op.device,
        "amount": str(op.amount) if op.amount is not None else None, "currency": op.currency,
        "outcome": decision.outcome.value, "score": decision.score, "mode": decision.mode,
        "model_version": decision.model_version, "rules": list(decision.rules),
        "shadow_rules": verdict.shadow, "reasons": list(decision.reasons),
        "contributions": [vars(item) for item in decision.contributions],
        "features": {**{key: value for key, value in facts.items()}, **extra},
        "inputs": op.inputs, "actor_kind": actor_kind, "actor_id": actor_id[:64],
        "label": None, "labelled_at": None,
    }


__all__ = ["DEFAULT_THRESHOLDS", "RiskEngine", "Thresholds", "usual_value"]
