"""Risk control's tables: every decision with what it was made on, the analysts' rules (each
version kept), block and allow lists, the cases review decisions open, and the daily drift
reports of the champion model, and the reference rates amounts in other currencies are
decided at."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import Base, CreatedMixin, DecimalText, IdMixin, UTCDateTime


class RuleStatus(StrEnum):
    LIVE = "live"  # decides
    SHADOW = "shadow"  # evaluated beside the live set and recorded; decides nothing
    RETIRED = "retired"


class CaseStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Verdict(StrEnum):
    FRAUD = "fraud"
    NOT_FRAUD = "not_fraud"


class RiskDecision(Base):
    """One decision: the operation as asked (amount as a decimal string), the features it was
    scored on, the rules that fired (live and shadow), the outcome and the model's version."""

    __tablename__ = "risk_decision"
    __table_args__ = (Index("ix_risk_decision_at", "at"),
                      Index("ix_risk_decision_customer", "customer_id", "at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payee: Mapped[str | None] = mapped_column(String(80))
    device: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    mode: Mapped[str] = mapped_column(String(24), nullable=False)
    model_version: Mapped[str | None] = mapped_column(String(40))
    rules: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    shadow_rules: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False,
                                                                default=list)
    features: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    actor_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str | None] = mapped_column(String(16))
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RiskRule(IdMixin, CreatedMixin, Base):
    """One version of an analyst's rule: a condition tree over features and operation fields,
    what firing does (an action, a weight added to the score) and whether it is live."""

    __tablename__ = "risk_rule"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_risk_rule_version"),)

    key: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    condition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class RiskListEntry(IdMixin, CreatedMixin, Base):
    """A customer, payee, device or terminal on the block or the allow list until it
    expires (or is removed)."""

    __tablename__ = "risk_list_entry"
    __table_args__ = (Index("ix_risk_list_subject", "subject", "value"),)

    list: Mapped[str] = mapped_column(String(8), nullable=False)  # block | allow
    subject: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(80), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class RiskCase(IdMixin, CreatedMixin, Base):
    """A decision sent to review, in the analysts' queue until someone gives a verdict."""

    __tablename__ = "risk_case"
    __table_args__ = (Index("ix_risk_case_status", "status", "created_at"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, unique=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CaseStatus.OPEN.value)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    frozen_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class RiskCaseNote(IdMixin, CreatedMixin, Base):
    """An analyst's note on a case."""

    __tablename__ = "risk_case_note"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    author_id: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class RiskDriftReport(IdMixin, CreatedMixin, Base):
    """One day of the champion's decisions against its training reference: the PSI of each
    feature and of the score, and the recent precision of review and block decisions. One
    report per day and model version (running the day again replaces it)."""

    __tablename__ = "risk_drift_report"
    __table_args__ = (UniqueConstraint("day", "model_version", name="uq_risk_drift_report_day"),
                      Index("ix_risk_drift_report_created", "created_at"))

    day: Mapped[date] = mapped_column(Date, nullable=False)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    decisions: Mapped[int] = mapped_column(Integer, nullable=False)
    max_psi: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class RiskReferenceRate(Base):
    """How many CNY one unit of a currency counts for in decisions (amounts in features and
    rules), from a day on; the newest row effective on the day applies."""

    __tablename__ = "risk_reference_rate"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    set_by: Mapped[str] = mapped_column(String(64), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


__all__ = ["CaseStatus", "RiskCase", "RiskCaseNote", "RiskDecision", "RiskDriftReport",
           "RiskListEntry", "RiskReferenceRate", "RiskRule", "RuleStatus", "Verdict"]
