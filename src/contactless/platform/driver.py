"""Hot statements sent straight to the database driver on PostgreSQL.

SQLAlchemy's execution path (the statement's cache key, the compiled-cache look-up, an
execution context, a result object over the cursor's description) costs about a tenth of a
millisecond of Python per statement (py-spy): more than the driver itself, and on the hot
path of a transfer (four statements) a quarter of its Python. :class:`Prepared` compiles a Core
statement once per dialect (and per length of each expanding list), keeps its bind and result
processors, and sends it on the session's own DBAPI connection, inside the session's
transaction: the
statement is what SQLAlchemy would send, the values are processed as SQLAlchemy would process
them, the rows come back as tuples with the columns' result processors applied. Engine
listeners still see each statement (``before_cursor_execute``: what a transaction holds, the
benchmarks' and tests' statement counts); a driver error is raised as SQLAlchemy's
``DBAPIError`` subclass, and a lost connection is invalidated as SQLAlchemy would do (the
``after_cursor_execute`` and ``handle_error`` events are not fired: nothing here listens to them).

Elsewhere (SQLite, the embedded default) a statement runs through ``Session.execute``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeEngine

from contactless.platform.db import is_postgresql

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement compiled for one dialect: its text (PostgreSQL's own ``$1`` placeholders),
    where each driver parameter's value comes from, in order (a parameter's name, and a
    position in it when expanded from a list) with its bind processor, and the result
    processors of the columns that have one."""

    sql: str
    binds: tuple[tuple[str, int | None, Processor | None], ...]
    results: tuple[tuple[int, Processor], ...]


class Prepared:
    """A Core statement for the hot path, sent straight to the driver on PostgreSQL.

    ``expanding`` names the statement's expanding parameters (``in_(bindparam(name,
    expanding=True))``): the text depends on their lengths, so a form is kept per length.
    """

    def __init__(self, statement: Executable, *, expanding: Sequence[str] = ()) -> None:
        self.statement: Any = statement  # a Core select or DML statement
        self.expanding = tuple(expanding)
        # a query's columns, or a write's RETURNING columns (none: it returns no rows)
        self.columns = tuple(getattr(statement, "exported_columns", ()))
        self.returns_rows = bool(self.columns)
        self._forms: dict[tuple[Any, ...], _Form] = {}

    def rows(self, session: Session, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The statement's rows (tuples; empty for a statement that returns none)."""
        connection = transaction_connection(session)
        if connection is None:
            result = session.execute(self.statement, dict(params))
            return result.all() if self.returns_rows else ()
        dialect = connection.dialect
        lengths = tuple(len(params[name]) for name in self.expanding)
        form = self._forms.get((dialect, lengths))
        if form is None:
            form = self._forms[(dialect, lengths)] = self._compile(dialect, params)
        values = []
        for name, position, processor in form.binds:
            value = params[name] if position is None else params[name][position]
            values.append(processor(value) if processor and value is not None else value)
        rows = send(connection, form.sql, values, fetch=self.returns_rows)
        if form.results and rows:
            rows = [_processed(row, form.results) for row in rows]
        return rows

    def first(self, session: Session, params: Mapping[str, Any]) -> Sequence[Any] | None:
        found = self.rows(session, params)
        return found[0] if found else None

    def _compile(self, dialect: Dialect, params: Mapping[str, Any]) -> _Form:
        example = {name: list(params[name]) for name in self.expanding}
        statement = self.statement.params(example) if example else self.statement
        compiled: Any = statement.compile(dialect=dialect,
                                          compile_kwargs={"render_postcompile": True})
        binds: list[tuple[str, str, int | None, Processor | None]] = []
        for driver_name, bind in compiled.binds.items():
            processor = bind_processor(bind.type, dialect)
            if bind.key in self.expanding:  # one parameter per element (its elements' type)
                binds.extend((f"{bind.key}_{position + 1}", bind.key, position, processor)
                             for position in range(len(params[bind.key])))
            else:
                binds.append((driver_name, bind.key, None, processor))
        results = tuple(
            (index, processor) for index, column in enumerate(self.columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(
                dialect, None)) is not None)
        numbers = {driver_name: number for number, (driver_name, *_rest)
                   in enumerate(binds, start=1)}
        sql = _PYFORMAT.sub(lambda found: f"${numbers[found.group(1)]}", compiled.string)
        return _Form(sql.replace("%%", "%"), tuple(bind[1:] for bind in binds), results)


CONNECTION = "driver.connection"


def transaction_key(session: Session) -> tuple[object, object]:
    """What names the session's current transaction and savepoint: equal keys, same unit."""
    return session.get_transaction(), session.get_nested_transaction()


def transaction_connection(session: Session) -> Connection | None:
    """The connection of the session's transaction on PostgreSQL (None on another engine),
    beginning the transaction if none is open: ``Session.connection()`` once per transaction
    and savepoint (asking for the connection is what makes a savepoint begun with
    ``begin_nested`` send its SAVEPOINT), then kept with them."""
    current = transaction_key(session)
    kept = session.info.get(CONNECTION)
    if current[0] is not None and kept is not None and kept[0] == current \
            and not kept[1].closed and not kept[1].invalidated:
        same: Connection = kept[1]
        return same
    if not is_postgresql(session):
        return None
    connection: Connection = session.connection()
    session.info[CONNECTION] = (transaction_key(session), connection)
    return connection


def bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """What SQLAlchemy does to a value of this type before the driver gets it (None: nothing)."""
    processor: Processor | None = kind.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _processed(row: Sequence[Any], results: tuple[tuple[int, Processor], ...]) -> tuple[Any, ...]:
    out = list(row)
    for index, processor in results:
        out[index] = processor(out[index])
    return tuple(out)


_PYFORMAT = re.compile(r"%\(([^)]+)\)s")


def numbered(sql: str) -> str:
    """``sql`` written with ``%s`` placeholders (and ``%%`` for a percent sign) in
    PostgreSQL's own form: ``$1``, ``$2``, ... in order, for :func:`send`."""
    parts = sql.split("%%")
    count = 0

    def number(_found: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return "%".join(re.sub(r"%s", number, part) for part in parts)


def send(connection: Connection, sql: str, values: Sequence[Any], *,
         fetch: bool = False) -> list[Any]:
    """Send ``sql`` (``$1`` placeholders, see :func:`numbered`) with ``values`` on
    ``connection``'s DBAPI connection (inside its transaction), telling the engine's
    ``before_cursor_execute`` listeners first; its rows when ``fetch``.

    The driver's raw cursor takes the text as it is: psycopg's usual cursor parses a
    statement's ``%s`` placeholders on every execution and keeps the parsing only for
    statements of up to 50 parameters (a request's tail has more), which cost a tenth of a
    millisecond each time."""
    dbapi_connection: Any = connection.connection.driver_connection
    cursor: Any = psycopg.RawCursor(dbapi_connection)
    connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
    try:
        cursor.execute(sql, values)
        return cursor.fetchall() if fetch else []
    except connection.dialect.loaded_dbapi.Error as error:
        invalidated = connection.dialect.is_disconnect(error, dbapi_connection, cursor)
        wrapped = exc.DBAPIError.instance(
            sql, values, error, connection.dialect.loaded_dbapi.Error,
            connection_invalidated=invalidated, dialect=connection.dialect)
        if invalidated:
            connection.invalidate(error)
        raise wrapped from error
    finally:
        cursor.close()
