"""Branches (a tree) and staff users."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
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

    branch: Mapped[Branch] = relationship(lazy="raise")


__all__ = ["Branch", "BranchKind", "Role", "StaffUser"]
