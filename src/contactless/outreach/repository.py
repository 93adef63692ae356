"""Every query of the outreach domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from contactless.outreach.models import (
    CodeStatus,
    OutreachPolicy,
    OwnerStatus,
    QrCode,
    QrCodeOwner,
    QrRosterMember,
    QrScan,
    QrSigningKey,
    ScanResult,
)
from contactless.platform.events import OutboxEvent

# ---- signing keys ---------------------------------------------------------------------------


def signing_key(session: Session, kid: str) -> QrSigningKey | None:
    return session.get(QrSigningKey, kid)


def current_signing_key(session: Session) -> QrSigningKey | None:
    return session.scalar(
        select(QrSigningKey).where(QrSigningKey.current.is_(True),
                                   QrSigningKey.retired_at.is_(None))
        .order_by(QrSigningKey.created_at.desc()).limit(1)
    )


def signing_keys(session: Session) -> list[QrSigningKey]:
    return list(session.scalars(select(QrSigningKey).order_by(QrSigningKey.created_at)))


def clear_current_keys(session: Session) -> None:
    session.execute(update(QrSigningKey).where(QrSigningKey.current.is_(True))
                    .values(current=False))


# ---- codes and owners ------------------------------------------------------------------------


def code_and_key(session: Session, short_code: str,
                 kid: str) -> tuple[QrCode, QrSigningKey | None] | None:
    """The code and the signing key a link names, in one round trip (the scan's hot path)."""
    row = session.execute(
        select(QrCode, QrSigningKey)
        .outerjoin(QrSigningKey, QrSigningKey.kid == kid)
        .where(QrCode.short_code == short_code)
    ).first()
    return (row[0], row[1]) if row else None


# Core tables for the scan's hot path (no ORM unit of work)
SCAN_TABLE = cast(Table, QrScan.__table__)
OUTBOX_TABLE = cast(Table, OutboxEvent.__table__)


def _bound(table: Table, prefix: str) -> dict[str, BindParameter[Any]]:
    return {c.name: bindparam(prefix + c.name, type_=c.type) for c in table.columns}


# one scan and its event in one statement, built once: parameters ``s_*`` and ``e_*``
SCAN_WITH_EVENT = insert(OUTBOX_TABLE).values(_bound(OUTBOX_TABLE, "e_")).add_cte(
    insert(SCAN_TABLE).values(_bound(SCAN_TABLE, "s_")).cte("new_scan"))


def relax_commit(session: Session) -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL is flushed (a
    database crash may lose the last fraction of a second of such writes)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def insert_scans(session: Session, scans: list[dict[str, Any]],
                 events: list[dict[str, Any]]) -> None:
    """Scan rows and their outbox rows. On PostgreSQL one scan goes in one statement with its
    event (a round trip less on the scan's hot path); batches are two multi-row inserts."""
    if len(scans) == 1 and len(events) == 1 and session.get_bind().dialect.name == "postgresql":
        params = {f"s_{k}": v for k, v in scans[0].items()}
        params.update({f"e_{k}": v for k, v in events[0].items()})
        session.execute(SCAN_WITH_EVENT, params)
        return
    if scans:
        session.execute(insert(SCAN_TABLE), scans)
    if events:
        session.execute(insert(OUTBOX_TABLE), events)


def code_by_short(session: Session, short_code: str) -> QrCode | None:
    return session.scalar(select(QrCode).where(QrCode.short_code == short_code))


def code_by_id(session: Session, code_id: uuid.UUID) -> QrCode | None:
    return session.get(QrCode, code_id)


def codes_by_ids(session: Session, code_ids: Iterable[uuid.UUID]) -> list[QrCode]:
    ids = list(code_ids)
    if not ids:
        return []
    return list(session.scalars(select(QrCode).where(QrCode.id.in_(ids))))


def owners(session: Session, code_ids: Sequence[uuid.UUID]) -> list[QrCodeOwner]:
    if not code_ids:
        return []
    return list(session.scalars(
        select(QrCodeOwner).where(QrCodeOwner.code_id.in_(code_ids))
        .order_by(QrCodeOwner.created_at, QrCodeOwner.staff_id)
    ))


def owner(session: Session, code_id: uuid.UUID, staff_id: uuid.UUID) -> QrCodeOwner | None:
    return session.scalar(select(QrCodeOwner).where(QrCodeOwner.code_id == code_id,
                                                    QrCodeOwner.staff_id == staff_id))


def codes_of_staff(session: Session, staff_id: uuid.UUID, *, status: str | None,
                   include_personal: bool, limit: int) -> list[QrCode]:
    """Codes the person created or owns (accepted or invited), newest first."""
    owned = select(QrCodeOwner.code_id).where(
        QrCodeOwner.staff_id == staff_id, QrCodeOwner.status != OwnerStatus.DECLINED)
    query = select(QrCode).where(or_(QrCode.created_by == staff_id, QrCode.id.in_(owned)))
    if status:
        query = query.where(QrCode.status == status)
    if not include_personal:
        query = query.where(QrCode.parent_id.is_(None))
    return list(session.scalars(query.order_by(QrCode.created_at.desc()).limit(limit)))


def owned_code_family(session: Session, staff_id: uuid.UUID) -> list[uuid.UUID]:
    """Codes the person co-owns (accepted), with the personal codes made from them."""
    owned = select(QrCodeOwner.code_id).where(QrCodeOwner.staff_id == staff_id,
                                              QrCodeOwner.status == OwnerStatus.ACCEPTED)
    return list(session.scalars(select(QrCode.id).where(
        or_(QrCode.id.in_(owned), QrCode.parent_id.in_(owned)))))


def codes_in_branch(session: Session, path_prefix: str | None, *, status: str | None,
                    limit: int) -> list[QrCode]:
    query = select(QrCode).where(QrCode.parent_id.is_(None))
    if path_prefix:
        query = query.where(QrCode.branch_path.startswith(path_prefix))
    if status:
        query = query.where(QrCode.status == status)
    return list(session.scalars(query.order_by(QrCode.created_at.desc()).limit(limit)))


def child_code_ids(session: Session, parent_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(QrCode.id).where(QrCode.parent_id == parent_id)))


def invitations_of(session: Session, staff_id: uuid.UUID) -> list[tuple[QrCodeOwner, QrCode]]:
    rows = session.execute(
        select(QrCodeOwner, QrCode).join(QrCode, QrCode.id == QrCodeOwner.code_id)
        .where(QrCodeOwner.staff_id == staff_id, QrCodeOwner.status == OwnerStatus.INVITED)
        .order_by(QrCodeOwner.created_at.desc())
    )
    return [(row[0], row[1]) for row in rows]


def take_scan_slot(session: Session, code_id: uuid.UUID) -> bool:
    """Count one scan against max_scans atomically; False when the code is used up."""
    result = session.execute(
        update(QrCode)
        .where(QrCode.id == code_id, QrCode.max_scans.is_not(None),
               QrCode.limited_scan_count < QrCode.max_scans)
        .values(limited_scan_count=QrCode.limited_scan_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_scan_slot(session: Session, code_id: uuid.UUID) -> None:
    session.execute(
        update(QrCode).where(QrCode.id == code_id, QrCode.limited_scan_count > 0)
        .values(limited_scan_count=QrCode.limited_scan_count - 1)
        .execution_options(synchronize_session=False)
    )


def bind_customer(session: Session, code_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
    """Bind a code to its first customer atomically; False if someone was bound first."""
    result = session.execute(
        update(QrCode)
        .where(QrCode.id == code_id, QrCode.bound_customer_id.is_(None))
        .values(bound_customer_id=customer_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def bound_customer(session: Session, code_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(select(QrCode.bound_customer_id).where(QrCode.id == code_id))


# ---- rosters ---------------------------------------------------------------------------------


def roster(session: Session, code_id: uuid.UUID) -> list[QrRosterMember]:
    return list(session.scalars(select(QrRosterMember).where(QrRosterMember.code_id == code_id)
                                .order_by(QrRosterMember.created_at, QrRosterMember.id)))


def roster_indexes(session: Session, code_id: uuid.UUID) -> tuple[set[str], set[str]]:
    rows = session.execute(select(QrRosterMember.mobile_index, QrRosterMember.id_number_index)
                           .where(QrRosterMember.code_id == code_id))
    mobiles: set[str] = set()
    ids: set[str] = set()
    for mobile_index, id_index in rows:
        if mobile_index:
            mobiles.add(mobile_index)
        if id_index:
            ids.add(id_index)
    return mobiles, ids


def roster_match(session: Session, code_id: uuid.UUID, *, mobile_index: str,
                 id_number_index: str | None) -> QrRosterMember | None:
    """The member with this mobile, or this ID number when one is given."""
    same = QrRosterMember.mobile_index == mobile_index
    if id_number_index is not None:
        same = or_(same, QrRosterMember.id_number_index == id_number_index)
    return session.scalar(
        select(QrRosterMember).where(QrRosterMember.code_id == code_id, same).limit(1))


def roster_member_of(session: Session, code: QrCode, *, mobile_index: str,
                     id_number_index: str | None) -> QrRosterMember | None:
    """Who a person is on a roster code: the member of a personal code if it is them, or the
    group code's member with their mobile or ID number."""
    if code.parent_id is not None:
        member = member_of_personal_code(session, code.id)
        if member is not None and (member.mobile_index == mobile_index or (
                id_number_index is not None and member.id_number_index == id_number_index)):
            return member
        return None
    return roster_match(session, code.id, mobile_index=mobile_index,
                        id_number_index=id_number_index)


def member_of_personal_code(session: Session, code_id: uuid.UUID) -> QrRosterMember | None:
    return session.scalar(select(QrRosterMember)
                          .where(QrRosterMember.personal_code_id == code_id))


# ---- scans -----------------------------------------------------------------------------------


def pending_scan(session: Session, code_id: uuid.UUID, device_id: str,
                 since: datetime) -> QrScan | None:
    return session.scalar(
        select(QrScan).where(QrScan.code_id == code_id, QrScan.device_id == device_id,
                             QrScan.result == ScanResult.PENDING, QrScan.scanned_at >= since)
        .order_by(QrScan.scanned_at.desc()).limit(1)
    )


def accepted_scans_by(session: Session, code_id: uuid.UUID, customer_id: uuid.UUID) -> int:
    return int(session.scalar(
        select(func.count()).select_from(QrScan)
        .where(QrScan.code_id == code_id, QrScan.customer_id == customer_id,
               QrScan.result == ScanResult.ACCEPTED)
    ) or 0)


def identify_device_scans(session: Session, *, device_id: str, customer_id: uuid.UUID,
                          since: datetime, at: datetime) -> int:
    result = session.execute(
        update(QrScan)
        .where(QrScan.device_id == device_id, QrScan.customer_id.is_(None),
               QrScan.result == ScanResult.ACCEPTED, QrScan.scanned_at >= since)
        .values(customer_id=customer_id, identified_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def last_touch(session: Session, customer_id: uuid.UUID, *, since: datetime,
               until: datetime) -> QrScan | None:
    """The customer's latest accepted scan of a code the bank has not revoked since."""
    return session.scalar(
        select(QrScan).join(QrCode, QrCode.id == QrScan.code_id)
        .where(QrScan.customer_id == customer_id, QrScan.result == ScanResult.ACCEPTED,
               QrCode.status != CodeStatus.REVOKED,
               QrScan.scanned_at >= since, QrScan.scanned_at <= until)
        .order_by(QrScan.scanned_at.desc(), QrScan.id.desc()).limit(1)
    )


def accepted_scan_between(session: Session, code_id: uuid.UUID, *, since: datetime,
                          until: datetime) -> bool:
    return session.scalar(
        select(QrScan.id).where(QrScan.code_id == code_id, QrScan.result == ScanResult.ACCEPTED,
                                QrScan.scanned_at >= since, QrScan.scanned_at <= until).limit(1)
    ) is not None


def recent_scans(session: Session, code_ids: Sequence[uuid.UUID], *, limit: int) -> list[QrScan]:
    return list(session.scalars(select(QrScan).where(QrScan.code_id.in_(code_ids))
                                .order_by(QrScan.scanned_at.desc()).limit(limit)))


def scan_times(session: Session, code_ids: Sequence[uuid.UUID], *, since: datetime,
               limit: int = 200_000) -> list[datetime]:
    return list(session.scalars(
        select(QrScan.scanned_at).where(QrScan.code_id.in_(code_ids),
                                        QrScan.result == ScanResult.ACCEPTED,
                                        QrScan.scanned_at >= since).limit(limit)
    ))


def scan_counts(session: Session, code_ids: Sequence[uuid.UUID]) -> dict[tuple[str, str], int]:
    """(result, reason) -> count."""
    rows = session.execute(
        select(QrScan.result, QrScan.reason, func.count())
        .where(QrScan.code_id.in_(code_ids)).group_by(QrScan.result, QrScan.reason)
    )
    return {(str(result), str(reason or "")): int(count) for result, reason, count in rows}


def identified_customers(session: Session, code_ids: Sequence[uuid.UUID]) -> int:
    return int(session.scalar(
        select(func.count(func.distinct(QrScan.customer_id)))
        .where(QrScan.code_id.in_(code_ids), QrScan.result == ScanResult.ACCEPTED,
               QrScan.customer_id.is_not(None))
    ) or 0)


# ---- leaderboards ----------------------------------------------------------------------------


def rm_scan_stats(session: Session, staff_ids: Sequence[uuid.UUID], *, since: datetime,
                  ) -> dict[uuid.UUID, tuple[int, int]]:
    """staff id -> (accepted scans on codes they own, distinct customers identified)."""
    if not staff_ids:
        return {}
    rows = session.execute(
        select(QrCodeOwner.staff_id, func.count(QrScan.id),
               func.count(func.distinct(QrScan.customer_id)))
        .select_from(QrScan)
        .join(QrCode, QrCode.id == QrScan.code_id)
        .join(QrCodeOwner, QrCodeOwner.code_id == func.coalesce(QrCode.parent_id, QrCode.id))
        .where(QrCodeOwner.staff_id.in_(staff_ids),
               QrCodeOwner.status == OwnerStatus.ACCEPTED,
               QrScan.result == ScanResult.ACCEPTED, QrScan.scanned_at >= since)
        .group_by(QrCodeOwner.staff_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def rm_code_counts(session: Session, staff_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not staff_ids:
        return {}
    rows = session.execute(
        select(QrCodeOwner.staff_id, func.count())
        .join(QrCode, QrCode.id == QrCodeOwner.code_id)
        .where(QrCodeOwner.staff_id.in_(staff_ids), QrCodeOwner.status == OwnerStatus.ACCEPTED,
               QrCode.parent_id.is_(None))
        .group_by(QrCodeOwner.staff_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def channel_stats(session: Session, path_prefix: str | None, *,
                  since: datetime) -> dict[str, dict[str, Any]]:
    scope = [QrCode.branch_path.startswith(path_prefix)] if path_prefix else []
    stats: dict[str, dict[str, Any]] = {}

    def slot(channel: str) -> dict[str, Any]:
        return stats.setdefault(channel, {"codes": 0, "scans": 0, "customers": 0})

    for channel, count in session.execute(
        select(QrCode.channel, func.count()).where(QrCode.parent_id.is_(None), *scope)
        .group_by(QrCode.channel)
    ):
        slot(channel)["codes"] = int(count)
    for channel, scans, customers in session.execute(
        select(QrCode.channel, func.count(QrScan.id), func.count(func.distinct(QrScan.customer_id)))
        .join(QrScan, QrScan.code_id == QrCode.id)
        .where(QrScan.result == ScanResult.ACCEPTED, QrScan.scanned_at >= since, *scope)
        .group_by(QrCode.channel)
    ):
        slot(channel)["scans"] = int(scans)
        slot(channel)["customers"] = int(customers)
    return stats


# ---- policy ----------------------------------------------------------------------------------


def policy(session: Session) -> OutreachPolicy | None:
    return session.get(OutreachPolicy, 1)
