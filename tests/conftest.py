"""Shared fixtures: a kernel on SQLite and on the real PostgreSQL (and Redis) of this machine."""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import text

from contactless.app import create_app, install_domains
from contactless.events import service as events_service
from contactless.platform.db import Base, Database
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore, RedisStore
from contactless.risk import service as risk_service
from contactless.settings import Mode, Settings

PG_ADMIN_URL = os.environ.get("CONTACTLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CONTACTLESS_TEST_REDIS", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
TEST_DATA_KEY = "test-data-key-0123456789abcdef0123456789ab"
TEST_AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789a"


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
        audit_key=TEST_AUDIT_KEY,  # type: ignore[arg-type]
        audit_seal_seconds=0,  # tests seal when they mean to (writers sealing: test_audit.py)
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


def _truncate_postgres(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class SteppedClock:
    """Monotonic seconds a test moves on (:meth:`advance`): the in-process store's clock, so a
    lifetime (a one-time code, a rate-limit window, an idle session) ends without a sleep."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def let_seconds_pass(kernel: Kernel, seconds: float) -> None:
    """Let ``seconds`` pass for what the store keeps: the in-process store's clock is moved
    on; Redis counts lifetimes on its own server clock, so there the test waits for real."""
    if isinstance(kernel.store, MemoryStore) and isinstance(kernel.store.monotonic, SteppedClock):
        kernel.store.monotonic.advance(seconds)
    else:
        time.sleep(seconds)


@pytest.fixture
def sqlite_kernel(tmp_path: Path) -> Iterator[Kernel]:
    """A kernel on a fresh SQLite file with the in-process store (on a stepped clock)."""
    _import_all_models()
    kernel = install_domains(build_kernel(make_settings(tmp_path),
                                          store=MemoryStore(monotonic=SteppedClock())))
    Base.metadata.create_all(kernel.db.engine)
    yield kernel
    risk_service.close(kernel)
    events_service.close(kernel)
    kernel.db.dispose()


@pytest.fixture
def pg_kernel(tmp_path: Path, pg_database_url: str) -> Iterator[Kernel]:
    """A kernel on the real PostgreSQL and Redis; tables emptied after the test."""
    store = RedisStore(REDIS_URL, prefix=f"t{uuid.uuid4().hex[:8]}:")
    kernel = install_domains(build_kernel(make_settings(tmp_path, pg_database_url, REDIS_URL),
                                          store=store))
    yield kernel
    risk_service.close(kernel)
    events_service.close(kernel)
    _truncate_postgres(kernel.db)
    kernel.db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def kernel(request: pytest.FixtureRequest) -> Kernel:
    """The same test on both columns of the design: embedded and at scale."""
    name = "sqlite_kernel" if request.param == "sqlite" else "pg_kernel"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


# ---- web: a test client, a live server and Chromium (one per test process) ----------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def client(kernel: Kernel) -> Iterator[TestClient]:
    with TestClient(create_app(kernel=kernel), base_url="http://testserver",
                    follow_redirects=False) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(sqlite_kernel: Kernel) -> Iterator[str]:
    """The real app served by uvicorn on a free loopback port."""
    port = _free_port()
    config = uvicorn.Config(create_app(kernel=sqlite_kernel), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


_shared: dict[str, Any] = {}


def _close_shared() -> None:
    if "browser" in _shared:
        _shared.pop("browser").close()
        _shared.pop("playwright").stop()


def shared_browser() -> Browser:
    """One Chromium per test process: Playwright's sync API allows one instance per thread."""
    if "browser" not in _shared:
        if not Path(CHROMIUM).exists():
            pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(executable_path=CHROMIUM,
                                                        args=CHROMIUM_ARGS)
        atexit.register(_close_shared)
    browser: Browser = _shared["browser"]
    return browser


@pytest.fixture(scope="session")
def browser() -> Browser:
    return shared_browser()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
