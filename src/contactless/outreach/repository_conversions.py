"""The outreach queries of journeys, conversions and credits (the rest is in
``repository``, which re-exports these)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from contactless.outreach.models import (
    QrCode,
    QrConversion,
    QrCredit,
    QrJourney,
    QrScan,
    ScanResult,
)

# ---- journeys, conversions, credits ---------------------------------------------------------


def journey(session: Session, journey_id: str) -> QrJourney | None:
    return session.scalar(select(QrJourney).where(QrJourney.journey_id == journey_id))


def conversion(session: Session, journey_id: str) -> QrConversion | None:
    """The conversion a journey made or changed last."""
    return session.scalar(select(QrConversion).where(QrConversion.journey_id == journey_id))


def conversion_by_key(session: Session, business_key: str, *,
                      for_update: bool = False) -> QrConversion | None:
    query = select(QrConversion).where(QrConversion.business_key == business_key)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def scan_by_id(session: Session, scan_id: uuid.UUID) -> QrScan | None:
    return session.get(QrScan, scan_id)


def proving_scan(session: Session, code_id: uuid.UUID, *, customer_id: uuid.UUID | None,
                 device_id: str | None, since: datetime, until: datetime) -> QrScan | None:
    """The latest accepted scan of the code by this customer or from this device."""
    who = []
    if customer_id is not None:
        who.append(QrScan.customer_id == customer_id)
    if device_id:
        who.append(QrScan.device_id == device_id)
    if not who:
        return None
    return session.scalar(
        select(QrScan).where(QrScan.code_id == code_id, QrScan.result == ScanResult.ACCEPTED,
                             or_(*who), QrScan.scanned_at >= since, QrScan.scanned_at <= until)
        .order_by(QrScan.scanned_at.desc(), QrScan.id.desc()).limit(1))


def credits_for(session: Session, conversion_id: uuid.UUID) -> list[QrCredit]:
    return list(session.scalars(select(QrCredit).where(QrCredit.conversion_id == conversion_id)
                                .order_by(QrCredit.id)))


def delete_credits(session: Session, conversion_id: uuid.UUID) -> None:
    for row in credits_for(session, conversion_id):
        session.delete(row)
    session.flush()


def completed_journeys(session: Session, code_ids: Sequence[uuid.UUID]) -> int:
    return int(session.scalar(select(func.count()).select_from(QrJourney)
                              .where(QrJourney.code_id.in_(code_ids),
                                     QrJourney.completed_at.is_not(None))) or 0)


def journeys_started(session: Session, code_ids: Sequence[uuid.UUID]) -> int:
    return int(session.scalar(select(func.count()).select_from(QrJourney)
                              .where(QrJourney.code_id.in_(code_ids))) or 0)


def conversion_totals(session: Session, code_ids: Sequence[uuid.UUID],
                      ) -> dict[str, tuple[int, Decimal, Decimal]]:
    """status -> (conversions, amount realised, amount expected) of the codes."""
    rows = session.execute(
        select(QrConversion.status, func.count(), func.sum(QrConversion.amount),
               func.sum(QrConversion.expected_amount))
        .where(QrConversion.code_id.in_(code_ids)).group_by(QrConversion.status)
    )
    return {str(status): (int(count), Decimal(amount or 0), Decimal(expected or 0))
            for status, count, amount, expected in rows}


def converted_customers(session: Session, code_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.scalars(select(QrConversion.customer_id)
                               .where(QrConversion.code_id.in_(code_ids))))


def credits_of(session: Session, staff_ids: Sequence[uuid.UUID], *, limit: int,
               since: datetime | None = None,
               ) -> list[tuple[QrCredit, QrConversion, QrCode]]:
    """Credits of these staff members, latest activity first (realised, lost or completed
    since ``since``)."""
    if not staff_ids:
        return []
    query = (select(QrCredit, QrConversion, QrCode)
             .join(QrConversion, QrConversion.id == QrCredit.conversion_id)
             .join(QrCode, QrCode.id == QrConversion.code_id)
             .where(QrCredit.staff_id.in_(staff_ids)))
    if since is not None:
        query = query.where(_activity() >= since)
    rows = session.execute(query.order_by(_activity().desc(), QrConversion.id).limit(limit))
    return [(row[0], row[1], row[2]) for row in rows]


def _activity() -> Any:
    """When a conversion last moved: settled (realised or lost), else its latest journey."""
    return func.coalesce(QrConversion.settled_at, QrConversion.completed_at)


def credit_tallies(session: Session, staff_ids: Sequence[uuid.UUID], *,
                   since: datetime | None = None, currency: str | None = None,
                   ) -> dict[tuple[uuid.UUID, str], tuple[Decimal, Decimal, Decimal]]:
    """(staff id, status) -> (share percent summed, amount credited, expected credited)."""
    if not staff_ids:
        return {}
    query = (select(QrCredit.staff_id, QrConversion.status, func.sum(QrCredit.share),
                    func.sum(QrCredit.amount), func.sum(QrCredit.expected))
             .join(QrConversion, QrConversion.id == QrCredit.conversion_id)
             .where(QrCredit.staff_id.in_(staff_ids)))
    if since is not None:
        query = query.where(_activity() >= since)
    if currency is not None:
        query = query.where(QrCredit.currency == currency)
    rows = session.execute(query.group_by(QrCredit.staff_id, QrConversion.status))
    return {(staff, str(status)): (Decimal(shares or 0), Decimal(amount or 0),
                                   Decimal(expected or 0))
            for staff, status, shares, amount, expected in rows}


def conversion_tallies(session: Session, path_prefix: str | None, *, by_code: bool,
                       since: datetime, currency: str,
                       ) -> dict[tuple[Any, str], tuple[int, Decimal, Decimal]]:
    """(channel or code id, status) -> (conversions, amount, expected) of the codes made in
    a branch subtree (personal codes count for their group code)."""
    scope = [QrCode.branch_path.startswith(path_prefix)] if path_prefix else []
    key = func.coalesce(QrCode.parent_id, QrCode.id) if by_code else QrCode.channel
    rows = session.execute(
        select(key, QrConversion.status, func.count(QrConversion.id),
               func.sum(QrConversion.amount), func.sum(QrConversion.expected_amount))
        .join(QrConversion, QrConversion.code_id == QrCode.id)
        .where(_activity() >= since, QrConversion.currency == currency, *scope)
        .group_by(key, QrConversion.status))
    return {(group, str(status)): (int(count), Decimal(amount or 0), Decimal(expected or 0))
            for group, status, count, amount, expected in rows}
