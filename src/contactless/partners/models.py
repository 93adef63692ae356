"""Partners (合作方) of the open platform, their API clients and their customers' consents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # shown on the journeys it starts: a small PNG, JPEG or WebP as a data: URI
    logo: Mapped[str | None] = mapped_column(Text)
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


class WebhookStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at ``next_attempt_at`` (or being sent)
    DELIVERED = "delivered"
    FAILED = "failed"  # 24 hours of retries spent; a replay starts it again


class WebhookEndpoint(IdMixin, CreatedMixin, Base):
    """A partner's subscription: one of its callback URLs, the event types it wants, and the
    secret the bank signs with (``whsec_...``, kept encrypted: signing needs it)."""

    __tablename__ = "partner_webhook_endpoint"
    __table_args__ = (UniqueConstraint("partner_id", "url"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    event_types: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    secret: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=WebhookStatus.ACTIVE.value)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class WebhookMessage(CreatedMixin, Base):
    """One event for one partner, its body fixed once (every attempt sends the same bytes
    under the same ``webhook-id``); ``source_key`` makes an event one message however often
    it is reported."""

    __tablename__ = "partner_webhook_message"
    __table_args__ = (UniqueConstraint("partner_id", "source_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_...
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    source_key: Mapped[str] = mapped_column(String(120), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class WebhookDelivery(IdMixin, CreatedMixin, Base):
    """A message on its way to one endpoint: retried with exponential backoff until it is
    delivered or ``give_up_at`` (24 hours) has passed."""

    __tablename__ = "partner_webhook_delivery"
    __table_args__ = (UniqueConstraint("message_id", "endpoint_id"),
                      Index("ix_partner_webhook_delivery_due", "status", "next_attempt_at"))

    message_id: Mapped[str] = mapped_column(ForeignKey("partner_webhook_message.id"),
                                            nullable=False)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_webhook_endpoint.id"),
                                                   nullable=False, index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookAttempt(IdMixin, Base):
    """One try of a delivery: when, the receiver's status code (or why there was none)."""

    __tablename__ = "partner_webhook_attempt"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_webhook_delivery.id"),
                                                   nullable=False, index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class HubStatus(StrEnum):
    LISTED = "listed"
    WITHDRAWN = "withdrawn"


class HubService(IdMixin, CreatedMixin, Base):
    """A partner's non-financial service in the bank's service hub (生活服务): shown to
    customers in /m between ``valid_from`` and ``valid_until``, in its regions (none: all)."""

    __tablename__ = "partner_hub_service"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    scenario: Mapped[str] = mapped_column(String(16), nullable=False)
    link: Mapped[str] = mapped_column(String(500), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    regions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=HubStatus.LISTED.value)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class PartnerJourney(IdMixin, CreatedMixin, Base):
    """A journey a partner started for a consenting customer: the partner's conversion,
    followed from the journey's events (``status`` is where it last stood)."""

    __tablename__ = "partner_journey"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False,
                                                  index=True)
    client_id: Mapped[str] = mapped_column(String(40), nullable=False)
    consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_consent.id"),
                                                  nullable=False, index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), nullable=False)
    journey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journey_instance.id"),
                                                  nullable=False, unique=True)
    journey_key: Mapped[str] = mapped_column(String(64), nullable=False)
    channel_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerRequest(IdMixin, CreatedMixin, Base):
    """A partner's POST under an Idempotency-Key and the answer it got: a retry with the same
    key and body gets that answer again, the key with another body is refused."""

    __tablename__ = "partner_request"
    __table_args__ = (UniqueConstraint("partner_id", "idempotency_key"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(120), nullable=False)
    request_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(nullable=False)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


__all__ = ["ClientStatus", "ConsentStatus", "DeliveryStatus", "HubService", "HubStatus",
           "Partner", "PartnerClient", "PartnerConsent", "PartnerJourney", "PartnerRequest",
           "PartnerStatus", "Scenario", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
           "WebhookMessage", "WebhookStatus"]
