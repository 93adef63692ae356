"""Identity API models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contactless.identity import models
from contactless.identity.models import BranchKind, Role
from contactless.identity.service import PASSWORD_PATTERN, USERNAME_PATTERN
from contactless.platform.db import length_of


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    id: str
    kind: str
    role: str | None
    display_name: str
    branch_path: str | None


class BranchCreate(BaseModel):
    code: str = Field(min_length=2, max_length=length_of(models.Branch.code),
                      json_schema_extra={"pattern": r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$"})
    name: str = Field(min_length=1, max_length=length_of(models.Branch.name),
                      json_schema_extra={"pattern": r"\S"})
    kind: BranchKind
    parent_code: str | None = None


class Branch(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: str
    path: str


class StaffCreate(BaseModel):
    username: str = Field(max_length=length_of(models.StaffUser.username),
                          json_schema_extra={"pattern": USERNAME_PATTERN.pattern})
    display_name: str | None = Field(default=None,
                                     max_length=length_of(models.StaffUser.display_name))
    role: Role
    branch_code: str = Field(max_length=length_of(models.Branch.code))
    # the strength rule (service.check_password_strength), stated: 10 or more characters with
    # a letter and a digit; the code refuses a weak one with weak_password
    password: str = Field(min_length=1, max_length=256, json_schema_extra={
        "minLength": 10, "pattern": PASSWORD_PATTERN.pattern})


class Staff(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    branch_code: str
    branch_name: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_kind: str
    actor_id: str
    channel: str
    action: str
    target_type: str
    target_id: str
    before_digest: str | None
    after_digest: str | None
    request_id: str | None
    sealed: bool = False


class ChainReport(BaseModel):
    checked: int
    ok: bool
    broken_at: int | None
    reason: str | None
    kind: str | None = None
    sealed_through: int = 0
    unsealed: int = 0
    gaps: int = 0
    anchors: int = 0


class Decision(BaseModel):
    """An approver's decision note (optional)."""

    note: str = Field(default="", max_length=500)
class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256, json_schema_extra={
        "minLength": 10, "pattern": PASSWORD_PATTERN.pattern})
