"""Saved segments: their trees, their members materialized in ``events_segment_member``,
the refresh (on a schedule, and after profiles or tags changed) and the CSV export.

A tree is evaluated by DuckDB (or Spark: ``CONTACTLESS_SEGMENT_ENGINE=spark``) over the lake
(the ``events`` view), the anonymous ids linked at sign-in (``event_aliases``) and the
profiles of the database (the ``profiles`` table, handed to DuckDB as Arrow: one row per
customer with the declared properties and a flag per product and per tag)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.events import aliases, audience, lake, repository, segments, spark
from contactless.events.audience import Kind
from contactless.events.errors import SegmentInvalid, SegmentNameTaken, SegmentNotFound
from contactless.events.lake import Lake
from contactless.events.models import Segment
from contactless.events.registry import Registry
from contactless.identity.permissions import Operation, authorize, may
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of

ARROW_TYPES = {Kind.MONEY: pa.decimal128(18, 2), Kind.COUNT: pa.int64(), Kind.DATE: pa.date32(),
               Kind.TIME: pa.timestamp("us", tz="UTC")}
EXPORT_COLUMNS = ("customer_id", "name", "mobile", "tags", "aum")


def profiles_table(session: Session) -> pa.Table:
    """Every profile as the ``profiles`` table segments read."""
    rows = repository.all_profiles(session)
    tags = repository.all_tags(session)
    columns: dict[str, pa.Array] = {
        "customer_id": pa.array([str(r.customer_id) for r in rows], pa.string())}
    for prop in audience.PROPERTIES:
        if prop.name == "product_count":
            values: list[Any] = [len(r.products) for r in rows]
        else:
            values = [getattr(r, prop.name) for r in rows]
        columns[prop.name] = pa.array(values, ARROW_TYPES[prop.kind])
    for product in audience.PRODUCTS:
        columns[f"holds_{product}"] = pa.array([product in r.products for r in rows])
    for rule in audience.TAGS:
        columns[f"tag_{rule.name}"] = pa.array(
            [rule.name in tags.get(r.customer_id, ()) for r in rows], pa.bool_())
    return pa.table(columns)


def run(compiled: segments.Compiled, *, lake_dir: Lake | Path, profiles: pa.Table,
        aliases: pa.Table, spark_master: str | None = None) -> list[str]:
    """The members (customer ids as text, sorted) of a compiled tree, by DuckDB, or by
    Spark when ``spark_master`` is given (``events/spark.py``); ``aliases`` the anonymous
    ids linked to customers (``aliases.alias_table``)."""
    where = lake.as_lake(lake_dir)
    if spark_master is not None:
        return spark.run(compiled, lake_dir=where, profiles=profiles, aliases=aliases,
                         master=spark_master)
    with duckdb.connect() as connection:
        connection.register("profiles", profiles)
        connection.register("event_aliases", aliases)
        connection.execute("CREATE VIEW events AS "
                           + where.select(connection, where.lake_files()))
        rows = connection.execute(compiled.sql, compiled.parameters).fetchall()
    return [row[0] for row in rows]


def evaluate(session: Session, registry: Registry, tree: Any, *, lake_dir: Lake,
             now: datetime | None = None) -> list[uuid.UUID]:
    """Every customer the tree selects now."""
    compiled = segments.compile_segment(registry, tree, now=now or utcnow())
    settings = kernel_of(session).settings
    master = settings.spark_master if settings.segment_engine == "spark" else None
    return [uuid.UUID(member) for member in run(
        compiled, lake_dir=lake_dir, profiles=profiles_table(session),
        aliases=aliases.alias_table(session), spark_master=master)]


@dataclass(frozen=True)
class SegmentView:
    id: uuid.UUID
    name: str
    tree: Any
    created_by: str
    updated_at: datetime
    refreshed_at: datetime | None
    member_count: int
    stale: bool


def _view(row: Segment) -> SegmentView:
    return SegmentView(row.id, row.name, row.tree, row.created_by, row.updated_at,
                       row.refreshed_at, row.member_count, row.stale)


def _found(session: Session, segment_id: uuid.UUID) -> Segment:
    row = session.get(Segment, segment_id)
    if row is None:
        raise SegmentNotFound("segment not found")
    return row


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 120:
        raise SegmentInvalid("a segment needs a name of 1 to 120 characters", where="name")
    return name


def save(session: Session, actor: Actor, registry: Registry, *, name: str, tree: Any,
         segment_id: uuid.UUID | None, lake_dir: Lake) -> SegmentView:
    """Create or change a saved segment (the tree checked first) and materialize it."""
    authorize(actor, Operation.SEGMENT_MANAGE)
    name = _name(name)
    segments.compile_segment(registry, tree, now=utcnow())
    taken = repository.segment_by_name(session, name)
    if taken is not None and taken.id != segment_id:
        raise SegmentNameTaken("another segment has this name", name=name)
    now = utcnow()
    if segment_id is None:
        row = Segment(name=name, tree=tree, created_by=actor.id, updated_at=now, stale=True)
        session.add(row)
        before = None
    else:
        row = _found(session, segment_id)
        before = {"name": row.name, "tree": row.tree}
        row.name, row.tree, row.updated_at, row.stale = name, tree, now, True
    session.flush()
    audit.record(session, actor, action="events.segment_saved", target_type="events_segment",
                 target_id=row.id, before=before, after={"name": name, "tree": tree})
    materialize(session, row, registry, lake_dir=lake_dir)
    return _view(row)


def delete(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> None:
    authorize(actor, Operation.SEGMENT_MANAGE)
    row = _found(session, segment_id)
    audit.record(session, actor, action="events.segment_deleted", target_type="events_segment",
                 target_id=row.id, before={"name": row.name, "tree": row.tree})
    repository.replace_members(session, row.id, set())
    session.delete(row)
    session.flush()


def materialize(session: Session, row: Segment, registry: Registry, *, lake_dir: Lake
                ) -> tuple[int, int]:
    """Store the segment's members now; returns (joined, left)."""
    members = set(evaluate(session, registry, row.tree, lake_dir=lake_dir))
    changed = repository.replace_members(session, row.id, members)
    row.member_count, row.refreshed_at, row.stale = len(members), utcnow(), False
    session.flush()
    return changed


def refresh_all(session: Session, actor: Actor, registry: Registry, *, lake_dir: Lake,
                stale_only: bool) -> list[SegmentView]:
    """Materialize every saved segment (or the stale ones); returns those refreshed."""
    authorize(actor, Operation.SEGMENT_MANAGE)
    done = []
    for row in repository.segments(session):
        if stale_only and not row.stale:
            continue
        materialize(session, row, registry, lake_dir=lake_dir)
        done.append(_view(row))
    return done


def refresh_one(session: Session, actor: Actor, registry: Registry, *,
                segment_id: uuid.UUID, lake_dir: Lake) -> SegmentView:
    """Materialize one saved segment now; audited with its members before and after."""
    authorize(actor, Operation.SEGMENT_MANAGE)
    row = _found(session, segment_id)
    before = row.member_count
    materialize(session, row, registry, lake_dir=lake_dir)
    audit.record(session, actor, action="events.segment_refreshed",
                 target_type="events_segment", target_id=row.id,
                 details={"members_before": before, "members": row.member_count})
    return _view(row)


@dataclass(frozen=True)
class SampleMember:
    customer_id: uuid.UUID
    reference: str  # a short reference anyone may read
    name: str | None  # masked; None: outside the reader's scope
    mobile: str | None  # masked


def masked_sample(session: Session, actor: Actor, *, ids: list[uuid.UUID]
                  ) -> list[SampleMember]:
    """Customers as the actor may see them: masked name and mobile within their scope, a
    short reference for the others."""
    readable = may(actor, Operation.CUSTOMER_READ)
    visible = customers.visible_customer_ids(session, actor, ids=ids) if readable else set()
    out = []
    for customer_id in ids:
        person = customers.get_customer(session, actor, customer_id=customer_id) \
            if customer_id in visible else None
        out.append(SampleMember(customer_id, customer_id.hex[:8].upper(),
                                person.name if person else None,
                                person.mobile if person else None))
    return out


def listed(session: Session) -> list[SegmentView]:
    return [_view(row) for row in repository.segments(session)]


def get(session: Session, *, segment_id: uuid.UUID) -> SegmentView:
    return _view(_found(session, segment_id))


def members(session: Session, *, segment_id: uuid.UUID) -> list[uuid.UUID]:
    _found(session, segment_id)
    return repository.member_ids(session, segment_id)


def export_csv(session: Session, actor: Actor, *, segment_id: uuid.UUID) -> str:
    """The segment's stored members the actor may see, masked (name, mobile), with their
    tags and AUM; audited with how many rows left the bank's hands."""
    authorize(actor, Operation.SEGMENT_EXPORT)
    row = _found(session, segment_id)
    stored = repository.member_ids(session, row.id)
    visible = customers.visible_customer_ids(session, actor, ids=stored)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    tags = repository.all_tags(session)
    for customer_id in stored:
        if customer_id not in visible:
            continue
        person = customers.get_customer(session, actor, customer_id=customer_id)
        found = repository.profile_of(session, customer_id)
        writer.writerow([str(customer_id), _cell(person.name), _cell(person.mobile),
                         " ".join(sorted(tags.get(customer_id, ()))),
                         "" if found is None else str(found.aum)])
    audit.record(session, actor, action="events.segment_exported",
                 target_type="events_segment", target_id=row.id,
                 details={"rows": len(visible), "members": len(stored)})
    return out.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
