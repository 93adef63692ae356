"""Database: the declarative base, portable column types, and one transaction per unit of work."""

from __future__ import annotations

import select
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    DateTime,
    Dialect,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from contactless.platform import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return clock.now()


# -- the engines' differences: asked here, so no domain reads a dialect's name -----------------


def is_postgresql(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks, advisory locks, one-statement
    batches); the other engine is SQLite, which serializes writers instead."""
    return session.get_bind().dialect.name == "postgresql"


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def upsert_insert(table: Any, *, postgresql_engine: bool) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that takes ``on_conflict_do_nothing`` / ``on_conflict_do_update``, in the
    engine's own form (``postgresql_engine`` from :func:`is_postgresql`, so a caller that
    caches the statement keys it by that)."""
    return (postgresql.insert if postgresql_engine else sqlite.insert)(table)


def on_postgresql_create(table: Table, *statements: str) -> None:
    """Run ``statements`` after ``table`` is created, on PostgreSQL only (triggers)."""
    for statement in statements:
        event.listen(table, "after_create",
                     DDL(statement).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]


def length_of(column: Any) -> int:
    """A text column's length (``length_of(StaffUser.username)`` is 64), so an API's
    ``max_length`` is the column's and not a second number to keep in step."""
    length = getattr(column.property.columns[0].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no length")
    return length


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class MinorUnits(TypeDecorator[Decimal]):
    """A money amount stored exactly as an integer count of 1/100 (fen), read back as Decimal.

    The scale is the books' and not a currency's: it holds every currency of
    ``platform.money.CURRENCY_EXPONENTS`` (a test checks none has more decimals), and it never
    follows that table, since the integers already stored would change their meaning."""

    impl = BigInteger
    cache_ok = True
    scale = 2
    unit = Decimal(1).scaleb(-scale)

    @classmethod
    def holds(cls, value: Decimal) -> bool:
        """Whether ``value`` is stored exactly (no more decimals than the scale)."""
        return value == value.quantize(cls.unit)

    @classmethod
    def from_stored(cls, value: int) -> Decimal:
        """A stored integer (a column's value, or a SUM of it in SQL) as the amount it counts."""
        return Decimal(int(value)) * cls.unit

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float")
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(self.unit)


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal (rates, units, NAV) kept as text so no engine rounds it."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("exact decimals are never floats")
        return str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


AfterCommit = Callable[[], None]


class Database:
    """Owns the engine and hands out sessions; built by ``create_app`` or the CLI, never at
    import time."""

    pool_size = 20  # connections kept open (PostgreSQL); a web process runs as many threads

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url in ("sqlite://", "sqlite:///:memory:"):
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = self.pool_size
            kwargs["max_overflow"] = 10
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _serialize_sqlite_writes(self.engine)
        else:
            _check_on_checkout(self.engine)
        _track_holdings(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        # PostgreSQL: statements of a reading session run outside any transaction
        self._readmaker = self.sessionmaker if self.dialect == "sqlite" else sessionmaker(
            bind=self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False)
        self._after_commit_hooks: list[Callable[[Session], AfterCommit | None]] = []
        self.kernel: Any = None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def on_commit(self, hook: Callable[[Session], AfterCommit | None]) -> None:
        """Register a hook that looks at a session before commit and may return work for after."""
        self._after_commit_hooks.append(hook)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on error, then run after-commit work."""
        session = self.sessionmaker()
        session.info["kernel"] = self.kernel
        try:
            yield session
            session.flush()
            pending = [hook(session) for hook in self._after_commit_hooks]
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        for work in pending:
            if work is not None:
                work()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for a few reads that need no snapshot in common (the sign-in check of a
        request): on PostgreSQL each runs on its own, outside a transaction, so a read costs
        one round trip instead of three (BEGIN, the read, COMMIT). It writes nothing: what
        it would write is not kept together, so writes belong in :meth:`session`."""
        session = self._readmaker()
        session.info["kernel"] = self.kernel
        try:
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a reading session writes nothing: use Database.session")
        finally:
            session.close()

    @contextmanager
    def try_advisory_lock(self, key: int) -> Iterator[bool]:
        """Whether this process got PostgreSQL's session advisory lock ``key`` (held on a
        connection of its own while the block runs; another process holding it: False at
        once). For work that one process at a time does across machines."""
        with self.engine.connect() as connection:
            got = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                         {"key": key}))
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()


# -- what a transaction holds ---------------------------------------------------------------

HOLDS = "contactless.holds"
_HOLDING = ("FOR ", "advisory", "_lock")


def _track_holdings(engine: Engine) -> None:
    """Mark a connection's transaction as holding something from its first write or lock on
    (anything but a plain SELECT), so :func:`holds_nothing` can tell."""

    @event.listens_for(engine, "begin")
    def _begun(connection: Any) -> None:
        connection.info[HOLDS] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(HOLDS) is False and (
                not statement.startswith("SELECT")
                or any(word in statement for word in _HOLDING)):
            connection.info[HOLDS] = True


def holds_nothing(session: Session) -> bool:
    """Whether the session's transaction has written, locked and queued nothing so far (only
    plain reads), so rolling all of it back loses nothing but those reads: a unit of work may
    then skip its savepoint and roll the transaction back on failure instead. False whenever
    it cannot tell (a savepoint is open, or the engine is not a :class:`Database`'s)."""
    if session.new or session.dirty or session.deleted:
        return False
    if not session.in_transaction():
        return True
    if session.in_nested_transaction():
        return False
    return session.connection().info.get(HOLDS) is False


def _check_on_checkout(engine: Engine) -> None:
    """A pooled connection the server has closed (restart, idle timeout, a terminated
    backend) is swapped for a fresh one at checkout, before anything is sent on it, without
    a round trip: the server's last words (or the end of the stream) make an idle
    connection's socket readable. This replaces ``pool_pre_ping``'s ``SELECT 1`` per
    checkout. A connection that dies unannounced fails its request, and SQLAlchemy then
    recycles the pool's connections."""

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not connection_alive(dbapi_connection):
            raise DisconnectionError("the server closed this connection")


def connection_alive(dbapi_connection: Any) -> bool:
    """An idle psycopg connection is alive unless it is closed, broken, or its socket has
    something to read (nothing is due on an idle connection)."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return False
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return True
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
    except Exception:  # no socket any more (the driver raises its own error)
        return False


def _serialize_sqlite_writes(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception:  # noqa: S110 - in-memory databases have no WAL
            pass
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
