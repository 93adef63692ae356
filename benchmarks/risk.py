"""What a risk decision costs, printed as JSON (``--json``; details on stderr).

- ``inprocess_p50_ms`` / ``inprocess_p99_ms``: ``risk.service.assess`` one at a time (checks,
  online features in the in-process store, rules, lists, the decision queued for storage),
  5,000 decisions over 200 customers and 50 payees, on SQLite, after 500 to warm up;
- ``http_decisions_per_s`` / ``http_p99_ms`` / ``http_errors``: ``POST /api/v1/risk/assess``
  against ``contactless serve --workers 2`` (demo mode, PostgreSQL, Redis db 14 of its own,
  emptied first), paced at about ``RATE`` (1,000) decisions/s for 30 s by ``wrk``: 64
  connections, each waiting a random time (mean 64 ms less the usual answer time) before
  its next request, with a Lua script that varies customer, amount and payee. Debian's wrk
  has no fixed-rate mode (wrk2 is not packaged): the rate printed is the one reached, which
  falls below ``RATE`` when the server answers slower;
- ``max_decisions_per_s`` / ``max_p99_ms``: the same without pauses for 15 s, the most the
  server answers and the p99 at that load.

Set ``CONTACTLESS_BENCH_PG`` to the server's admin URL (default: local ``postgres``).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import redis
from loadgen import (
    AUDIT_KEY,
    DATA_KEY,
    SECRET,
    contactless_serve,
    fresh_database,
    log,
    server_env,
    wrk,
)

from contactless.app import install_domains
from contactless.identity import service as identity
from contactless.identity.service import BranchKind, Role
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel
from contactless.platform.store import MemoryStore
from contactless.risk import service as risk
from contactless.settings import Mode, Settings

PASSWORD = "Bench-pass-2026"  # noqa: S105 - a throwaway database's user
REDIS_DB_URL = os.environ.get("CONTACTLESS_BENCH_RISK_REDIS", "redis://127.0.0.1:6379/14")
CUSTOMERS = [str(uuid.UUID(int=index + 1)) for index in range(200)]


def settings_for(home: Path, url: str | None) -> Settings:
    return Settings(mode=Mode.DEMO, home=home, database_url=url, secret_key=SECRET,
                    data_key=DATA_KEY, audit_key=AUDIT_KEY,  # type: ignore[arg-type]
                    argon2_time_cost=1, argon2_memory_kib=1024, log_json=True)


def in_process(home: Path) -> dict[str, float]:
    import contactless.app  # noqa: F401  (every domain's tables)

    kernel = install_domains(build_kernel(settings_for(home, None), store=MemoryStore()))
    Base.metadata.create_all(kernel.db.engine)
    rng = random.Random(1)
    actor = Actor(kind="system", id="bench", channel="api")
    timings: list[float] = []
    with kernel.db.session() as session:
        for index in range(5_500):
            begin = time.perf_counter()
            risk.assess(session, actor, kind="transfer", channel="api",
                        customer_id=uuid.UUID(rng.choice(CUSTOMERS)),
                        amount=Decimal(rng.randint(100, 500_000)) / 100, currency="CNY",
                        payee=f"shop:{rng.randrange(50)}")
            if index >= 500:
                timings.append(time.perf_counter() - begin)
    risk.close(kernel)
    kernel.db.dispose()
    timings.sort()
    return {"inprocess_p50_ms": round(timings[len(timings) // 2] * 1000, 3),
            "inprocess_p99_ms": round(timings[int(len(timings) * 0.99)] * 1000, 3)}


def make_bank(url: str, home: Path) -> None:
    import contactless.app  # noqa: F401

    kernel = build_kernel(settings_for(home, url), store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行",
                               kind=BranchKind.HEAD_OFFICE)
        identity.create_staff(session, SYSTEM, username="risk.system", role=Role.RISK_ANALYST,
                              branch_code="HQ", password=PASSWORD, display_name="风控接口")
    kernel.db.dispose()


RATE = 1_000
PACED_CONNECTIONS = 64
PACED_SECONDS = 30
# each connection waits U(0, 2*pause) ms before a request: PACED_CONNECTIONS / (pause +
# answer time) requests a second in all, RATE when answers take about ANSWER_MS
ANSWER_MS = 3
PAUSE = """
local pause = %d
delay = function()
  return math.random(0, 2 * pause)
end
"""
SCRIPT = """
local customers = {%s}
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"kind":"transfer","channel":"api","customer_id":"%%s","amount":"%%d.%%02d",' ..
    '"currency":"CNY","payee":"shop:%%d"}',
    customers[n %% #customers + 1], (n * 7919) %% 5000 + 1, n %% 100, n %% 50)
  return wrk.format("POST", "/api/v1/risk/assess", nil, body)
end
"""


def over_http(url: str, home: Path) -> dict[str, float]:
    make_bank(url, home)
    redis.Redis.from_url(REDIS_DB_URL).flushdb()  # the benchmark's own db: no earlier windows
    env = dict(server_env(url, home), CONTACTLESS_REDIS_URL=REDIS_DB_URL)
    with contactless_serve(url, home, env=env) as base:
        token = httpx.post(f"{base}/api/v1/auth/token", timeout=30, data={
            "username": "risk.system", "password": PASSWORD}).json()["access_token"]
        listed = ", ".join(f'"{customer}"' for customer in CUSTOMERS)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        most = wrk(base, headers=headers, script=SCRIPT % listed)
        pause = round(PACED_CONNECTIONS * 1000 / RATE) - ANSWER_MS
        paced = wrk(base, headers=headers, script=SCRIPT % listed + PAUSE % pause,
                    seconds=PACED_SECONDS, connections=PACED_CONNECTIONS)
    log(f"POST /api/v1/risk/assess at most: {most.rps:.0f} decisions/s, p99 "
        f"{most.p99_ms:.1f} ms, {most.errors} errors")
    log(f"paced for {RATE}/s: {paced.rps:.0f} decisions/s for {PACED_SECONDS} s, p99 "
        f"{paced.p99_ms:.1f} ms, {paced.errors} errors")
    return {"http_decisions_per_s": round(paced.rps, 1), "http_p99_ms": round(paced.p99_ms, 2),
            "http_errors": paced.errors + most.errors,
            "max_decisions_per_s": round(most.rps, 1), "max_p99_ms": round(most.p99_ms, 2)}


def main() -> None:
    with tempfile.TemporaryDirectory() as home_dir:
        figures = in_process(Path(home_dir) / "embedded")
    log(f"in process: {figures}")
    with tempfile.TemporaryDirectory() as home_dir, fresh_database() as url:
        figures.update(over_http(url, Path(home_dir)))
    print(json.dumps(figures) if "--json" in sys.argv else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
