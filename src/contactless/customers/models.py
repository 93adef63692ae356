"""Customers, enterprises and employee rosters. PII is kept only encrypted, found by blind index."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import contactless.identity.models  # noqa: F401  (branch and staff_user, referenced below)
from contactless.platform.db import Base, CreatedMixin, IdMixin, UTCDateTime


class Customer(IdMixin, CreatedMixin, Base):
    __tablename__ = "customer"

    name_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_index: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    id_number_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    primary_rm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False,
                                                     index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), nullable=False,
                                                 index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # bumped when the customer signs out or changes mobile: every older token stops working
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")
    # behaviour analytics (page and product views): None until asked, then granted/declined
    analytics_consent: Mapped[str | None] = mapped_column(String(8))
    analytics_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerShare(IdMixin, CreatedMixin, Base):
    """Another RM who may see and serve a customer (collaboration across branches)."""

    __tablename__ = "customer_share"
    __table_args__ = (UniqueConstraint("customer_id", "staff_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False,
                                                index=True)


class Enterprise(IdMixin, CreatedMixin, Base):
    __tablename__ = "enterprise"

    name: Mapped[str] = mapped_column(String(256), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), nullable=False)
    rm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    contact_name_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    contact_mobile_encrypted: Mapped[str] = mapped_column(Text, nullable=False)


class EnterpriseEmployee(IdMixin, CreatedMixin, Base):
    """One row of an enterprise's roster; linked to a customer once one exists."""

    __tablename__ = "enterprise_employee"
    __table_args__ = (UniqueConstraint("enterprise_id", "mobile_index"),)

    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                                     index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    name_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    id_number_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
