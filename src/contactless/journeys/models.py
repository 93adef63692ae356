"""Journey instances with their steps, idempotent requests, documents, consents, staff reviews,
prospects (people proving their mobile before they are customers) and what journeys leave
behind (risk-tolerance assessments, payroll enrolments, renewal orders)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import Base, CreatedMixin, IdMixin, MinorUnits, UTCDateTime, utcnow


class JourneyStatus:
    ACTIVE = "active"  # steps to do
    STEP_UP = "step_up"  # the risk check asked for another one-time code
    IN_REVIEW = "in_review"  # parked for staff
    COOLING_OFF = "cooling_off"  # approved; the action runs when the cooling-off period ends
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    OPEN = frozenset({ACTIVE, STEP_UP})
    WAITING = frozenset({IN_REVIEW, COOLING_OFF})
    FINISHED = frozenset({COMPLETED, REJECTED, CANCELLED, EXPIRED})


class Prospect(IdMixin, CreatedMixin, Base):
    """Someone who proved a mobile number by one-time code but is not (yet) a customer."""

    __tablename__ = "journey_prospect"

    mobile_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_index: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))


class JourneyInstance(IdMixin, CreatedMixin, Base):
    __tablename__ = "journey_instance"

    journey_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    journey_version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    current_step: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    prospect_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("journey_prospect.id"),
                                                          index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    # outreach's code; no foreign key, so journeys do not depend on outreach's tables
    source_qr_code_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # the open platform's partner that started it (no foreign key, as for the QR code)
    source_partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    facts_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False,
                                                 index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    execute_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    product: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = mapped_column(MinorUnits)
    currency: Mapped[str | None] = mapped_column(String(3))


class JourneyStep(IdMixin, Base):
    """One step of one instance: when it was entered and completed, and its answers
    (encrypted: they hold names, ID numbers, card numbers)."""

    __tablename__ = "journey_step"
    __table_args__ = (UniqueConstraint("instance_id", "step_key"),)

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False, index=True)
    step_key: Mapped[str] = mapped_column(String(64), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_encrypted: Mapped[str | None] = mapped_column(Text)


class JourneyRequest(IdMixin, CreatedMixin, Base):
    """A submitted step under an idempotency key, with the answer given: a replay gets it."""

    __tablename__ = "journey_request"
    __table_args__ = (UniqueConstraint("instance_id", "idempotency_key"),)

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    step_key: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    response: Mapped[str] = mapped_column(Text, nullable=False)


class JourneyDocument(IdMixin, CreatedMixin, Base):
    """An uploaded file (selfie, income proof), encrypted at rest."""

    __tablename__ = "journey_document"

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False, index=True)
    step_key: Mapped[str] = mapped_column(String(64), nullable=False)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    content_encrypted: Mapped[str] = mapped_column(Text, nullable=False)


class ConsentRecord(IdMixin, Base):
    """Who agreed to which exact text (its version and SHA-256), when and from where."""

    __tablename__ = "journey_consent"

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False, index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    prospect_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("journey_prospect.id"))
    document_key: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    locale: Mapped[str] = mapped_column(String(8), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class JourneyReview(IdMixin, CreatedMixin, Base):
    """An operation parked by the risk check (or a journey's own pre-check) for staff."""

    __tablename__ = "journey_review"

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False, unique=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending",
                                        index=True)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class RiskProfile(IdMixin, CreatedMixin, Base):
    """A customer's risk tolerance (风险承受能力) from the questionnaire: C1–C5, valid a year."""

    __tablename__ = "journey_risk_profile"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    level: Mapped[str] = mapped_column(String(2), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    questionnaire_version: Mapped[str] = mapped_column(String(32), nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("journey_instance.id"))


class PayrollEnrollment(IdMixin, CreatedMixin, Base):
    """An employee's account bound to the employer's payroll (代发工资)."""

    __tablename__ = "journey_payroll_enrollment"
    __table_args__ = (UniqueConstraint("enterprise_id", "customer_id"),)

    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"),
                                                     nullable=False, index=True)
    employee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise_employee.id"),
                                                   nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False)


class RenewalOrder(IdMixin, CreatedMixin, Base):
    """The renewal of a deposit already paid out at maturity, placed at once from the demand
    account by the journey (so that deposit is not offered for renewal again). Renewals
    before maturity are the core's maturity instruction instead."""

    __tablename__ = "journey_renewal_order"

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                   nullable=False)
    deposit_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    product: Mapped[str] = mapped_column(String(16), nullable=False)
    term: Mapped[str] = mapped_column(String(8), nullable=False)
    renew_interest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="scheduled",
                                        index=True)
    new_deposit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))
