"""Anonymous ids linked to customers: a device's (or a cookie's) behaviour from before the
customer signed in becomes theirs in every query, without rewriting a file of the lake.

The link is made when the customer signs in from that device (``customer.signed_in`` on
the bus, carrying the device's anonymous id). The first customer to sign in on an id keeps
it: a shared device's earlier history is not handed from one customer to the next.
Queries read the lake through ``resolved_view``: ``customer_id`` is the event's own, or the
customer its anonymous id was linked to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactless.events.models import EventAlias
from contactless.platform.db import is_postgresql, upsert_insert

ALIAS_SCHEMA = pa.schema([("anonymous_id", pa.string()), ("alias_customer_id", pa.string())])


def link(session: Session, links: Iterable[tuple[str, str, datetime]]) -> int:
    """Link each (anonymous id, customer id, when); an id already linked keeps its first
    customer. Returns how many rows were asked for."""
    rows = [{"anonymous_id": anonymous[:64], "customer_id": uuid.UUID(customer),
             "linked_at": at} for anonymous, customer, at in links]
    if not rows:
        return 0
    upsert = upsert_insert(EventAlias, postgresql_engine=is_postgresql(session))
    session.execute(upsert.on_conflict_do_nothing(
        index_elements=["anonymous_id"]), rows)
    return len(rows)


def customer_of(session: Session, anonymous_id: str) -> uuid.UUID | None:
    return session.scalar(select(EventAlias.customer_id)
                          .where(EventAlias.anonymous_id == anonymous_id))


def customers_of(session: Session, anonymous_ids: list[str]) -> set[uuid.UUID]:
    """The customers these anonymous ids were linked to (the ids not linked give none)."""
    found: set[uuid.UUID] = set()
    for start in range(0, len(anonymous_ids), 500):
        found.update(session.scalars(select(EventAlias.customer_id).where(
            EventAlias.anonymous_id.in_(anonymous_ids[start:start + 500]))))
    return found


def anonymous_ids_of(session: Session, customer_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(EventAlias.anonymous_id)
                                .where(EventAlias.customer_id == customer_id)
                                .order_by(EventAlias.linked_at)))


def alias_table(session: Session) -> pa.Table:
    """Every link, as a table for DuckDB."""
    rows = session.execute(select(EventAlias.anonymous_id, EventAlias.customer_id)).all()
    return pa.Table.from_arrays(
        [pa.array([row[0] for row in rows], pa.string()),
         pa.array([str(row[1]) for row in rows], pa.string())], schema=ALIAS_SCHEMA)


# how every query resolves an event's customer: its own id, else the customer its anonymous id
# was linked to (``event_aliases``: at most one row an id). One scan and a join against a small
# table; segments compile the same join (``segments.RESOLVED``), so Spark runs it too
RESOLVE_JOIN = ("LEFT JOIN event_aliases a ON e.customer_id IS NULL "
                "AND e.anonymous_id = a.anonymous_id")
RESOLVED_CUSTOMER = "coalesce(e.customer_id, a.alias_customer_id)"


def resolved_view(connection: duckdb.DuckDBPyConnection, *, source_sql: str,
                  aliases: pa.Table, name: str = "resolved_events") -> str:
    """Create the view ``name`` on ``connection``: the events of ``source_sql`` (e.g. a
    ``read_parquet`` over the lake) with ``customer_id`` resolved through the aliases.
    Returns the view's name."""
    connection.register("event_aliases", aliases)
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS "  # noqa: S608 - names are ours, not input
        f"SELECT e.* REPLACE ({RESOLVED_CUSTOMER} AS customer_id) "
        f"FROM ({source_sql}) e {RESOLVE_JOIN}")
    return name
