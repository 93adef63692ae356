"""Outreach tables: QR codes and their owners, rosters, scans, journeys, conversions, credits.

团办二维码 (group code): a code with several owners and an enterprise roster; its personal codes
(one per employee) are child codes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import (
    Base,
    CreatedMixin,
    DecimalText,
    IdMixin,
    MinorUnits,
    UTCDateTime,
    utcnow,
)


class CodeStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    REVOKED = "revoked"


class OwnerStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ScanResult(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # the code needs to know who scans (roster, binding, per-customer limit): waits for sign-in
    PENDING = "pending"


class QrSigningKey(CreatedMixin, Base):
    """A key id for QR signatures. The key itself is derived from the master secret and the id,
    so nothing secret is stored; retiring an id stops every link signed with it."""

    __tablename__ = "qr_signing_key"

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    current: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QrCode(IdMixin, CreatedMixin, Base):
    __tablename__ = "qr_code"

    short_code: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)
    # the owners' internal label (营销标签); customers read ``headline`` instead
    title: Mapped[str] = mapped_column(String(128), nullable=False)
    headline: Mapped[str | None] = mapped_column(String(128))
    # "info" (an information page) or a journey key such as "deposit_renewal"
    purpose: Mapped[str] = mapped_column(String(64), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # chat, sms, poster, partner or campaign:<id>
    channel: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enterprise.id"))
    roster_restricted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # a personal code made for one roster member of a group code
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qr_code.id"), index=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    max_scans: Mapped[int | None] = mapped_column(Integer)
    # kept only when max_scans is set, so unlimited codes never contend on their row
    limited_scan_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    bind_on_first_scan: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    bound_customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CodeStatus.ACTIVE)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False,
                                                  index=True)
    # the creator's branch, so branch managers see their subtree's codes by prefix
    branch_path: Mapped[str] = mapped_column(String(512), nullable=False, index=True)
    # bumped to cut off every progress link handed out before
    progress_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)


class QrCodeOwner(IdMixin, CreatedMixin, Base):
    """An RM who shares the credit of a code (share in percent, 0-100)."""

    __tablename__ = "qr_code_owner"
    __table_args__ = (UniqueConstraint("code_id", "staff_id"),)

    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qr_code.id"), nullable=False,
                                               index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False,
                                                index=True)
    share: Mapped[Decimal] = mapped_column(DecimalText, nullable=False, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QrRosterMember(IdMixin, CreatedMixin, Base):
    """One person allowed to use a roster-restricted code, found by blind index."""

    __tablename__ = "qr_roster_member"
    __table_args__ = (UniqueConstraint("code_id", "mobile_index"),)

    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qr_code.id"), nullable=False,
                                               index=True)
    name_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    mobile_encrypted: Mapped[str | None] = mapped_column(Text)
    mobile_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    personal_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qr_code.id"),
                                                               index=True)


class QrScan(Base):
    """One scan, accepted or not. No PII: an anonymous device id, the address cut to /24."""

    __tablename__ = "qr_scan"
    __table_args__ = (
        Index("ix_qr_scan_code_time", "code_id", "scanned_at"),
        Index("ix_qr_scan_customer_time", "customer_id", "scanned_at"),
        Index("ix_qr_scan_device_time", "device_id", "scanned_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qr_code.id"))
    # the text of a link that names no known code (forged, truncated), for investigation
    token: Mapped[str | None] = mapped_column(String(80))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    device_id: Mapped[str] = mapped_column(String(48), nullable=False)
    user_agent: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    ip_prefix: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    # when the customer became known: at the scan, or when they signed in on that device
    identified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(48))


class QrJourney(IdMixin, Base):
    """A journey started by a customer whose last touch was one of our codes."""

    __tablename__ = "qr_journey"

    journey_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qr_code.id"), nullable=False,
                                               index=True)
    # None for a prospect (a customer-to-be) until the journey makes them a customer
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    journey_key: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # set once its completion was counted (a replayed completion finds it set), with the
    # conversion it made or changed (None: the journey had no business outcome)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversion_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ConversionStatus(StrEnum):
    # an instruction set, an order placed: waiting for the books to realise it
    PENDING = "pending"
    # the books moved or kept the money (the maturity renewed it, the order settled, ...)
    REALISED = "realised"
    # the money left instead (paid out at maturity, withdrawn early)
    LOST = "lost"
    # recorded before conversions were business outcomes: no outcome to check it against
    UNVERIFIED = "unverified"


class QrConversion(IdMixin, CreatedMixin, Base):
    """One business outcome (a deposit kept at maturity, new money placed, a loan paid out, an
    account opened) credited to a code, counted once: ``business_key`` names the outcome
    (kind and the core's id of the deposit, order, loan or account), so a second journey on
    the same thing updates this row. ``amount`` is what the books moved or kept (zero until
    realised); ``expected_amount`` what a pending one would bring."""

    __tablename__ = "qr_conversion"
    __table_args__ = (Index("ix_qr_conversion_status_settled", "status", "settled_at"),)

    business_key: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    reference_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=ConversionStatus.PENDING)
    # the latest journey that made or changed it, and how many did
    journey_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    journeys: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qr_code.id"), nullable=False,
                                               index=True)
    # the winning scan (the customer's last touch, or the scan that proved the start link)
    scan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qr_scan.id"))
    basis: Mapped[str] = mapped_column(String(16), nullable=False, default="last_scan")
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False,
                                                   index=True)
    product: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    expected_amount: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False,
                                                     default=Decimal("0.00"))
    amount: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # when it was realised or lost (the business date of the entry, at midnight UTC), and
    # the entry that realised it
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class QrCredit(IdMixin, Base):
    """One owner's part of a conversion: ``share`` percent of it (so share / 100 conversions)
    and that part of the realised amount (``amount``) and of the expected one
    (``expected``). Shares are exact to 1/100 percent, stored as integers so reports can sum
    them."""

    __tablename__ = "qr_credit"
    __table_args__ = (UniqueConstraint("conversion_id", "staff_id"),)

    conversion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qr_conversion.id"),
                                                     nullable=False)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), nullable=False,
                                                index=True)
    share: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False)
    expected: Mapped[Decimal] = mapped_column(MinorUnits, nullable=False,
                                              default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class OutreachPolicy(Base):
    """The bank's attribution rule (one row): last touch within ``attribution_window_days``."""

    __tablename__ = "outreach_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribution_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)


__all__ = [
    "CodeStatus", "ConversionStatus", "OutreachPolicy", "OwnerStatus", "QrCode", "QrCodeOwner",
    "QrConversion", "QrCredit", "QrJourney", "QrRosterMember", "QrScan", "QrSigningKey",
    "ScanResult",
]
