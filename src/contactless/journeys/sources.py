"""Where a journey came from: the QR-code port, and the partner that started it.

Outreach (above journeys in the dependency order) owns QR codes; it tells the engine what a
code stands for through this port, installed with ``journeys.plugins.install``, and checks
that a start link's code was really scanned by the person starting (else the journey starts
without a source). Without it the engine records the code's id as given and takes the
campaign from the start parameters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class QrSource:
    """What a QR code stands for: its owners in credit order (the first becomes a new
    customer's primary RM), its campaign, and the enterprise of a group code."""

    qr_code_id: uuid.UUID
    owner_ids: tuple[uuid.UUID, ...] = ()
    campaign_id: str | None = None
    enterprise_id: uuid.UUID | None = None
    channel_code: str | None = None
    title: str | None = None  # what staff call the code
    link: str | None = None  # the code's page in the console
    # the recorded scan that proves the person came from this code
    scan_id: uuid.UUID | None = None


@dataclass(frozen=True)
class QrCheck:
    """A start link's code checked against the scans on record: ``source`` when the person
    really scanned it, else None with the ``reason`` (a stable code) for the audit trail."""

    source: QrSource | None
    reason: str | None = None


@dataclass(frozen=True)
class PartnerSource:
    """A partner platform that started the journey for its consenting customer (the open
    platform, above journeys, fills it in): its name and logo shown on the journey's pages,
    the partner's own placement code, and the consent it acted under. The journey's channel
    is then ``partner`` and its outcome is the partner's conversion."""

    partner_id: uuid.UUID
    name: str
    logo_url: str | None = None  # a path on the bank's host (the pages load nothing else)
    channel_code: str | None = None
    consent_id: uuid.UUID | None = None

    def fact(self) -> dict[str, str | None]:
        return {"partner_id": str(self.partner_id), "name": self.name,
                "logo_url": self.logo_url, "channel_code": self.channel_code,
                "consent_id": str(self.consent_id) if self.consent_id else None}


class QrSources(Protocol):
    def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
        """The code's facts, or None when the code is unknown."""
        ...

    def owned_by(self, session: Session, *, staff_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """The codes a staff member co-owns (accepted), with the personal codes of their
        group codes: what an RM's journey figures are made of."""
        ...

    def verify(self, session: Session, *, qr_code_id: uuid.UUID,
               customer_id: uuid.UUID | None, device_id: str | None,
               at: datetime) -> QrCheck:
        """The code's facts only if this customer (or, for someone not yet a customer, this
        device) has an accepted scan of it within the attribution window before ``at``, and
        the bank has not revoked it since."""
        ...


class NoQrSources:
    """The default before outreach plugs in: codes are recorded, nothing more is known."""

    def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
        return None

    def owned_by(self, session: Session, *, staff_id: uuid.UUID) -> frozenset[uuid.UUID]:
        return frozenset()

    def verify(self, session: Session, *, qr_code_id: uuid.UUID,
               customer_id: uuid.UUID | None, device_id: str | None,
               at: datetime) -> QrCheck:
        # nothing to check against: the id is recorded as given, and nobody is credited
        return QrCheck(QrSource(qr_code_id=qr_code_id))
