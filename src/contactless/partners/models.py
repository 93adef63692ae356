"""Partners (合作方) of the open platform, their API clients and their customers' consents."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contactless.platform.db import Base, CreatedMixin, IdMixin, UTCDateTime


class Scenario(StrEnum):
    """Where the partner meets its users (场景)."""

    GOVERNMENT = "government"
    EDUCATION = "education"
    HEALTHCARE = "healthcare"
    HOME = "home"
    CONSUMPTION = "consumption"
    TRAVEL = "travel"
    OTHER = "other"


class PartnerStatus(StrEnum):
    PENDING = "pending"  # registered, waiting for a second admin
    ACTIVE = "active"
    REFUSED = "refused"
    SUSPENDED = "suspended"


class ClientStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class ConsentStatus(StrEnum):
    AWAITING = "awaiting_customer"
    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"


class Partner(IdMixin, CreatedMixin, Base):
    """A partner platform; it acts only once a second admin approved it (``active``)."""

    __tablename__ = "partner"

    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    scenario: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=PartnerStatus.PENDING.value)
    allowed_products: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    callback_urls: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerClient(IdMixin, CreatedMixin, Base):
    """An API client of a partner: its secret is kept only as a hash; its request-signing key
    is kept encrypted, because checking an HMAC needs the key itself."""

    __tablename__ = "partner_client"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    client_id: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    signing_key: Mapped[str] = mapped_column(Text, nullable=False)
    allowed_scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    ip_allowlist: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=ClientStatus.ACTIVE.value)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class PartnerConsent(IdMixin, CreatedMixin, Base):
    """A customer's consent (授权) for one partner: asked by the partner, approved or refused
    by the customer in /m, revocable by the customer at any time."""

    __tablename__ = "partner_consent"
    __table_args__ = (Index("ix_partner_consent_customer_status", "customer_id", "status"),
                      UniqueConstraint("partner_id", "idempotency_key"))

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    client_id: Mapped[str] = mapped_column(String(40), nullable=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    duration_days: Mapped[int] = mapped_column(nullable=False)
    redirect_uri: Mapped[str] = mapped_column(String(500), nullable=False)
    state: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(24), nullable=False,
                                        default=ConsentStatus.AWAITING.value)
    # the customer has until then to answer; a granted consent lasts until ``expires_at``
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the partner's Idempotency-Key and a digest of what it asked, so a retry gets this consent
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_digest: Mapped[str | None] = mapped_column(String(64))


__all__ = ["ClientStatus", "ConsentStatus", "Partner", "PartnerClient", "PartnerConsent",
           "PartnerStatus", "Scenario"]
