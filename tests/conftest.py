"""Shared fixtures: a kernel on SQLite and on the real PostgreSQL (and Redis) of this machine."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from contactless.platform.db import Base, Database
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore, RedisStore
from contactless.settings import Mode, Settings

PG_ADMIN_URL = os.environ.get("CONTACTLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CONTACTLESS_TEST_REDIS", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
TEST_DATA_KEY = "test-data-key-0123456789abcdef0123456789ab"


def _import_all_models() -> None:
    import contactless.app  # noqa: F401  (imports every domain's models)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    name = f"contactless_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    _import_all_models()
    database = Database(url)
    Base.metadata.create_all(database.engine)
    database.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(home: Path, database_url: str | None = None, redis_url: str | None = None,
                  ) -> Settings:
    return Settings(
        mode=Mode.TEST,
        home=home,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        data_key=TEST_DATA_KEY,  # type: ignore[arg-type]
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


def _truncate_postgres(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_kernel(tmp_path: Path) -> Iterator[Kernel]:
    """A kernel on a fresh SQLite file with the in-process store."""
    _import_all_models()
    kernel = build_kernel(make_settings(tmp_path), store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    yield kernel
    kernel.db.dispose()


@pytest.fixture
def pg_kernel(tmp_path: Path, pg_database_url: str) -> Iterator[Kernel]:
    """A kernel on the real PostgreSQL and Redis; tables emptied after the test."""
    store = RedisStore(REDIS_URL, prefix=f"t{uuid.uuid4().hex[:8]}:")
    kernel = build_kernel(make_settings(tmp_path, pg_database_url, REDIS_URL), store=store)
    yield kernel
    _truncate_postgres(kernel.db)
    kernel.db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def kernel(request: pytest.FixtureRequest) -> Kernel:
    """The same test on both columns of the design: embedded and at scale."""
    name = "sqlite_kernel" if request.param == "sqlite" else "pg_kernel"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
