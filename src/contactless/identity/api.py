"""Identity JSON API: tokens, the current user, branches, staff, the audit trail, messages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from contactless.identity import approvals, schemas
from contactless.identity import service as identity
from contactless.identity.approvals import ApprovalView
from contactless.identity.models import Role, StaffUser
from contactless.identity.web import CurrentStaff
from contactless.platform.db import length_of
from contactless.platform.errors import ContactlessError
from contactless.web.deps import DbSession, KernelDep, client_ip
from contactless.web.errors import problem_response
from contactless.web.params import IsoDateTime, Offset

router = APIRouter(prefix="/api/v1", tags=["identity"])
USERNAME_LENGTH = length_of(StaffUser.username)


class PasswordForm:
    """The OAuth2 password grant's form, its rules stated: a name and a password, neither
    empty (an empty form field is a missing one), ``grant_type`` ``password`` if given."""

    def __init__(
        self,
        username: Annotated[str, Form(min_length=1, max_length=USERNAME_LENGTH)],
        password: Annotated[str, Form(min_length=1, max_length=256,
                                      json_schema_extra={"format": "password"})],
        grant_type: Annotated[str, Form(pattern="^password$")] = "password",
        scope: Annotated[str, Form(max_length=256)] = "",
    ) -> None:
        self.username = username
        self.password = password
        self.grant_type = grant_type
        self.scopes = scope.split()


@router.post("/auth/token", response_model=schemas.Token)
def issue_token(
    request: Request, session: DbSession, kernel: KernelDep,
    form: Annotated[PasswordForm, Depends()],
) -> Any:
    """OAuth2 password grant for staff: username and password in, bearer token out."""
    try:
        actor, version = identity.authenticate(session, username=form.username,
                                               password=form.password, ip=client_ip(request),
                                               channel="api")
    except ContactlessError as error:
        # answered without raising, so the failure count is committed
        return problem_response(request, error)
    token = identity.issue_access_token(session, actor, version=version)
    return schemas.Token(access_token=token, expires_in=kernel.settings.access_token_seconds)


@router.post("/auth/logout", status_code=204)
def sign_out(session: DbSession, actor: CurrentStaff) -> Response:
    """End every session and token of the signed-in staff member."""
    identity.sign_out(session, actor)
    return Response(status_code=204)


@router.post("/me/password", status_code=204)
def change_password(body: schemas.PasswordChange, session: DbSession,
                    actor: CurrentStaff) -> Response:
    """Change one's own password; every session and token issued before ends."""
    identity.change_password(session, actor, current_password=body.current_password,
                             new_password=body.new_password)
    return Response(status_code=204)


@router.get("/me", response_model=schemas.Me)
def me(actor: CurrentStaff) -> schemas.Me:
    return schemas.Me(id=actor.id, kind=actor.kind, role=actor.role, display_name=actor.display,
                      branch_path=actor.branch_path)


@router.get("/branches", response_model=list[schemas.Branch])
def list_branches(session: DbSession, actor: CurrentStaff) -> Any:
    return identity.list_branches(session, actor)


@router.post("/branches", response_model=schemas.Branch, status_code=201)
def create_branch(body: schemas.BranchCreate, session: DbSession, actor: CurrentStaff) -> Any:
    return identity.create_branch(session, actor, code=body.code, name=body.name,
                                  kind=body.kind, parent_code=body.parent_code)


@router.get("/staff", response_model=list[schemas.Staff])
def list_staff(session: DbSession, actor: CurrentStaff, role: Role | None = None) -> Any:
    return identity.list_staff(session, actor, role=role.value if role else None)


@router.post("/staff", response_model=schemas.Staff, status_code=201)
def create_staff(body: schemas.StaffCreate, session: DbSession, actor: CurrentStaff) -> Any:
    return identity.create_staff(session, actor, username=body.username, role=body.role,
                                 branch_code=body.branch_code, password=body.password,
                                 display_name=body.display_name)


@router.get("/audit", response_model=list[schemas.AuditEntry])
def audit_entries(
    session: DbSession, actor: CurrentStaff,
    action: str | None = None, actor_id: str | None = None, target_id: str | None = None,
    since: IsoDateTime | None = None, until: IsoDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0,
) -> Any:
    entries = identity.search_audit(session, actor, action=action, actor_id=actor_id,
                                    target_id=target_id, since=since, until=until, limit=limit,
                                    offset=offset)
    sealed = identity.audit_sealed_through(session, actor)
    return [schemas.AuditEntry.model_validate(e).model_copy(update={"sealed": e.seq <= sealed})
            for e in entries]


@router.get("/audit/verify", response_model=schemas.ChainReport)
def audit_verify(session: DbSession, actor: CurrentStaff) -> Any:
    report = identity.verify_audit(session, actor)
    return schemas.ChainReport(checked=report.checked, ok=report.ok, broken_at=report.broken_at,
                               reason=report.reason, kind=report.kind,
                               sealed_through=report.sealed_through, unsealed=report.unsealed,
                               gaps=report.gaps, anchors=report.anchors)


@router.get("/messages")
def messages(session: DbSession, kernel: KernelDep, actor: CurrentStaff,
             to: Annotated[str | None, Query(json_schema_extra={
                 "pattern": identity.MOBILE_PATTERN.pattern})] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 50,
             ) -> list[dict[str, str]]:
    """The embedded outbox channel (admins only); one-time codes are masked."""
    mobile = identity.check_mobile(to) if to is not None else None
    return [
        {"id": str(m.id), "to": m.to_masked, "kind": m.kind, "body": m.body,
         "created_at": m.created_at.isoformat()}
        for m in identity.outbox_messages(session, actor, to_mobile=mobile, limit=limit)
    ]




# ---- four eyes: approvals ------------------------------------------------------------------


@router.get("/approvals", response_model=list[ApprovalView], tags=["approvals"])
def list_approvals(session: DbSession, actor: CurrentStaff,
                   status: Annotated[str, Query(pattern="^(pending|approved|refused|all)$")]
                   = "pending") -> Any:
    """Operations waiting for a second person (or decided ones) in the actor's scope; an RM
    sees the ones they asked for."""
    return approvals.list_approvals(session, actor, status=None if status == "all" else status)


@router.get("/approvals/{approval_id}", response_model=ApprovalView, tags=["approvals"])
def get_approval(approval_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Any:
    return approvals.get_approval(session, actor, approval_id=approval_id)


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalView,
             tags=["approvals"])
def approve(approval_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
            body: schemas.Decision | None = None) -> Any:
    """Approve another person's item: its operation runs now, with you as the actor. Sending
    it again returns the same answer and runs nothing."""
    return approvals.approve(session, actor, approval_id=approval_id,
                             note=body.note if body else "")


@router.post("/approvals/{approval_id}/refuse", response_model=ApprovalView,
             tags=["approvals"])
def refuse(approval_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           body: schemas.Decision | None = None) -> Any:
    return approvals.refuse(session, actor, approval_id=approval_id,
                            note=body.note if body else "")
