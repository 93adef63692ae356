"""How many customers a campaign would select today, and a sample, before anyone approves
it: the run's own audience statement, counted instead of inserted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, not_, select
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.marketing import repository
from contactless.marketing.service.audiences import audience_chunks
from contactless.marketing.service.campaigns import get_campaign
from contactless.platform.context import Actor


@dataclass(frozen=True)
class AudiencePreview:
    count: int
    sample: list[uuid.UUID]
    control: int


def preview_audience(session: Session, actor: Actor, *, campaign_id: uuid.UUID, on: date,
                     sample: int = 10) -> AudiencePreview:
    """The audience on ``on`` (active, consenting customers), the first ``sample`` ids and
    how many of them the holdout would keep back."""
    campaign = get_campaign(session, actor, campaign_id=campaign_id)
    if campaign.target["kind"] == "event":
        return AudiencePreview(0, [], 0)
    repository.prepare(session)
    count = control = 0
    ids: list[uuid.UUID] = []
    for chunk in audience_chunks(session, campaign.target, on=on):
        found = chunk.subquery()
        people = customers.customer_rows().subquery()
        eligible = (select(people.c.customer_id)
                    .join(found, found.c.customer_id == people.c.customer_id)
                    .where(not_(repository.opted_out(people.c.customer_id))).subquery())
        held = repository.bucket(session, campaign.id, eligible.c.customer_id) \
            < campaign.holdout_percent
        count += int(session.scalar(select(func.count()).select_from(eligible)) or 0)
        control += int(session.scalar(select(func.count()).select_from(eligible).where(held))
                       or 0)
        if len(ids) < sample:
            ids += list(session.scalars(select(eligible.c.customer_id)
                                        .order_by(eligible.c.customer_id)
                                        .limit(sample - len(ids))))
    return AudiencePreview(count, ids, control)
