"""Audit writes under contention, printed as JSON on stdout (details on stderr):

- ``rows_per_s`` / ``p50_ms`` / ``p99_ms``: THREADS threads (default 8) each appending audit
  entries, one per transaction (``audit.record`` and the commit), for SECONDS seconds on
  PostgreSQL;
- ``seal_seconds`` / ``verify_seconds``: sealing everything written, then ``audit verify``
  over it, when this version of the platform has a sealer.

Runs in a fresh PostgreSQL database that is dropped at the end (``CONTACTLESS_BENCH_PG`` is the
server's admin URL). ``THREADS`` and ``SECONDS`` may be given as arguments.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from loadgen import AUDIT_KEY, DATA_KEY, SECRET, fresh_database, log

from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

ACTOR = Actor(kind="staff", id="bench", channel="console")


def writer(kernel: Kernel, until: float, latencies: list[float]) -> None:
    n = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        with kernel.db.session() as session:
            audit.record(session, ACTOR, action="bench.wrote", target_type="thing",
                         target_id=n, after={"n": n})
        latencies.append(time.perf_counter() - started)
        n += 1


def run(threads: int, seconds: float) -> dict[str, object]:
    import contactless.app  # noqa: F401  (every domain's tables)

    with fresh_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(mode=Mode.TEST, home=Path(home), database_url=url,
                            secret_key=SECRET, data_key=DATA_KEY,  # type: ignore[arg-type]
                            audit_key=AUDIT_KEY, audit_seal_seconds=0)
        kernel = build_kernel(settings, store=MemoryStore())
        Base.metadata.create_all(kernel.db.engine)
        per_thread: list[list[float]] = [[] for _ in range(threads)]
        until = time.perf_counter() + seconds
        workers = [threading.Thread(target=writer, args=(kernel, until, per_thread[i]))
                   for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        latencies = sorted(x for part in per_thread for x in part)
        result: dict[str, object] = {
            "threads": threads, "seconds": seconds, "rows": len(latencies),
            "rows_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        }
        result.update(seal_and_verify(kernel))
        kernel.db.dispose()
        return result


def seal_and_verify(kernel: Kernel) -> dict[str, object]:
    try:
        from contactless.platform import audit_seal, audit_verify
    except ImportError:
        log("this version has no sealer")
        return {}
    started = time.perf_counter()
    audit_seal.seal_all(kernel)
    sealed = time.perf_counter()
    with kernel.db.session() as session:
        report = audit_verify.verify(session, kernel.settings)
    log(f"verify: {report}")
    return {"seal_seconds": round(sealed - started, 3),
            "verify_seconds": round(time.perf_counter() - sealed, 3), "verified": report.ok}


if __name__ == "__main__":
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print(json.dumps(run(threads, seconds)))
