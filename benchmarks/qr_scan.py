"""QR scan speed, printed as JSON on stdout (details on stderr):

- ``scan_p50_ms`` / ``scan_p99_ms``: resolving one scan in-process (verify the link, check the
  code, record the scan and its ``qr.scanned`` event, commit), on PostgreSQL;
- ``http_scans_per_s`` / ``http_p99_ms`` / ``http_errors``: 32 concurrent clients for 20 s
  against ``contactless serve --workers 2`` on PostgreSQL, over loopback;
- ``roster_zip_1000_seconds``: making the personal codes of a 1,000-person roster and their
  ZIP of PNGs;
- ``http_limited_scans_per_s`` / ``http_limited_p99_ms`` / ``http_limited_errors``: the same
  load on codes with a ``max_scans`` limit: each scan first takes a slot on the code's row in a
  transaction of its own, then goes the lean path.

The benchmark's main codes are what ``POST /api/v1/outreach/codes`` makes by default (no
limits), which ``contactless serve`` answers on its lean scan path (docs/outreach.md).

Everything runs in a fresh PostgreSQL database that is dropped at the end. Set
``CONTACTLESS_BENCH_PG`` to the server's admin URL (default: local ``postgres``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import psycopg

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.models import BranchKind, Role
from contactless.outreach import service as outreach
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

ADMIN_URL = os.environ.get("CONTACTLESS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-" + "0123456789abcdef" * 3
DATA_KEY = "bench-data-key-" + "fedcba9876543210" * 3
IN_PROCESS_SCANS = 3000
WARM_UP = 300
CLIENTS = 32
LOAD_SECONDS = 20.0
ROSTER = 1000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"contactless_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(url: str, home: Path) -> Settings:
    return Settings(mode=Mode.PRODUCTION, home=home, database_url=url,
                    secret_key=SECRET, data_key=DATA_KEY,  # type: ignore[arg-type]
                    argon2_time_cost=1, argon2_memory_kib=1024, log_json=True)


def make_bank(kernel: Kernel) -> tuple[Actor, list[str], list[str]]:
    """A head office, a sub-branch, an RM, 50 default codes and 50 with a scan limit; returns
    the RM and the two lists of tokens."""
    import contactless.app  # noqa: F401  (every domain's tables)

    Base.metadata.create_all(kernel.db.engine)
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行",
                               kind=BranchKind.HEAD_OFFICE)
        identity.create_branch(session, SYSTEM, code="HZ", name="杭州分行",
                               kind=BranchKind.BRANCH, parent_code="HQ")
        identity.create_branch(session, SYSTEM, code="HZ-XH", name="西湖支行",
                               kind=BranchKind.SUB_BRANCH, parent_code="HZ")
        identity.create_staff(session, SYSTEM, username="rm.bench", role=Role.RM,
                              branch_code="HZ-XH", password="Bench-pass-2026",  # noqa: S106
                              display_name="王经理")
    with kernel.db.session() as session:
        staff = identity.staff_by_username(session, username="rm.bench")
        rm = Actor(kind="staff", id=str(staff.id), role="rm", branch_path="/HQ/HZ/HZ-XH/",
                   display="王经理")
        codes = [outreach.create_code(session, rm, purpose="deposit_renewal", channel="chat",
                                      params={"product": "CD-1Y"}) for _ in range(50)]
        limited = [outreach.create_code(session, rm, purpose="deposit_renewal", channel="poster",
                                        params={"product": "CD-1Y"}, max_scans=10_000_000)
                   for _ in range(50)]
    return (rm, [c.path.removeprefix("/q/") for c in codes],
            [c.path.removeprefix("/q/") for c in limited])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def in_process(kernel: Kernel, tokens: list[str]) -> tuple[float, float]:
    timings: list[float] = []
    for number in range(WARM_UP + IN_PROCESS_SCANS):
        token = tokens[number % len(tokens)]
        started = time.perf_counter()
        with kernel.db.session() as session:
            outcome = outreach.resolve_scan(session, token=token,
                                            device_id=f"bench-{number:012d}",
                                            user_agent="bench", ip="127.0.0.1")
        elapsed = (time.perf_counter() - started) * 1000
        if outcome.result != "accepted":
            raise RuntimeError(f"scan was {outcome.result}")
        if number >= WARM_UP:
            timings.append(elapsed)
    return statistics.median(timings), percentile(timings, 0.99)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, home: Path) -> Iterator[str]:
    """``contactless serve --workers 2`` on the benchmark database, stopped afterwards."""
    port = free_port()
    env = dict(os.environ, CONTACTLESS_DATABASE_URL=url, CONTACTLESS_HOME=str(home),
               CONTACTLESS_MODE="production", CONTACTLESS_SECRET_KEY=SECRET,
               CONTACTLESS_DATA_KEY=DATA_KEY, CONTACTLESS_LOG_JSON="true")
    env.pop("CONTACTLESS_REDIS_URL", None)
    command = [str(Path(sys.executable).with_name("contactless")), "serve", "--host",
               "127.0.0.1", "--port", str(port), "--workers", "2", "--no-migrate"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("contactless serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


async def load(base: str, tokens: list[str]) -> tuple[int, list[float], int, float]:
    """(requests, latencies in ms, errors, seconds) of 32 clients scanning for 20 s."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + LOAD_SECONDS
    connector = aiohttp.TCPConnector(limit=CLIENTS, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as client:
        for token in tokens[:5]:  # warm both workers' connections
            async with client.get(f"{base}/q/{token}", allow_redirects=False) as response:
                await response.read()

        async def one_client(offset: int) -> None:
            nonlocal errors
            number = offset
            while time.perf_counter() < stop_at:
                token = tokens[number % len(tokens)]
                number += CLIENTS
                started = time.perf_counter()
                try:
                    async with client.get(f"{base}/q/{token}",
                                          allow_redirects=False) as response:
                        await response.read()
                        ok = response.status == 303
                except (TimeoutError, aiohttp.ClientError):
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                if not ok:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
        seconds = time.perf_counter() - began
    return len(latencies), latencies, errors, seconds


def roster_zip(kernel: Kernel, rm: Actor) -> float:
    with kernel.db.session() as session:
        enterprise = customers.create_enterprise(
            session, SYSTEM, name="基准测试科技有限公司", credit_code="91330106MA2GL0QX1A",
            rm_id=uuid.UUID(rm.id), contact_name="周联系", contact_mobile="13700000000")
        code = outreach.create_code(session, rm, purpose="payroll_card_group", channel="poster",
                                    enterprise_id=enterprise.id, roster_restricted=True)
        rows = "\n".join(f"员工{chr(0x4E00 + n % 2000)}{chr(0x4E00 + n // 7)},"
                         f"139{n:08d}," for n in range(ROSTER))
        report = outreach.upload_roster(session, rm, code_id=code.id, content=rows.encode())
        if report.added != ROSTER:
            raise RuntimeError(f"roster: {report.errors[:3]}")
    started = time.perf_counter()
    with kernel.db.session() as session:
        archive = outreach.roster_zip(session, rm, code_id=code.id,
                                      base_url="https://bank.example")
    seconds = time.perf_counter() - started
    log(f"roster ZIP: {len(archive) / 1e6:.1f} MB for {ROSTER} codes")
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as home_dir, fresh_database() as url:
        home = Path(home_dir)
        kernel = build_kernel(settings_for(url, home), store=MemoryStore())
        rm, tokens, limited = make_bank(kernel)
        p50, p99 = in_process(kernel, tokens)
        log(f"in-process: {IN_PROCESS_SCANS} scans, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        zip_seconds = roster_zip(kernel, rm)
        kernel.db.dispose()
        with server(url, home) as base:
            requests, latencies, errors, seconds = asyncio.run(load(base, tokens))
            log(f"http: {requests} requests in {seconds:.1f} s, {errors} errors, "
                f"p50 {statistics.median(latencies):.1f} ms")
            limited_run = asyncio.run(load(base, limited))
            log(f"http, limited codes: {limited_run[0]} requests in {limited_run[3]:.1f} s, "
                f"{limited_run[2]} errors, p50 {statistics.median(limited_run[1]):.1f} ms")
    print(json.dumps({
        "scan_p50_ms": round(p50, 3),
        "scan_p99_ms": round(p99, 3),
        "http_scans_per_s": round(requests / seconds, 1),
        "http_p99_ms": round(percentile(latencies, 0.99), 2),
        "http_errors": errors,
        "roster_zip_1000_seconds": round(zip_seconds, 2),
        "http_limited_scans_per_s": round(limited_run[0] / limited_run[3], 1),
        "http_limited_p99_ms": round(percentile(limited_run[1], 0.99), 2),
        "http_limited_errors": limited_run[2],
    }))


if __name__ == "__main__":
    main()
