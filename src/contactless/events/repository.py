"""Every query of profiles, tags, attributes and saved segments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from contactless.events.audience import Facts
from contactless.events.models import (
    CustomerAttribute,
    CustomerTag,
    PendingProfile,
    Profile,
    Segment,
    SegmentMember,
)

PROFILE_COLUMNS = ("primary_rm_id", "branch_id", "aum", "demand_balance", "deposit_balance",
                   "wealth_value", "loan_outstanding", "nearest_maturity", "last_seen_at",
                   "events_30d", "app_opens_30d", "outbound_30d", "outbound_prior_30d")


def _upsert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (sqlite_insert if dialect == "sqlite" else pg_insert)(model)


def save_profiles(session: Session, facts: list[Facts], *, at: datetime) -> None:
    """Insert or replace these profiles (one statement)."""
    if not facts:
        return
    rows = [{"customer_id": f.customer_id, "products": list(f.products), "updated_at": at,
             **{name: getattr(f, name) for name in PROFILE_COLUMNS}} for f in facts]
    statement = _upsert(session, Profile).values(rows)
    replaced = {name: statement.excluded[name] for name in
                (*PROFILE_COLUMNS, "products", "updated_at")}
    session.execute(statement.on_conflict_do_update(index_elements=["customer_id"],
                                                    set_=replaced))


def sync_tags(session: Session, wanted: dict[uuid.UUID, set[str]], *, at: datetime
              ) -> tuple[int, int]:
    """Make these customers' tags exactly ``wanted`` (a tag kept keeps its ``since``);
    returns (added, removed)."""
    ids = list(wanted)
    have: dict[uuid.UUID, set[str]] = {customer: set() for customer in ids}
    for customer, tag in session.execute(select(CustomerTag.customer_id, CustomerTag.tag)
                                         .where(CustomerTag.customer_id.in_(ids))):
        have[customer].add(tag)
    added = [{"customer_id": c, "tag": t, "since": at}
             for c in ids for t in sorted(wanted[c] - have[c])]
    removed = [(c, t) for c in ids for t in sorted(have[c] - wanted[c])]
    if added:
        session.execute(insert(CustomerTag), added)
    for customer, tag in removed:
        session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer,
                                                  CustomerTag.tag == tag))
    return len(added), len(removed)


def tags_of(session: Session, customer_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(CustomerTag.tag)
                                .where(CustomerTag.customer_id == customer_id)
                                .order_by(CustomerTag.tag)))


def all_tags(session: Session) -> dict[uuid.UUID, set[str]]:
    out: dict[uuid.UUID, set[str]] = {}
    for customer, tag in session.execute(select(CustomerTag.customer_id, CustomerTag.tag)):
        out.setdefault(customer, set()).add(tag)
    return out


def customers_with_tag(session: Session, tag: str) -> list[uuid.UUID]:
    return list(session.scalars(select(CustomerTag.customer_id).where(CustomerTag.tag == tag)
                                .order_by(CustomerTag.customer_id)))


def attributes_of(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    out: dict[uuid.UUID, dict[str, Any]] = {}
    query = select(CustomerAttribute).where(CustomerAttribute.customer_id.in_(ids))
    for row in session.scalars(query):
        out.setdefault(row.customer_id, {})[row.name] = row.value
    return out


def all_profiles(session: Session) -> list[Profile]:
    return list(session.scalars(select(Profile).order_by(Profile.customer_id)))


def queue_pending(session: Session, customer_id: uuid.UUID, *, topic: str,
                  at: datetime) -> None:
    statement = _upsert(session, PendingProfile).values(customer_id=customer_id, topic=topic,
                                                        queued_at=at)
    session.execute(statement.on_conflict_do_nothing(index_elements=["customer_id"]))


def queue_many(session: Session, customer_ids: list[uuid.UUID], *, topic: str,
               at: datetime) -> None:
    """Queue these customers (one statement, executed for many; one already queued stays
    queued)."""
    if customer_ids:
        statement = _upsert(session, PendingProfile).on_conflict_do_nothing(
            index_elements=["customer_id"])
        session.execute(statement, [{"customer_id": customer_id, "topic": topic,
                                     "queued_at": at} for customer_id in customer_ids])


def pending_ids(session: Session, *, limit: int | None) -> list[uuid.UUID]:
    query = select(PendingProfile.customer_id).order_by(PendingProfile.queued_at)
    return list(session.scalars(query if limit is None else query.limit(limit)))


def clear_pending(session: Session, ids: list[uuid.UUID]) -> None:
    if ids:
        session.execute(delete(PendingProfile).where(PendingProfile.customer_id.in_(ids)))


# ---- saved segments -------------------------------------------------------------------------


def mark_segments_stale(session: Session) -> None:
    session.execute(update(Segment).values(stale=True))


def segments(session: Session) -> list[Segment]:
    return list(session.scalars(select(Segment).order_by(Segment.name)))


def segment_by_name(session: Session, name: str) -> Segment | None:
    return session.scalar(select(Segment).where(Segment.name == name))


def member_ids(session: Session, segment_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(SegmentMember.customer_id)
                                .where(SegmentMember.segment_id == segment_id)
                                .order_by(SegmentMember.customer_id)))


def replace_members(session: Session, segment_id: uuid.UUID, members: set[uuid.UUID]
                    ) -> tuple[int, int]:
    """Make the segment's stored members exactly ``members``; returns (joined, left)."""
    have = set(member_ids(session, segment_id))
    joined, left = sorted(members - have), sorted(have - members)
    if joined:
        session.execute(insert(SegmentMember), [{"segment_id": segment_id, "customer_id": c}
                                                for c in joined])
    for start in range(0, len(left), 500):
        session.execute(delete(SegmentMember).where(
            SegmentMember.segment_id == segment_id,
            SegmentMember.customer_id.in_(left[start:start + 500])))
    return len(joined), len(left)


def profile_of(session: Session, customer_id: uuid.UUID) -> Profile | None:
    return session.get(Profile, customer_id)
