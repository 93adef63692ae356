"""Whom a campaign selects on a day, as a statement of (customer_id, amount): the books'
sets from corebank's service, a segment from events' service, or one customer an event
named. Nothing here loads customers into Python except a segment's members, which DuckDB
hands back as a list."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.events import service as events
from contactless.marketing.repository import AnySelect
from contactless.platform.db import MinorUnits
from contactless.platform.kernel import kernel_of

CHUNK = 5000


def _at_least(rows: AnySelect, minimum: str) -> AnySelect:
    found = rows.subquery()
    return (select(found.c.customer_id, found.c.amount)
            .where(found.c.amount >= literal(Decimal(minimum), MinorUnits)))


def _midnight(session: Session, day: date) -> datetime:
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def audience_chunks(session: Session, target: dict[str, Any], *, on: date,
                    customer_id: uuid.UUID | None = None,
                    amount: Decimal | None = None) -> list[AnySelect]:
    """The target's audience on ``on``, as one statement (a segment: one per chunk of its
    members; an event: the customer it named)."""
    kind = target["kind"]
    if kind == "maturing":
        return [_at_least(corebank.maturing_amounts(
            start=on, end=on + timedelta(days=int(target["days"]))), target["min_amount"])]
    if kind == "high_value":
        return [_at_least(corebank.customer_assets(), target["min_assets"])]
    if kind == "retention":
        rising = corebank.outbound_rise(
            since=_midnight(session, on - timedelta(days=60)),
            middle=_midnight(session, on - timedelta(days=30)),
            until=_midnight(session, on + timedelta(days=1)),
            rise_percent=int(target["rise_percent"])).subquery()
        rich = _at_least(corebank.demand_balances(), target["min_balance"]).subquery()
        return [select(rich.c.customer_id, rich.c.amount)
                .join(rising, rising.c.customer_id == rich.c.customer_id)]
    if kind == "segment":
        members = events.segment_members(session, tree=target["tree"])
        return [_listed(members[start:start + CHUNK])
                for start in range(0, len(members), CHUNK)]
    if customer_id is None:
        return []
    return [_listed([customer_id], amount)]


def _listed(ids: list[uuid.UUID], amount: Decimal | None = None) -> AnySelect:
    people = customers.customer_rows().subquery()
    return select(people.c.customer_id,
                  literal(amount, MinorUnits).label("amount")).where(
        people.c.customer_id.in_(ids))
