"""Risk service: decide on an operation with the policy installed for this kernel.

The policy is chosen when the application is built (``install_policy``); tests install their
own. The policy is kept on the kernel (``Kernel.extensions``).
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from contactless.platform.kernel import Kernel, kernel_of
from contactless.risk.port import ApproveAll, Decision, Operation, Outcome, RiskPolicy

log = structlog.get_logger(__name__)

_DEFAULT = ApproveAll()
_KEY = "risk.policy"


def install_policy(kernel: Kernel, policy: RiskPolicy) -> None:
    """Use ``policy`` for every decision made through this kernel."""
    kernel.extensions[_KEY] = policy


def installed_policy(kernel: Kernel) -> RiskPolicy:
    policy: RiskPolicy = kernel.extensions.get(_KEY, _DEFAULT)
    return policy


def approves_everything(kernel: Kernel) -> bool:
    """Whether this kernel decides with the placeholder that approves every operation."""
    return isinstance(installed_policy(kernel), ApproveAll)


def policy_of(session: Session) -> RiskPolicy:
    policy: RiskPolicy = kernel_of(session).extensions.get(_KEY, _DEFAULT)
    return policy


def decide(session: Session, *, operation: Operation) -> Decision:
    """Ask the installed policy: approve, step_up, review or block, with reasons."""
    decision = policy_of(session).decide(session, operation=operation)
    log.info("risk_decision", kind=operation.kind, outcome=decision.outcome.value,
             reasons=list(decision.reasons))
    return decision


__all__ = ["Decision", "Operation", "Outcome", "decide", "install_policy", "policy_of"]
