"""Outreach's side of the journeys' QR-code port (``journeys.sources.QrSources``): tells the
journey engine what a code stands for. Plug it in with
``journeys.plugins.install(kernel, JourneyPlugins(..., sources=OutreachQrSources()))``."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from contactless.journeys.sources import QrCheck, QrSource
from contactless.outreach import repository
from contactless.outreach import repository_conversions as conversions_repository
from contactless.outreach.errors import QrCodeNotFound, QrCodeRevoked
from contactless.outreach.models import CodeStatus, OwnerStatus
from contactless.outreach.service.attribution import window_days
from contactless.outreach.service.common import staff_name

# a start link whose code this person (or device) never scanned in the window
NOT_SCANNED = "qr_not_scanned"


class OutreachQrSources:
    """Owners in credit order (largest share first, the creator first among equals)."""

    def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
        code = repository.code_by_id(session, qr_code_id)
        if code is None:
            return None
        owners = [o for o in repository.owners(session, [code.parent_id or code.id])
                  if o.status == OwnerStatus.ACCEPTED]
        owners.sort(key=lambda o: (-o.share, o.staff_id != code.created_by))
        campaign = code.channel.removeprefix("campaign:") if code.channel.startswith(
            "campaign:") else None
        return QrSource(qr_code_id=code.id, owner_ids=tuple(o.staff_id for o in owners),
                        campaign_id=campaign, enterprise_id=code.enterprise_id,
                        channel_code=code.channel,
                        title=f"{code.title} · {staff_name(session, code.created_by)}",
                        link=f"/console/outreach/codes/{code.id}")

    def owned_by(self, session: Session, *, staff_id: uuid.UUID) -> frozenset[uuid.UUID]:
        return frozenset(repository.owned_code_family(session, staff_id))

    def verify(self, session: Session, *, qr_code_id: uuid.UUID,
               customer_id: uuid.UUID | None, device_id: str | None,
               at: datetime) -> QrCheck:
        """The code, if the bank has not revoked it and this customer or this device has an
        accepted scan of it (so it was live then) within the attribution window."""
        code = repository.code_by_id(session, qr_code_id)
        if code is None:
            return QrCheck(None, QrCodeNotFound.code)
        if code.status == CodeStatus.REVOKED:
            return QrCheck(None, QrCodeRevoked.code)
        scan = conversions_repository.proving_scan(
            session, code.id, customer_id=customer_id, device_id=device_id,
            since=at - timedelta(days=window_days(session)), until=at)
        if scan is None:
            return QrCheck(None, NOT_SCANNED)
        source = self.describe(session, qr_code_id=code.id)
        return QrCheck(replace(source, scan_id=scan.id) if source else None,
                       None if source else QrCodeNotFound.code)
