"""Risk service: decide on an operation with the policy installed for this kernel.

The policy is chosen when the application is built (``install_policy``); tests install their
own. Nothing is created at import time: the registry holds one entry per database object.
"""

from __future__ import annotations

import weakref

import structlog
from sqlalchemy.orm import Session

from contactless.platform.kernel import Kernel, kernel_of
from contactless.risk.port import ApproveAll, Decision, Operation, Outcome, RiskPolicy

log = structlog.get_logger(__name__)

_DEFAULT = ApproveAll()
_POLICIES: weakref.WeakKeyDictionary[object, RiskPolicy] = weakref.WeakKeyDictionary()


def install_policy(kernel: Kernel, policy: RiskPolicy) -> None:
    """Use ``policy`` for every decision made through this kernel."""
    _POLICIES[kernel.db] = policy


def policy_of(session: Session) -> RiskPolicy:
    return _POLICIES.get(kernel_of(session).db, _DEFAULT)


def decide(session: Session, *, operation: Operation) -> Decision:
    """Ask the installed policy: approve, step_up, review or block, with reasons."""
    decision = policy_of(session).decide(session, operation=operation)
    log.info("risk_decision", kind=operation.kind, outcome=decision.outcome.value,
             reasons=list(decision.reasons))
    return decision


__all__ = ["Decision", "Operation", "Outcome", "decide", "install_policy", "policy_of"]
