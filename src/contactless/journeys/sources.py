"""Where a journey came from: the QR-code port.

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
