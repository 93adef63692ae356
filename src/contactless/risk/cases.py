"""The analysts' queue: cases opened by review decisions, assigned, noted and closed with a
verdict. A verdict labels the decision (fraud or not fraud): the label enters the online
features while it is inside the label delay (as a replay would count it) and is what
training and backtests learn from. Fraud may freeze the account through the core."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.clock import now
from contactless.platform.context import Actor
from contactless.platform.kernel import kernel_of
from contactless.risk.errors import CaseClosed, CaseNotFound
from contactless.risk.models import CaseStatus, RiskCase, RiskCaseNote, RiskDecision, Verdict

RECENT = 20
SCANNED = 1000


def case_view(case: RiskCase) -> dict[str, Any]:
    return {"id": str(case.id), "decision_id": str(case.decision_id),
            "customer_id": str(case.customer_id) if case.customer_id else None,
            "kind": case.kind, "score": case.score, "status": case.status,
            "assignee_id": case.assignee_id, "verdict": case.verdict,
            "opened_at": case.created_at.isoformat(),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "frozen_account_id": str(case.frozen_account_id) if case.frozen_account_id
            else None}


def queue(session: Session, actor: Actor, *, status: str | None = "open",
          limit: int = 100) -> list[dict[str, Any]]:
    """Open (and assigned) cases, oldest first; ``status`` None: every case, newest first."""
    authorize(actor, Operation.RISK_READ)
    query = select(RiskCase)
    if status == "open":
        query = query.where(RiskCase.status != CaseStatus.CLOSED.value).order_by(
            RiskCase.created_at)
    elif status:
        query = query.where(RiskCase.status == status).order_by(RiskCase.created_at.desc())
    else:
        query = query.order_by(RiskCase.created_at.desc())
    return [case_view(case) for case in session.scalars(query.limit(limit))]


def _case(session: Session, case_id: uuid.UUID) -> RiskCase:
    case = session.get(RiskCase, case_id)
    if case is None:
        raise CaseNotFound("no risk case {case_id}", case_id=str(case_id))
    return case


def detail(session: Session, actor: Actor, *, case_id: uuid.UUID) -> dict[str, Any]:
    """The case, its decision, its notes and the customer's (or account's) recent decisions."""
    authorize(actor, Operation.RISK_READ)
    case = _case(session, case_id)
    decision = session.get(RiskDecision, case.decision_id)
    recent: list[RiskDecision] = []
    if decision is not None and decision.customer_id is not None:
        recent = list(session.scalars(select(RiskDecision).where(
            RiskDecision.customer_id == decision.customer_id)
            .order_by(RiskDecision.at.desc()).limit(RECENT)))
    elif decision is not None:  # the core's counter: the same source account
        account = decision.inputs.get("account")
        latest = session.scalars(select(RiskDecision).where(RiskDecision.customer_id.is_(None))
                                 .order_by(RiskDecision.at.desc()).limit(SCANNED))
        recent = [row for row in latest if row.inputs.get("account") == account][:RECENT]
    notes = session.scalars(select(RiskCaseNote).where(RiskCaseNote.case_id == case.id)
                            .order_by(RiskCaseNote.created_at)).all()
    return {**case_view(case), "decision": _brief(decision) if decision else None,
            "recent": [_brief(row) for row in recent],
            "notes": [{"author_id": note.author_id, "text": note.text,
                       "at": note.created_at.isoformat()} for note in notes]}


def _brief(row: RiskDecision) -> dict[str, Any]:
    return {"id": str(row.id), "at": row.at.isoformat(), "kind": row.kind,
            "channel": row.channel, "amount": row.amount, "currency": row.currency,
            "outcome": row.outcome, "score": row.score, "rules": row.rules,
            "reasons": row.reasons, "contributions": row.contributions,
            "account": row.inputs.get("account"), "label": row.label}


def _open(session: Session, case_id: uuid.UUID) -> RiskCase:
    case = _case(session, case_id)
    if case.status == CaseStatus.CLOSED.value:
        raise CaseClosed("case {case_id} already has its verdict", case_id=str(case_id))
    return case


def assign(session: Session, actor: Actor, *, case_id: uuid.UUID,
           assignee_id: str | None = None) -> dict[str, Any]:
    authorize(actor, Operation.RISK_CASES_WORK)
    case = _open(session, case_id)
    case.assignee_id = assignee_id or str(actor.id)
    case.status = CaseStatus.ASSIGNED.value
    audit.record(session, actor, action="risk.case_assigned", target_type="risk_case",
                 target_id=case.id, details={"assignee_id": case.assignee_id})
    return case_view(case)


def note(session: Session, actor: Actor, *, case_id: uuid.UUID, text: str) -> dict[str, Any]:
    authorize(actor, Operation.RISK_CASES_WORK)
    case = _case(session, case_id)
    entry = RiskCaseNote(case_id=case.id, author_id=str(actor.id), text=text[:2000])
    session.add(entry)
    session.flush()
    audit.record(session, actor, action="risk.case_noted", target_type="risk_case",
                 target_id=case.id, details={"note_id": str(entry.id)})
    return detail(session, actor, case_id=case_id)


def close(session: Session, actor: Actor, *, case_id: uuid.UUID, verdict: str,
          freeze_account: uuid.UUID | None = None, idempotency_key: str | None = None,
          ) -> dict[str, Any]:
    """Fraud or not fraud: the decision is labelled (the features learn it while inside
    the delay); with fraud, ``freeze_account`` is frozen through the core's service."""
    authorize(actor, Operation.RISK_CASES_WORK)
    if verdict not in {item.value for item in Verdict}:
        raise CaseClosed("a verdict is fraud or not_fraud", status=422,
                         code="risk_invalid_verdict")
    case = _open(session, case_id)
    at = now()
    case.status, case.verdict, case.closed_at = CaseStatus.CLOSED.value, verdict, at
    case.closed_by = str(actor.id)
    decision = session.get(RiskDecision, case.decision_id)
    if decision is not None:
        decision.label, decision.labelled_at = verdict, at
        engine = kernel_of(session).extensions.get("risk.engine")
        if engine is not None:
            engine.features.label(str(decision.id), fraud=verdict == Verdict.FRAUD.value)
    if freeze_account is not None and verdict == Verdict.FRAUD.value:
        corebank.freeze_account(session, actor, account_id=freeze_account,
                                idempotency_key=idempotency_key or f"risk-case-{case.id}",
                                reason=f"risk case {case.id}")
        case.frozen_account_id = freeze_account
    audit.record(session, actor, action="risk.case_closed", target_type="risk_case",
                 target_id=case.id, details={"verdict": verdict, "frozen_account_id":
                                             str(freeze_account) if freeze_account else None})
    return case_view(case)


__all__ = ["assign", "close", "detail", "note", "queue"]
