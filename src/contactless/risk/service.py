"""Risk service: decide on an operation with the policy installed for this kernel.

The risk engine (``engine.py``) is installed by ``install`` when the application is built,
unless the settings name another policy; tests install their own. The policy is kept on the
kernel (``Kernel.extensions``). Lower domains (the core's API, customer sign-in) reach the
engine through the platform's guard (``platform/guard.py``), which ``install`` sets.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation as Permission
from contactless.identity.permissions import authorize
from contactless.platform import guard
from contactless.platform.clock import now
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel, kernel_of
from contactless.risk import operations
from contactless.risk.engine import RiskEngine
from contactless.risk.errors import OperationBlocked, OperationHeldForReview, SignInRefused
from contactless.risk.models import RiskDecision
from contactless.risk.port import ApproveAll, Decision, Operation, Outcome, RiskPolicy

log = structlog.get_logger(__name__)

_DEFAULT = ApproveAll()
_KEY = "risk.policy"
_ENGINE = "risk.engine"
IDEMPOTENCY_SECONDS = 24 * 3600


def install(kernel: Kernel) -> RiskEngine:
    """Build this kernel's risk engine, make it the policy and the platform's guard."""
    engine = RiskEngine(kernel)
    kernel.extensions[_ENGINE] = engine
    kernel.extensions[_KEY] = EnginePolicy(engine)
    guard.install(kernel, engine_guard)
    return engine


def install_policy(kernel: Kernel, policy: RiskPolicy) -> None:
    """Use ``policy`` for every decision made through this kernel."""
    kernel.extensions[_KEY] = policy


def installed_policy(kernel: Kernel) -> RiskPolicy:
    policy: RiskPolicy = kernel.extensions.get(_KEY, _DEFAULT)
    return policy


def engine_of(kernel: Kernel) -> RiskEngine | None:
    engine: RiskEngine | None = kernel.extensions.get(_ENGINE)
    return engine


def approves_everything(kernel: Kernel) -> bool:
    """Whether this kernel decides with the placeholder that approves every operation."""
    return isinstance(installed_policy(kernel), ApproveAll)


def decides_without_model(kernel: Kernel) -> bool:
    """Whether the installed engine has no model to decide with (rules and lists only)."""
    engine = engine_of(kernel)
    return (engine is not None and isinstance(installed_policy(kernel), EnginePolicy)
            and engine.model is None)


def register_kinds(kernel: Kernel, kinds: list[str]) -> None:
    """Operation kinds the engine decides on besides the core's and sign-in (journeys)."""
    engine = engine_of(kernel)
    if engine is not None:
        engine.kinds.update(kinds)


def policy_of(session: Session) -> RiskPolicy:
    policy: RiskPolicy = kernel_of(session).extensions.get(_KEY, _DEFAULT)
    return policy


def decide(session: Session, *, operation: Operation) -> Decision:
    """Ask the installed policy: approve, step_up, review or block, with reasons."""
    decision = policy_of(session).decide(session, operation=operation)
    log.info("risk_decision", kind=operation.kind, outcome=decision.outcome.value,
             reasons=list(decision.reasons), score=round(decision.score, 4))
    return decision


class EnginePolicy:
    """The port over the engine, for journeys (the customer is the actor)."""

    def __init__(self, engine: RiskEngine) -> None:
        self.engine = engine

    def decide(self, session: Session, *, operation: Operation) -> Decision:
        attributes = dict(operation.attributes)
        kinds = frozenset(self.engine.kinds | ({operation.kind} if "journey_id" in attributes
                                               else set()))
        op = operations.check(
            kind=operation.kind, channel=operation.channel, customer_id=operation.customer_id,
            account=_uuid(attributes.pop("account_id", None)), amount=operation.amount,
            currency=operation.currency, payee=_payee(operation), device=attributes.pop(
                "device", None) or guard.request_device(), at=None, now=now(), known_kinds=kinds,
            past_seconds=0, future_seconds=0, attributes=attributes)
        actor = ("customer", str(operation.customer_id)) if operation.customer_id else (
            "prospect", str(attributes.get("journey_id", "anonymous")))
        return self.engine.assess(session, op, actor_kind=actor[0], actor_id=actor[1])


def _payee(operation: Operation) -> str | None:
    payee = operation.attributes.get("payee")
    if payee:
        return str(payee)
    return f"product:{operation.product}" if operation.product else f"journey:{operation.kind}"


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def assess(session: Session, actor: Actor, *, kind: str, channel: str,
           customer_id: uuid.UUID | None = None, account: uuid.UUID | None = None,
           amount: Decimal | None = None, currency: str | None = None,
           payee: str | None = None, device: str | None = None, at: datetime | None = None,
           attributes: dict[str, Any] | None = None, step_up_possible: bool = True,
           ) -> Decision:
    """Check and decide on an operation described field by field (the HTTP API, the guard)."""
    engine = engine_of(kernel_of(session))
    if engine is None:
        engine = install(kernel_of(session))
    settings = engine.kernel.settings
    op = operations.check(
        kind=kind, channel=channel, customer_id=customer_id, account=account, amount=amount,
        currency=currency, payee=payee, device=device, at=at, now=now(),
        known_kinds=frozenset(engine.kinds), past_seconds=settings.risk_past_seconds,
        future_seconds=settings.risk_future_seconds, attributes=attributes or {})
    return engine.assess(session, op, actor_kind=actor.kind, actor_id=str(actor.id),
                         step_up_possible=step_up_possible)


def engine_guard(session: Session, actor: Actor, operation: guard.Guarded) -> None:
    """The platform's guard: decide, then refuse a block, hold a review (nothing runs), and
    let a sign-in's step-up pass (the sign-in itself was a one-time code)."""
    sign_in = operation.kind == operations.SIGN_IN
    store = kernel_of(session).store
    replay = operation.attributes.get("idempotency_key")
    remembered = f"risk:idem:{actor.kind}:{actor.id}:{operation.kind}:{replay}"
    if replay and (earlier := store.get(remembered)) is not None:
        # a replayed request is the same operation: decided once, its features counted once
        outcome, decision_id = earlier.split(" ", 1)
        _refuse(Outcome(outcome), decision_id, sign_in=sign_in)
        return
    decision = assess(
        session, actor, kind=operation.kind, channel=operation.channel,
        customer_id=operation.customer_id, account=operation.account,
        amount=operation.amount, currency=operation.currency, payee=operation.payee,
        device=operation.device, attributes=operation.attributes,
        step_up_possible=sign_in)
    if replay:
        store.set(remembered, f"{decision.outcome.value} {decision.decision_id}",
                  ttl=IDEMPOTENCY_SECONDS)
    _refuse(decision.outcome, str(decision.decision_id), sign_in=sign_in)


def _refuse(outcome: Outcome, decision_id: str, *, sign_in: bool) -> None:
    if outcome is Outcome.BLOCK:
        if sign_in:
            raise SignInRefused("this sign-in was refused by our security check",
                                decision_id=decision_id)
        raise OperationBlocked("our security check refused this operation: nothing was done",
                               decision_id=decision_id)
    if outcome is Outcome.REVIEW:
        if sign_in:
            raise SignInRefused("this sign-in was refused by our security check",
                                decision_id=decision_id)
        raise OperationHeldForReview("this operation waits for a risk analyst: nothing was "
                                     "done yet", decision_id=decision_id)


def flush(kernel: Kernel) -> int:
    """Write every queued decision now (tests, shutdown)."""
    engine = engine_of(kernel)
    return engine.recorder.flush() if engine is not None else 0


def close(kernel: Kernel) -> None:
    engine = engine_of(kernel)
    if engine is not None:
        engine.recorder.stop()


def stored_decisions(session: Session, actor: Actor, *, outcome: str | None = None,
                     limit: int = 50) -> list[RiskDecision]:
    """The newest stored decisions (of one outcome, when asked), with their inputs."""
    authorize(actor, Permission.RISK_READ)
    query = select(RiskDecision).order_by(RiskDecision.at.desc()).limit(limit)
    if outcome:
        query = query.where(RiskDecision.outcome == outcome)
    return list(session.scalars(query))


def outcomes_since(session: Session, actor: Actor, *, since: datetime
                   ) -> list[tuple[datetime, str]]:
    """When each decision since ``since`` was made and its outcome (the live chart)."""
    authorize(actor, Permission.RISK_READ)
    rows = session.execute(select(RiskDecision.at, RiskDecision.outcome)
                           .where(RiskDecision.at >= since))
    return [(at, outcome) for at, outcome in rows]


__all__ = ["Decision", "Operation", "Outcome", "assess", "close", "decide", "flush",
           "outcomes_since", "stored_decisions",
           "install", "install_policy", "policy_of", "register_kinds"]
