"""What analysts change: rules (a new version each time), block and allow lists, the backtest
of a rule over stored decisions, and which model is the champion or the challenger. Every
change is audited."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.clock import now
from contactless.platform.context import Actor
from contactless.platform.errors import ValidationFailed
from contactless.platform.kernel import Kernel, kernel_of
from contactless.risk import book as rulebook
from contactless.risk.errors import InvalidOperation, RuleInvalid, RuleNotFound
from contactless.risk.models import RiskDecision, RiskListEntry, RiskRule, RuleStatus
from contactless.risk.registry import Registry, model_folder
from contactless.risk.rules import check_action, compile_condition

RULE_KEY = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
SUBJECTS = ("customer", "account", "payee", "device")
BACKTEST_LIMIT = 50_000


def _invalidate(session: Session) -> None:
    engine = kernel_of(session).extensions.get("risk.engine")
    if engine is not None:
        engine.invalidate()


def rule_view(rule: RiskRule) -> dict[str, Any]:
    return {"key": rule.key, "version": rule.version, "description": rule.description,
            "condition": rule.condition, "action": rule.action, "weight": rule.weight,
            "status": rule.status, "created_by": rule.created_by,
            "created_at": rule.created_at.isoformat()}


def list_rules(session: Session, actor: Actor) -> list[dict[str, Any]]:
    authorize(actor, Operation.RISK_READ)
    return [rule_view(rule) for rule in rulebook.latest_rules(session)]


def rule_history(session: Session, actor: Actor, *, key: str) -> list[dict[str, Any]]:
    authorize(actor, Operation.RISK_READ)
    rows = session.scalars(select(RiskRule).where(RiskRule.key == key)
                           .order_by(RiskRule.version.desc())).all()
    if not rows:
        raise RuleNotFound("no rule {key}", key=key[:64])
    return [rule_view(rule) for rule in rows]


def save_rule(session: Session, actor: Actor, *, key: str, condition: Any, action: str,
              weight: float, status: str, description: str = "") -> dict[str, Any]:
    """A new version of the rule ``key`` (the first if new); refused with where it fails."""
    authorize(actor, Operation.RISK_RULES_MANAGE)
    if not RULE_KEY.match(key):
        raise RuleInvalid("a rule's key is 3-64 lower-case letters, digits and _")
    if status not in {item.value for item in RuleStatus}:
        raise RuleInvalid("status must be live, shadow or retired")
    check_action(action, weight)
    compile_condition(condition)
    latest = session.scalars(select(RiskRule).where(RiskRule.key == key)
                             .order_by(RiskRule.version.desc()).limit(1)).first()
    rule = RiskRule(key=key, version=(latest.version + 1) if latest else 1,
                    description=description[:300], condition=condition, action=action,
                    weight=float(weight), status=status, created_by=str(actor.id))
    session.add(rule)
    session.flush()
    audit.record(session, actor, action="risk.rule_saved", target_type="risk_rule",
                 target_id=rule.id, after=rule_view(rule),
                 details={"key": key, "version": rule.version, "status": status})
    _invalidate(session)
    return rule_view(rule)


def set_rule_status(session: Session, actor: Actor, *, key: str, status: str) -> dict[str, Any]:
    """Switch a rule live, to shadow or retired: a new version with the same condition."""
    authorize(actor, Operation.RISK_RULES_MANAGE)
    latest = rule_history(session, actor, key=key)[0]
    return save_rule(session, actor, key=key, condition=latest["condition"],
                     action=latest["action"], weight=latest["weight"], status=status,
                     description=latest["description"])


def backtest(session: Session, actor: Actor, *, condition: Any, since: datetime | None = None,
             ) -> dict[str, Any]:
    """What the condition would have fired on among stored decisions: volume, and precision
    on those with a label (fraud or not)."""
    authorize(actor, Operation.RISK_READ)
    check = compile_condition(condition)
    query = select(RiskDecision.features, RiskDecision.label, RiskDecision.outcome)
    if since is not None:
        query = query.where(RiskDecision.at >= since)
    rows = session.execute(query.order_by(RiskDecision.at.desc()).limit(BACKTEST_LIMIT)).all()
    fired = [(label, outcome) for features, label, outcome in rows if check(features)]
    labelled = [label for label, _ in fired if label is not None]
    frauds = sum(1 for label in labelled if label == "fraud")
    all_frauds = sum(1 for _, label, _ in rows if label == "fraud")
    return {"decisions": len(rows), "fired": len(fired),
            "volume": len(fired) / len(rows) if rows else 0.0,
            "labelled": len(labelled), "frauds_caught": frauds,
            "precision": frauds / len(labelled) if labelled else None,
            "recall": frauds / all_frauds if all_frauds else None,
            "by_outcome": {outcome: sum(1 for _, o in fired if o == outcome)
                           for outcome in sorted({o for _, o in fired})}}


# ---- lists ---------------------------------------------------------------------------------


def entry_view(entry: RiskListEntry) -> dict[str, Any]:
    return {"id": str(entry.id), "list": entry.list, "subject": entry.subject,
            "value": entry.value, "reason": entry.reason,
            "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
            "created_by": entry.created_by, "created_at": entry.created_at.isoformat()}


def list_entries(session: Session, actor: Actor) -> list[dict[str, Any]]:
    authorize(actor, Operation.RISK_READ)
    at = now()
    rows = session.scalars(select(RiskListEntry).where(RiskListEntry.removed_at.is_(None))
                           .order_by(RiskListEntry.created_at.desc())).all()
    return [entry_view(entry) for entry in rows
            if entry.expires_at is None or entry.expires_at > at]


def add_entry(session: Session, actor: Actor, *, which: str, subject: str, value: str,
              reason: str, expires_at: datetime | None) -> dict[str, Any]:
    authorize(actor, Operation.RISK_LISTS_MANAGE)
    if which not in ("block", "allow"):
        raise ValidationFailed("the list is block or allow", code="risk_invalid_list")
    if subject not in SUBJECTS:
        raise ValidationFailed("a list names a customer, account, payee or device",
                               code="risk_invalid_list")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now()):
        raise ValidationFailed("{field} must be a future moment with its time zone",
                               field="expires_at", code="risk_invalid_list")
    if subject in ("customer", "account"):
        try:
            value = str(uuid.UUID(value))
        except ValueError as exc:
            raise ValidationFailed("{field} must be an id", field="value",
                                   code="risk_invalid_list") from exc
    entry = RiskListEntry(list=which, subject=subject, value=value[:80], reason=reason[:200],
                          expires_at=expires_at, created_by=str(actor.id))
    session.add(entry)
    session.flush()
    audit.record(session, actor, action="risk.listed", target_type="risk_list_entry",
                 target_id=entry.id, details={"list": which, "subject": subject})
    _invalidate(session)
    return entry_view(entry)


def remove_entry(session: Session, actor: Actor, *, entry_id: uuid.UUID) -> None:
    authorize(actor, Operation.RISK_LISTS_MANAGE)
    entry = session.get(RiskListEntry, entry_id)
    if entry is None or entry.removed_at is not None:
        raise ValidationFailed("no such list entry", code="risk_list_entry_not_found",
                               status=404)
    entry.removed_at = now()
    audit.record(session, actor, action="risk.unlisted", target_type="risk_list_entry",
                 target_id=entry.id, details={"list": entry.list, "subject": entry.subject})
    _invalidate(session)


# ---- models --------------------------------------------------------------------------------

ROLES = ("champion", "challenger")


def registry_of(kernel: Kernel) -> Registry:
    """The engine's registry, or one over the settings' folder where no engine runs (the
    worker, a command)."""
    engine = kernel.extensions.get("risk.engine")
    if engine is not None:
        registry: Registry = engine.registry
        return registry
    return Registry(model_folder(kernel.settings))


def model_registry(session: Session, actor: Actor) -> dict[str, Any]:
    """Every registered version with its algorithm, metrics and importance; the champion, the
    challenger and the champions one may roll back to."""
    authorize(actor, Operation.RISK_READ)
    return registry_of(kernel_of(session)).index()


def promote_model(session: Session, actor: Actor, *, version: str,
                  role: str = "champion") -> dict[str, Any]:
    """Make ``version`` the champion (the one before is kept to roll back to) or the
    challenger; a file that fails its checksum is refused and nothing changes."""
    authorize(actor, Operation.RISK_MODELS_MANAGE)
    if role not in ROLES:
        raise InvalidOperation("{field} is champion or challenger", field="role")
    index = registry_of(kernel_of(session)).promote(version, role=role)
    audit.record(session, actor, action="risk.model_promoted", target_type="risk_model",
                 target_id=version, details={"role": role})
    return index


def rollback_model(session: Session, actor: Actor) -> dict[str, Any]:
    """The champion before the current one decides again."""
    authorize(actor, Operation.RISK_MODELS_MANAGE)
    index = registry_of(kernel_of(session)).rollback()
    audit.record(session, actor, action="risk.model_rolled_back", target_type="risk_model",
                 target_id=str(index.get("champion")), details={})
    return index


__all__ = ["add_entry", "backtest", "list_entries", "list_rules", "model_registry",
           "promote_model", "registry_of", "remove_entry", "rollback_model", "rule_history",
           "save_rule", "set_rule_status"]
