"""Where a journey came from: the QR-code port.

Outreach (above journeys in the dependency order) owns QR codes; it tells the engine what a
code stands for through this port, installed with ``journeys.plugins.install``. Without it
the engine still records the code's id and takes the campaign from the start parameters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


class QrSources(Protocol):
    def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
        """The code's facts, or None when the code is unknown."""
        ...


class NoQrSources:
    """The default before outreach plugs in: codes are recorded, nothing more is known."""

    def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
        return None
