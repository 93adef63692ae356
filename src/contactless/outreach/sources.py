"""Outreach's side of the journeys' QR-code port (``journeys.sources.QrSources``): tells the
journey engine what a code stands for. Plug it in with
``journeys.plugins.install(kernel, JourneyPlugins(..., sources=OutreachQrSources()))``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from contactless.journeys.sources import QrSource
from contactless.outreach import repository
from contactless.outreach.models import OwnerStatus
from contactless.outreach.service.common import staff_name


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
