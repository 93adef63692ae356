"""What the web stack costs per request, printed as JSON (``--json``; details on stderr).

In one run, on PostgreSQL: ``contactless serve --workers 2`` and a bare Starlette app
(``benchmarks/bare_app.py``) under uvicorn with the same settings, each driven by ``wrk``
(2 threads, 64 connections, 15 s):

- ``bare_rps``: the bare app's ``/healthz``; ``healthz_rps`` the full stack's ``/healthz``
  (which runs ``SELECT 1``), and ``healthz_ratio`` the one over the other;
- ``me_rps`` / ``me_p99_ms``: ``GET /api/v1/me`` with a staff bearer token;
- ``scan_rps`` / ``scan_p99_ms``: ``GET /q/{token}`` of simple codes (no limits), the lean
  scan path;
- ``errors``: socket errors and answers that are neither 2xx nor 3xx, over all runs.

Set ``CONTACTLESS_BENCH_PG`` to the server's admin URL (default: local ``postgres``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import httpx
from loadgen import (
    AUDIT_KEY,
    DATA_KEY,
    SECRET,
    contactless_serve,
    free_port,
    fresh_database,
    log,
    running,
    server_env,
    wrk,
)

from contactless.identity import service as identity
from contactless.identity.service import BranchKind, Role
from contactless.outreach import service as outreach
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

PASSWORD = "Bench-pass-2026"  # noqa: S105 - a throwaway database's user


def make_bank(url: str, home: Path) -> list[str]:
    """A branch tree, an RM with a password, and 20 simple codes; returns the codes' paths."""
    import contactless.app  # noqa: F401  (every domain's tables)

    settings = Settings(mode=Mode.DEMO, home=home, database_url=url, secret_key=SECRET,
                        data_key=DATA_KEY, audit_key=AUDIT_KEY,  # type: ignore[arg-type]
                        argon2_time_cost=1, argon2_memory_kib=1024, log_json=True)
    kernel = build_kernel(settings, store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行",
                               kind=BranchKind.HEAD_OFFICE)
        identity.create_branch(session, SYSTEM, code="HZ", name="杭州分行",
                               kind=BranchKind.BRANCH, parent_code="HQ")
        identity.create_staff(session, SYSTEM, username="rm.bench", role=Role.RM,
                              branch_code="HZ", password=PASSWORD, display_name="王经理")
    with kernel.db.session() as session:
        staff = identity.staff_by_username(session, username="rm.bench")
        rm = Actor(kind="staff", id=str(staff.id), role="rm", branch_path="/HQ/HZ/",
                   display="王经理")
        codes = [outreach.create_code(session, rm, purpose="deposit_renewal", channel="chat",
                                      params={"product": "CD-1Y"}) for _ in range(20)]
    kernel.db.dispose()
    return [code.path for code in codes]


def staff_token(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token", timeout=30,
                          data={"username": "rm.bench", "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


def bare_rps(url: str, home: Path) -> float:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent),
               "bare_app:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
               "--log-level", "warning", "--no-access-log"]
    with running(command, port, server_env(url, home)) as base:
        result = wrk(f"{base}/healthz")
    log(f"bare /healthz: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms, "
        f"{result.errors} errors")
    if result.errors:
        raise RuntimeError("the bare app answered with errors")
    return result.rps


def main() -> None:
    with tempfile.TemporaryDirectory() as home_dir, fresh_database() as url:
        home = Path(home_dir)
        paths = make_bank(url, home)
        bare = bare_rps(url, home)
        with contactless_serve(url, home) as base:
            token = staff_token(base)
            healthz = wrk(f"{base}/healthz")
            me = wrk(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            scan = wrk(f"{base}{paths[0]}", paths=paths)
        for name, result in (("/healthz", healthz), ("/api/v1/me", me), ("/q/{token}", scan)):
            log(f"{name}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms, "
                f"{result.errors} errors")
    figures = {
        "bare_rps": round(bare, 1),
        "healthz_rps": round(healthz.rps, 1),
        "healthz_ratio": round(healthz.rps / bare, 3),
        "me_rps": round(me.rps, 1),
        "me_p99_ms": round(me.p99_ms, 2),
        "scan_rps": round(scan.rps, 1),
        "scan_p99_ms": round(scan.p99_ms, 2),
        "errors": healthz.errors + me.errors + scan.errors,
    }
    print(json.dumps(figures) if "--json" in sys.argv else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
