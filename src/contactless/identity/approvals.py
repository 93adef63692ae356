"""Four eyes (双人复核): an operation that needs a second person waits here until someone
else approves or refuses it.

The permission table says which operations need a second person and who may check them
(``Rule.four_eyes``, ``Rule.checkers``). A domain's service asks :func:`second_person_needed`
before it executes; when the answer is a reason it files the operation with
:func:`request_approval` and returns the pending item instead of a result. Approving runs the
operation through the executor the owning domain installed for it (``install_executor``,
from ``app.py``): identity, the lowest domain, never imports the domains whose work it holds.

A decision is idempotent: the same checker approving twice gets the same answer and the
operation runs once; the maker can never decide their own item.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.identity.errors import (
    ApprovalDecided,
    ApprovalExecutorMissing,
    ApprovalNotFound,
    FourEyesRequired,
    NotAllowed,
)
from contactless.identity.models import ApprovalRequest, ApprovalStatus
from contactless.identity.permissions import (
    FourEyes,
    Operation,
    allows,
    authorize,
    in_branch_scope,
    may_approve,
    rule_of,
)
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.errors import IdempotencyKeyReused
from contactless.platform.kernel import Kernel, kernel_of

_KEY = "identity.approval_executors"  # in Kernel.extensions


class ApprovalView(BaseModel):
    """An approval item as the list, the API and a parked operation's answer show it."""

    id: uuid.UUID
    operation: str
    reason: str
    status: str
    target_type: str
    target_id: str
    summary: dict[str, Any]
    # what runs on approval, as the maker asked it (the checker reads it before deciding)
    payload: dict[str, Any]
    branch_path: str
    maker_id: str
    maker_name: str
    created_at: datetime
    checker_id: str | None = None
    checker_name: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    result: dict[str, Any] | None = None


# what runs an approved item: (session, the checker, the item) → the result to keep
ApprovalExecutor = Callable[[Session, Actor, ApprovalView], dict[str, Any]]


def install_executor(kernel: Kernel, operation: Operation, executor: ApprovalExecutor) -> None:
    """Run ``operation``'s approved items with ``executor`` (the owning domain calls this
    from ``app.py``, once per kernel)."""
    kernel.extensions.setdefault(_KEY, {})[operation.value] = executor


def _executor(session: Session, operation: str) -> ApprovalExecutor:
    executors: dict[str, ApprovalExecutor] = kernel_of(session).extensions.get(_KEY, {})
    found = executors.get(operation)
    if found is None:
        raise ApprovalExecutorMissing("nothing is installed to run {operation!r} on approval",
                                      operation=operation)
    return found


def _view(item: ApprovalRequest) -> ApprovalView:
    return ApprovalView(
        id=item.id, operation=item.operation, reason=item.reason, status=item.status,
        target_type=item.target_type, target_id=item.target_id, summary=dict(item.summary),
        payload=dict(item.payload),
        branch_path=item.branch_path, maker_id=item.maker_id, maker_name=item.maker_name,
        created_at=item.created_at, checker_id=item.checker_id, checker_name=item.checker_name,
        decided_at=item.decided_at, note=item.note,
        result=dict(item.result) if item.result is not None else None)


def second_person_needed(actor: Actor, operation: Operation, *, maker_id: str | None = None,
                         over_limit: bool = False, out_of_range: bool = False) -> str | None:
    """Why ``actor`` may not execute ``operation`` alone (a :class:`FourEyes` value), or None.

    The system and customers acting on their own things are never held; a person is held when
    the operation always needs a second person, when they are not among its checkers or are
    its maker (``not_the_maker``), or when the amount or rate crosses the configured line.
    """
    if actor.kind != "staff":
        return None
    rule = rule_of(operation)
    if rule.four_eyes is FourEyes.ALWAYS:
        return FourEyes.ALWAYS.value
    if rule.four_eyes is FourEyes.NOT_THE_MAKER and (
            not may_approve(actor, operation) or maker_id == actor.id):
        return FourEyes.NOT_THE_MAKER.value
    if rule.four_eyes is FourEyes.ABOVE_LIMIT and over_limit:
        return FourEyes.ABOVE_LIMIT.value
    if rule.four_eyes is FourEyes.OUTSIDE_RANGE and out_of_range:
        return FourEyes.OUTSIDE_RANGE.value
    return None


def request_approval(
    session: Session, maker: Actor, *, operation: Operation, reason: str, target_type: str,
    target_id: str, payload: dict[str, Any], summary: dict[str, Any], branch_path: str,
    idempotency_key: str,
) -> ApprovalView:
    """File ``operation`` for a second person. The maker's retry with the same key returns
    the same item; the same key for another request is refused (``idempotency_key_reused``).
    While the maker's item for the same request (operation, target and payload) waits, asking
    again with another key returns it, so a checker never decides the same thing twice."""
    existing = session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.maker_id == maker.id, ApprovalRequest.operation == operation.value,
        ApprovalRequest.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.payload != payload:
            raise IdempotencyKeyReused("this idempotency key was used for a different request",
                                       operation=operation.value)
        return _view(existing)
    waiting = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.maker_id == maker.id, ApprovalRequest.operation == operation.value,
        ApprovalRequest.target_type == target_type, ApprovalRequest.target_id == target_id,
        ApprovalRequest.status == ApprovalStatus.PENDING.value))
    for item in waiting:
        if item.payload == payload:  # the same request again (a new key): the item that waits
            return _view(item)
    item = ApprovalRequest(
        operation=operation.value, reason=reason, target_type=target_type,
        target_id=target_id, payload=payload, summary=summary, branch_path=branch_path,
        maker_id=maker.id, maker_name=maker.display or maker.id,
        idempotency_key=idempotency_key, status=ApprovalStatus.PENDING.value)
    session.add(item)
    session.flush()
    audit.record(session, maker, action="approval.requested", target_type="approval_request",
                 target_id=item.id,
                 details={"operation": operation.value, "reason": reason,
                          "target_type": target_type, "target_id": target_id,
                          "summary": summary})
    return _view(item)


def _visible(actor: Actor, item: ApprovalRequest) -> bool:
    """Checkers and auditors see their branch subtree's items; an RM sees their own."""
    if actor.kind == "system":
        return True
    if actor.role == "rm":
        return item.maker_id == actor.id
    return in_branch_scope(actor, item.branch_path)


def list_approvals(session: Session, actor: Actor, *, status: str | None = "pending",
                   limit: int = 200) -> list[ApprovalView]:
    """Items of the actor's scope, newest first (``status`` None: every status)."""
    authorize(actor, Operation.APPROVAL_READ)
    query = select(ApprovalRequest).order_by(ApprovalRequest.created_at.desc()).limit(limit)
    if status:
        query = query.where(ApprovalRequest.status == status)
    return [_view(item) for item in session.scalars(query) if _visible(actor, item)]


def get_approval(session: Session, actor: Actor, *, approval_id: uuid.UUID) -> ApprovalView:
    authorize(actor, Operation.APPROVAL_READ)
    item = session.get(ApprovalRequest, approval_id)
    if item is None or not _visible(actor, item):
        raise ApprovalNotFound("approval not found")
    return _view(item)


def may_decide(actor: Actor, item: ApprovalView) -> bool:
    """Whether the page shows approve and refuse to this actor."""
    return (actor.kind == "staff" and actor.id != item.maker_id
            and may_approve(actor, Operation(item.operation))
            and in_branch_scope(actor, item.branch_path))


def _for_decision(session: Session, checker: Actor, approval_id: uuid.UUID) -> ApprovalRequest:
    if checker.kind != "staff":
        raise NotAllowed("an approval is decided by a staff member")
    authorize(checker, Operation.APPROVAL_DECIDE)
    item = session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == approval_id)
                          .with_for_update())
    if item is None:
        raise ApprovalNotFound("approval not found")
    authorize(checker, Operation.APPROVAL_DECIDE, branch_path=item.branch_path)
    if not may_approve(checker, Operation(item.operation)):
        raise NotAllowed("your role does not approve this operation",
                         operation=item.operation)
    if item.maker_id == checker.id:
        raise FourEyesRequired("a second person must decide what you initiated")
    return item


def _decided(item: ApprovalRequest, checker: Actor, status: ApprovalStatus) -> bool:
    """True when the same checker already made the same decision (a replay); raises when
    the item was decided otherwise."""
    if item.status == ApprovalStatus.PENDING:
        return False
    if item.status == status and item.checker_id == checker.id:
        return True
    raise ApprovalDecided("this approval was already decided", decision=item.status)


def approve(session: Session, checker: Actor, *, approval_id: uuid.UUID,
            note: str = "") -> ApprovalView:
    """Approve another person's item: its operation runs now, with the checker as the actor.
    A refusal by the core (insufficient funds, a loan already paid out) leaves the item
    pending and nothing changed."""
    item = _for_decision(session, checker, approval_id)
    if _decided(item, checker, ApprovalStatus.APPROVED):
        return _view(item)
    result = _executor(session, item.operation)(session, checker, _view(item))
    item.status = ApprovalStatus.APPROVED.value
    item.checker_id = checker.id
    item.checker_name = checker.display or checker.id
    item.decided_at = utcnow()
    item.note = note.strip()[:500] or None
    item.result = result
    session.flush()
    audit.record(session, checker, action="approval.approved", target_type="approval_request",
                 target_id=item.id, before={"status": ApprovalStatus.PENDING.value},
                 after={"status": item.status},
                 details={"operation": item.operation, "maker_id": item.maker_id,
                          "target_id": item.target_id, "result": result})
    return _view(item)


def refuse(session: Session, checker: Actor, *, approval_id: uuid.UUID,
           note: str = "") -> ApprovalView:
    """Refuse another person's item: nothing runs."""
    item = _for_decision(session, checker, approval_id)
    if _decided(item, checker, ApprovalStatus.REFUSED):
        return _view(item)
    item.status = ApprovalStatus.REFUSED.value
    item.checker_id = checker.id
    item.checker_name = checker.display or checker.id
    item.decided_at = utcnow()
    item.note = note.strip()[:500] or None
    session.flush()
    audit.record(session, checker, action="approval.refused", target_type="approval_request",
                 target_id=item.id, before={"status": ApprovalStatus.PENDING.value},
                 after={"status": item.status},
                 details={"operation": item.operation, "maker_id": item.maker_id,
                          "target_id": item.target_id, "note": item.note})
    return _view(item)


def pending_count(session: Session, actor: Actor) -> int:
    """Items this actor could decide now (the console's badge)."""
    if actor.kind != "staff" or not allows(actor.role, Operation.APPROVAL_DECIDE):
        return 0
    return sum(1 for item in list_approvals(session, actor) if may_decide(actor, item))
