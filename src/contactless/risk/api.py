"""Risk control's JSON API (/api/v1/risk): decisions for other systems, rules with their
backtest, block and allow lists, the model registry and stored decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from contactless.identity.permissions import Operation, authorize
from contactless.identity.web import CurrentStaff, signed_in_staff, staff_credentials
from contactless.risk import cases, manage, monitoring, rates
from contactless.risk import service as risk
from contactless.risk.errors import InvalidOperation as InvalidRiskOperation
from contactless.risk.models import RiskDecision
from contactless.web.deps import DbSession, IdempotencyKey, KernelDep, get_kernel

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
# decisions of one process run on at most this many threads at once: more would only take
# turns at the interpreter lock, each waiting longer the more there are; the rest wait their
# turn on the event loop, in order
DECIDING_THREADS = 2
_DECIDING = anyio.CapacityLimiter(DECIDING_THREADS)


class AssessIn(BaseModel):
    kind: str = Field(max_length=64, examples=["transfer"])
    channel: str = Field(max_length=32, examples=["api"])
    customer_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    amount: str | None = Field(default=None, max_length=24, examples=["1000.00"])
    currency: str | None = Field(default=None, max_length=3, examples=["CNY"])
    payee: str | None = Field(default=None, max_length=80)
    device: str | None = Field(default=None, max_length=80)
    at: datetime | None = None


class RuleIn(BaseModel):
    key: str = Field(max_length=64, examples=["large_new_payee"])
    condition: dict[str, Any]
    action: str = Field(default="score", max_length=16)
    weight: float = 0.0
    status: str = Field(default="shadow", max_length=16)
    description: str = Field(default="", max_length=300)


class StatusIn(BaseModel):
    status: str = Field(max_length=16)


class BacktestIn(BaseModel):
    condition: dict[str, Any]
    since: datetime | None = None


class ListIn(BaseModel):
    list: str = Field(max_length=8, examples=["block"])
    subject: str = Field(max_length=16, examples=["payee"])
    value: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=2, max_length=200)
    expires_at: datetime | None = None


class RateIn(BaseModel):
    rate: str = Field(min_length=1, max_length=24, examples=["7.1234"])
    effective_from: date | None = None


class PromoteIn(BaseModel):
    version: str = Field(max_length=40)
    role: str = Field(default="champion", max_length=16, examples=["champion"])


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise InvalidRiskOperation("{field} must be a positive decimal amount",
                                   field="amount") from exc


@router.post("/assess", dependencies=[Depends(staff_credentials)])
async def assess(body: AssessIn, request: Request) -> dict[str, Any]:
    """A decision for another system: approve, step_up, review or block, the score (0-1),
    the rules that fired, the features that weighed most with the customer's usual values
    and the model's version. Stored and audited like every decision."""
    # other systems ask this for every payment: the session, the sign-in and the decision
    # share one worker thread instead of a hop each (the hops cost more than the decision)
    return await anyio.to_thread.run_sync(_assess, request, body, limiter=_DECIDING)


def _assess(request: Request, body: AssessIn) -> dict[str, Any]:
    db = get_kernel(request).db
    with db.reading() as reading:
        actor = signed_in_staff(request, reading)
    authorize(actor, Operation.RISK_ASSESS)
    with db.session() as session:  # sends nothing unless the rules are due a reload
        decision = risk.assess(session, actor, kind=body.kind, channel=body.channel,
                               customer_id=body.customer_id, account=body.account_id,
                               amount=_amount(body.amount), currency=body.currency,
                               payee=body.payee, device=body.device, at=body.at)
    return {"decision_id": str(decision.decision_id), "outcome": decision.outcome.value,
            "score": round(decision.score, 6), "rules": list(decision.rules),
            "reasons": list(decision.reasons), "model_version": decision.model_version,
            "mode": decision.mode,
            "contributions": [vars(item) for item in decision.contributions]}


@router.get("/decisions")
def decisions(session: DbSession, actor: CurrentStaff,
              outcome: Annotated[str | None, Query(max_length=16)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    """The newest stored decisions, with what each was decided on."""
    return [decision_view(row) for row in risk.stored_decisions(session, actor, outcome=outcome,
                                                                 limit=limit)]


def decision_view(row: RiskDecision) -> dict[str, Any]:
    return {"id": str(row.id), "at": row.at.isoformat(), "kind": row.kind,
            "channel": row.channel, "customer_id": str(row.customer_id)
            if row.customer_id else None, "amount": row.amount, "currency": row.currency,
            "outcome": row.outcome, "score": row.score, "mode": row.mode,
            "model_version": row.model_version, "rules": row.rules,
            "shadow_rules": row.shadow_rules, "reasons": row.reasons,
            "contributions": row.contributions, "features": row.features,
            "label": row.label}


@router.get("/rules")
def rules(session: DbSession, actor: CurrentStaff) -> list[dict[str, Any]]:
    return manage.list_rules(session, actor)


@router.post("/rules", status_code=201)
def save_rule(body: RuleIn, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """A new version of a rule; a condition that does not parse, or names an unknown
    feature, is refused with where it fails (``risk_rule_invalid``)."""
    return manage.save_rule(session, actor, key=body.key, condition=body.condition,
                            action=body.action, weight=body.weight, status=body.status,
                            description=body.description)


@router.get("/rules/{key}")
def rule_history(key: str, session: DbSession, actor: CurrentStaff) -> list[dict[str, Any]]:
    return manage.rule_history(session, actor, key=key)


@router.post("/rules/{key}/status")
def rule_status(key: str, body: StatusIn, session: DbSession,
                actor: CurrentStaff) -> dict[str, Any]:
    return manage.set_rule_status(session, actor, key=key, status=body.status)


@router.post("/backtests")
def backtest(body: BacktestIn, session: DbSession, kernel: KernelDep,
             actor: CurrentStaff) -> dict[str, Any]:
    """What a condition would have fired on among stored decisions (volume, precision)."""
    del kernel
    return manage.backtest(session, actor, condition=body.condition, since=body.since)


@router.get("/lists")
def lists(session: DbSession, actor: CurrentStaff) -> list[dict[str, Any]]:
    return manage.list_entries(session, actor)


@router.post("/lists", status_code=201)
def add_to_list(body: ListIn, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    return manage.add_entry(session, actor, which=body.list, subject=body.subject,
                            value=body.value, reason=body.reason, expires_at=body.expires_at)


@router.delete("/lists/{entry_id}", status_code=204)
def remove_from_list(entry_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Response:
    manage.remove_entry(session, actor, entry_id=entry_id)
    return Response(status_code=204)


@router.get("/reference-rates")
def reference_rates(session: DbSession, actor: CurrentStaff) -> list[dict[str, Any]]:
    """The reference rates set (CNY one unit counts for in decisions), by currency, newest
    day first."""
    return [_rate_view(view) for view in rates.list_rates(session, actor)]


@router.put("/reference-rates/{currency}")
def set_reference_rate(currency: str, body: RateIn, session: DbSession,
                       actor: CurrentStaff) -> dict[str, Any]:
    """Set the rate of ``currency`` from ``effective_from`` (today by default), e.g. each
    morning from the bank's treasury system; setting the same day again corrects it.
    ``risk_invalid_reference_rate`` (422) for CNY, a code that is not three letters, or a rate
    that is not positive or has more than 8 decimals."""
    return _rate_view(rates.set_rate(session, actor, currency=currency[:8], rate=body.rate,
                                     effective_from=body.effective_from))


def _rate_view(view: rates.RateView) -> dict[str, Any]:
    return {"currency": view.currency, "rate": str(view.rate),
            "effective_from": view.effective_from.isoformat(), "set_by": view.set_by}


@router.get("/models")
def models(session: DbSession, kernel: KernelDep, actor: CurrentStaff) -> dict[str, Any]:
    """The registry: every version with its algorithm, metrics and importance, the champion
    and the challenger, and whether decisions run on rules only (no model could be loaded)."""
    index = manage.model_registry(session, actor)
    engine = risk.engine_of(kernel)
    if engine is None:
        return {**index, "mode": "placeholder"}
    return {**index, "mode": engine.mode, "problem": engine.registry.problem}


@router.post("/models/promotion")
def promote(body: PromoteIn, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """Make a registered version the champion or the challenger (a file failing its
    checksum is refused, ``risk_model_rejected``)."""
    return manage.promote_model(session, actor, version=body.version, role=body.role)


@router.post("/models/rollback")
def rollback(session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    return manage.rollback_model(session, actor)


@router.get("/models/drift")
def drift_reports(session: DbSession, actor: CurrentStaff,
                  version: Annotated[str | None, Query(max_length=40)] = None,
                  limit: Annotated[int, Query(ge=1, le=366)] = 30) -> list[dict[str, Any]]:
    """The daily drift reports, newest first: PSI of each feature and of the score against
    the model's training rows, the features shifted (PSI over 0.2), recent precision."""
    return monitoring.drift_reports(session, actor, version=version, limit=limit)


class AssignIn(BaseModel):
    assignee_id: str | None = Field(default=None, max_length=64)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class VerdictIn(BaseModel):
    verdict: str = Field(max_length=16, examples=["fraud"])
    freeze_account_id: uuid.UUID | None = None


@router.get("/cases")
def case_queue(session: DbSession, kernel: KernelDep, actor: CurrentStaff,
               status: Annotated[str | None, Query(max_length=16)] = "open",
               ) -> list[dict[str, Any]]:
    """The analysts' queue: open and assigned cases, oldest first."""
    del kernel  # decisions are written within 0.2 s of being made (recorder.py)
    return cases.queue(session, actor, status=status or None)


@router.get("/cases/{case_id}")
def case_detail(case_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> dict[str, Any]:
    """A case with its decision, notes and the customer's recent decisions."""
    return cases.detail(session, actor, case_id=case_id)


@router.post("/cases/{case_id}/assignment")
def assign_case(case_id: uuid.UUID, body: AssignIn, session: DbSession,
                actor: CurrentStaff) -> dict[str, Any]:
    return cases.assign(session, actor, case_id=case_id, assignee_id=body.assignee_id)


@router.post("/cases/{case_id}/notes")
def note_case(case_id: uuid.UUID, body: NoteIn, session: DbSession,
              actor: CurrentStaff) -> dict[str, Any]:
    return cases.note(session, actor, case_id=case_id, text=body.text)


@router.post("/cases/{case_id}/verdict")
def close_case(case_id: uuid.UUID, body: VerdictIn, session: DbSession, actor: CurrentStaff,
               key: IdempotencyKey) -> dict[str, Any]:
    """Fraud or not fraud (the decision's label); fraud may freeze an account through the
    core (the analyst needs ``account.freeze`` on it)."""
    return cases.close(session, actor, case_id=case_id, verdict=body.verdict,
                       freeze_account=body.freeze_account_id, idempotency_key=key)


__all__ = ["router"]
