"""Branches (a tree) and staff users."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactless.platform.db import Base, CreatedMixin, IdMixin, UTCDateTime


class Role(StrEnum):
    ADMIN = "admin"
    BRANCH_MANAGER = "branch_manager"
    RM = "rm"
    MARKETER = "marketer"
    RISK_ANALYST = "risk_analyst"
    AGENT = "agent"
    AUDITOR = "auditor"


class BranchKind(StrEnum):
    HEAD_OFFICE = "head_office"
    BRANCH = "branch"
    SUB_BRANCH = "sub_branch"


class Branch(IdMixin, CreatedMixin, Base):
    __tablename__ = "branch"

    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    # materialised path "/HQ/SH01/SH01-01/": a subtree is a prefix match
    path: Mapped[str] = mapped_column(String(512), nullable=False, index=True)


class StaffUser(IdMixin, CreatedMixin, Base):
    __tablename__ = "staff_user"

    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(128), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # bumped on password change or deactivation: every older session and token stops working
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the card customers see when they scan the RM's code: a work number and a WeCom
    # "contact me" link (public business contacts, not personal data)
    work_phone: Mapped[str | None] = mapped_column(String(20))
    wecom_url: Mapped[str | None] = mapped_column(String(300))

    branch: Mapped[Branch] = relationship(lazy="raise")


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class ApprovalRequest(IdMixin, CreatedMixin, Base):
    """An operation waiting for a second person (four eyes, 双人复核): who asked, what would
    run, in which branch's scope; then who decided, when, and what the run returned."""

    __tablename__ = "approval_request"
    __table_args__ = (
        UniqueConstraint("maker_id", "operation", "idempotency_key"),
        Index("ix_approval_request_status_branch", "status", "branch_path"),
    )

    operation: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    target_type: Mapped[str] = mapped_column(String(64), nullable=False)
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    branch_path: Mapped[str] = mapped_column(String(512), nullable=False)
    maker_id: Mapped[str] = mapped_column(String(64), nullable=False)
    maker_name: Mapped[str] = mapped_column(String(128), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=ApprovalStatus.PENDING.value)
    checker_id: Mapped[str | None] = mapped_column(String(64))
    checker_name: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


__all__ = ["ApprovalRequest", "ApprovalStatus", "Branch", "BranchKind", "Role", "StaffUser"]
