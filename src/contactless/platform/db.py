"""Database: the declarative base, portable column types, and one transaction per unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    MetaData,
    String,
    TypeDecorator,
    Uuid,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
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
    """A money amount stored exactly as an integer count of 1/100 (fen), read back as Decimal."""

    impl = BigInteger
    cache_ok = True
    scale = 2

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
        return Decimal(int(value)).scaleb(-self.scale).quantize(Decimal(1).scaleb(-self.scale))


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

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url in ("sqlite://", "sqlite:///:memory:"):
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 20
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _serialize_sqlite_writes(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
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

    def dispose(self) -> None:
        self.engine.dispose()


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
