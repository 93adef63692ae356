"""Several writes in one round trip: rows to insert and rows to update by key, sent as one
statement on PostgreSQL (data-modifying CTEs), one statement each on SQLite.

A request's tail (its journal entry, postings and balances, the stored result, the audit entry
and the event) costs one round trip this way instead of six, which matters most while the
request holds a hot row's lock. A part of the code that ends an operation may also leave its
writes to the caller (:func:`write_soon`), which sends them with its own (:func:`collecting`).

A :class:`Claim` makes the writes conditional: its row is inserted first unless its unique
key is taken (``ON CONFLICT DO NOTHING``, which waits for a transaction inserting the same key
to end), and the other writes happen only if it was inserted, still in one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from contactless.platform.db import is_postgresql, upsert_insert
from contactless.platform.driver import bind_processor, numbered, send, transaction_connection

PENDING = "writes.pending"
# up to this many rows an insert or update lists its values (cheapest to send, and counted by
# the planner); more go as arrays, so the statement's parameters stay under the 50 the driver
# caches a statement's parsing for
MAX_VALUES_ROWS = 4
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Write:
    """Rows to insert into ``table``; with ``key``, rows of ``table`` to update: each row sets
    its other columns where the ``key`` column equals its ``key`` value. All rows of one
    write have the same columns."""

    table: Table
    rows: Sequence[Row]
    key: str | None = None

    def shape(self) -> tuple[str, str | None, tuple[str, ...], int]:
        """What the statement's text depends on: the table, the key, the columns (an insert
        leaves out those NULL in every row that have no server default: NULL they stay), the
        number of rows given as VALUES (0: one array per column, for many)."""
        rows = self.rows
        if self.key is not None:
            columns = tuple(rows[0])
        elif len(rows) == 1:  # the usual insert: one pass over its values
            defaulted = _server_defaulted(self.table)
            columns = tuple([name for name, value in rows[0].items()
                             if value is not None or name in defaulted])
        else:
            defaulted = _server_defaulted(self.table)
            columns = tuple(name for name in rows[0] if name in defaulted
                            or any(row[name] is not None for row in rows))
        arrays = len(rows) > MAX_VALUES_ROWS
        return self.table.name, self.key, columns, 0 if arrays else len(rows)


@dataclass(frozen=True)
class Claim:
    """A row to insert into ``table`` unless a row with the same values of the ``unique``
    columns (a unique constraint's) exists; the writes sent with it depend on it."""

    table: Table
    row: Row
    unique: tuple[str, ...]


class _Claimed(NamedTuple):
    """What a claim's part of the statement depends on."""

    table: Table
    columns: tuple[str, ...]
    unique: tuple[str, ...]


@lru_cache(maxsize=256)
def _server_defaulted(table: Table) -> frozenset[str]:
    return frozenset(column.name for column in table.c if column.server_default is not None)


def execute_writes(session: Session, writes: Sequence[Write], *,
                   claim: Claim | None = None) -> bool:
    """Send ``writes`` in order: one statement on PostgreSQL, one per write elsewhere (and
    for a single write). The session's pending ORM rows are flushed first.

    With ``claim``: its row first, and the writes only if it was inserted (whether it was is
    returned; True without a claim). A caller whose claim was taken rolls back what it did
    before in the same unit, if anything."""
    writes = [write for write in writes if write.rows]
    if not writes and claim is None:
        return True
    session.flush()
    connection = (transaction_connection(session)
                  if len(writes) > 1 or claim is not None else None)
    if connection is None:
        if claim is not None and not _claim_one(session, claim):
            return False
        for write in writes:
            _execute_one(session, write)
        return True
    dialect = connection.dialect
    shapes = tuple(write.shape() for write in writes)
    claimed = None if claim is None else _Claimed(claim.table, tuple(claim.row), claim.unique)
    sql = _combined_sql(shapes, tuple(write.table for write in writes), dialect, claimed)
    params: list[Any] = []
    if claim is not None and claimed is not None:
        _add_row(params, claim.row, claimed.columns,
                 _processors(claim.table, claimed.columns, dialect))
    for write, (_table, _key, columns, listed) in zip(writes, shapes, strict=True):
        processors = _processors(write.table, columns, dialect)
        if listed:
            for row in write.rows:
                _add_row(params, row, columns, processors)
        else:
            for column, processor in zip(columns, processors, strict=True):
                params.append([processor(row[column]) if processor and row[column] is not None
                               else row[column] for row in write.rows])
    rows = send(connection, sql, tuple(params), fetch=claim is not None)
    return claim is None or bool(rows[0][0])


def _add_row(params: list[Any], row: Row, columns: tuple[str, ...],
             processors: tuple[Any, ...]) -> None:
    for column, processor in zip(columns, processors, strict=True):
        value = row[column]
        params.append(processor(value) if processor and value is not None else value)


def _claim_one(session: Session, claim: Claim) -> bool:
    statement = (upsert_insert(claim.table, postgresql_engine=is_postgresql(session))
                 .values(dict(claim.row)).on_conflict_do_nothing(index_elements=claim.unique))
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _execute_one(session: Session, write: Write) -> None:
    if write.key is None:
        session.execute(insert(write.table), list(write.rows))
        return
    statement = _update_statement(write.table, write.key, tuple(write.rows[0]))
    session.execute(statement, [{f"b_{name}": value for name, value in row.items()}
                                for row in write.rows])


@lru_cache(maxsize=64)
def _update_statement(table: Table, key: str, columns: tuple[str, ...]) -> Any:
    return (update(table).where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in columns if name != key}))


@lru_cache(maxsize=256)
def _processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[Any, ...]:
    return tuple(bind_processor(table.c[name].type, dialect) for name in columns)


@lru_cache(maxsize=256)
def _combined_sql(shapes: tuple[tuple[str, str | None, tuple[str, ...], int], ...],
                  tables: tuple[Table, ...], dialect: Dialect,
                  claimed: _Claimed | None = None) -> str:
    """``WITH w0 AS (...), w1 AS (...) <last>``: PostgreSQL runs every part once, on the
    statement's snapshot; foreign keys are checked at the end of the statement, so a row may
    reference one inserted by an earlier part.

    A few rows go as a VALUES list (typed, for an update); many as one array per column,
    ``unnest``-ed, so the statement's text and its parameter count stay the same whatever the
    number of rows. A few rows are listed because the planner counts them: with arrays it
    cannot, a generic plan then looks dearer than one made for the values at hand, and the
    server planned the statement again on every execution (``pg_prepared_statements`` showed
    no generic plan for a transfer's write).

    With a claim: ``WITH c AS (INSERT ... ON CONFLICT DO NOTHING RETURNING 1), w0 AS (...
    WHERE EXISTS (SELECT FROM c)), ... SELECT count(*) FROM c``. A part that reads ``c`` waits
    for its insert to finish, so no write happens before the claim is known."""
    updated = [table.name for (_name, key, _c, _a), table in zip(shapes, tables, strict=True)
               if key is not None]
    if len(updated) != len(set(updated)):
        # one statement updates a row once: PostgreSQL would silently drop the second update
        raise ValueError(f"two updates of one table in one statement: {updated}")
    quote = dialect.identifier_preparer.quote
    guard = "" if claimed is None else " WHERE EXISTS (SELECT FROM c)"
    parts = []
    # names come from the tables' metadata and values are parameters: nothing from input
    for (_name, key, columns, listed), table in zip(shapes, tables, strict=True):
        names = ", ".join(quote(column) for column in columns)
        types = [_cast_type(table, column, dialect) for column in columns]
        arrays = ", ".join(f"CAST(%s AS {kind}[])" for kind in types)
        typed = "(" + ", ".join(f"CAST(%s AS {kind})" for kind in types) + ")"
        if key is None and listed and not guard:
            one = "(" + ", ".join("%s" for _ in columns) + ")"
            parts.append(f"INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608
                         f"VALUES {', '.join([one] * listed)}")
        elif key is None:
            rows = f"(VALUES {', '.join([typed] * listed)}) AS v" if listed \
                else f"unnest({arrays})"
            parts.append(f"INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608
                         f"SELECT * FROM {rows}{guard}")
        else:
            rows = f"(VALUES {', '.join([typed] * listed)})" if listed else f"unnest({arrays})"
            sets = ", ".join(f"{quote(column)} = v.{quote(column)}" for column in columns
                             if column != key)
            parts.append(f"UPDATE {quote(table.name)} AS t SET {sets} "  # noqa: S608
                         f"FROM {rows} AS v ({names}) "
                         f"WHERE t.{quote(key)} = v.{quote(key)}"
                         + (" AND EXISTS (SELECT FROM c)" if guard else ""))
    if claimed is None:
        head = ", ".join(f"w{number} AS ({part})" for number, part in enumerate(parts[:-1]))
        return numbered(f"WITH {head} {parts[-1]}")
    names = ", ".join(quote(column) for column in claimed.columns)
    values = ", ".join("%s" for _ in claimed.columns)
    unique = ", ".join(quote(column) for column in claimed.unique)
    ctes = [f"c AS (INSERT INTO {quote(claimed.table.name)} ({names}) "  # noqa: S608
            f"VALUES ({values}) ON CONFLICT ({unique}) DO NOTHING RETURNING 1)"]
    ctes += [f"w{number} AS ({part})" for number, part in enumerate(parts)]
    return numbered(f"WITH {', '.join(ctes)} SELECT count(*) FROM c")  # noqa: S608


def _cast_type(table: Table, column: str, dialect: Dialect) -> str:
    """The column's type for a cast, without its length, precision or scale: a value the
    column cannot hold then fails on assignment, as in a plain insert or update, instead of
    being cut or rounded by the cast (``CAST('abcdef' AS VARCHAR(3))`` is ``'abc'``)."""
    compiled = str(table.c[column].type.compile(dialect=dialect))
    return re.sub(r"\([^)]*\)", "", compiled)


# -- leaving writes to the caller ----------------------------------------------------------


@contextmanager
def collecting(session: Session) -> Iterator[list[Write]]:
    """Collect what :func:`write_soon` leaves inside the block; the caller sends it (with
    its own writes) before anything else reads the database. A failure drops it."""
    stack: list[list[Write]] = session.info.setdefault(PENDING, [])
    collected: list[Write] = []
    stack.append(collected)
    try:
        yield collected
    finally:
        stack.remove(collected)


def write_soon(session: Session, writes: Sequence[Write]) -> None:
    """Leave ``writes`` to the innermost :func:`collecting` block, or send them now when
    there is none. Only for an operation's last database work: nothing may read these rows
    before the collector sends them."""
    stack: list[list[Write]] | None = session.info.get(PENDING)
    if stack:
        stack[-1].extend(writes)
    else:
        execute_writes(session, writes)
