"""QR scan speed, printed as JSON on stdout (details on stderr):

- ``scan_p50_ms`` / ``scan_p99_ms``: resolving one scan in-process (verify the link, check the
  code, record the scan and its ``qr.scanned`` event, commit), on PostgreSQL;
- ``http_scans_per_s`` / ``http_p99_ms`` / ``http_errors``: ``wrk`` (2 threads, 64
  connections, 15 s, the codes in turn) against ``contactless serve --workers 2`` on
  PostgreSQL, over loopback;
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

import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from loadgen import AUDIT_KEY, DATA_KEY, SECRET, contactless_serve, fresh_database, log, wrk

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.service import BranchKind, Role
from contactless.outreach import service as outreach
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

IN_PROCESS_SCANS = 3000
WARM_UP = 300
ROSTER = 1000


def settings_for(url: str, home: Path) -> Settings:
    return Settings(mode=Mode.DEMO, home=home, database_url=url,
                    secret_key=SECRET, data_key=DATA_KEY, audit_key=AUDIT_KEY,  # type: ignore[arg-type]
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
        with contactless_serve(url, home) as base:
            plain = wrk(f"{base}/q/{tokens[0]}", paths=[f"/q/{t}" for t in tokens])
            log(f"http: {plain.requests} requests, {plain.rps:.0f}/s, {plain.errors} errors, "
                f"p99 {plain.p99_ms:.1f} ms")
            capped = wrk(f"{base}/q/{limited[0]}", paths=[f"/q/{t}" for t in limited])
            log(f"http, limited codes: {capped.requests} requests, {capped.rps:.0f}/s, "
                f"{capped.errors} errors, p99 {capped.p99_ms:.1f} ms")
    print(json.dumps({
        "scan_p50_ms": round(p50, 3),
        "scan_p99_ms": round(p99, 3),
        "http_scans_per_s": round(plain.rps, 1),
        "http_p99_ms": round(plain.p99_ms, 2),
        "http_errors": plain.errors,
        "roster_zip_1000_seconds": round(zip_seconds, 2),
        "http_limited_scans_per_s": round(capped.rps, 1),
        "http_limited_p99_ms": round(capped.p99_ms, 2),
        "http_limited_errors": capped.errors,
    }))


if __name__ == "__main__":
    main()
