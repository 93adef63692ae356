"""Behaviour-event ingest, printed as JSON (``--json``; details on stderr).

    python benchmarks/events.py --events 1000000 --json

- ``service_events_per_s``: ``events.ingest_body`` (decode and validate each event against the
  registry, dedupe by id, one durable append with fsync per batch of 1,000), from 4 threads
  as the API's worker threads call it, after the start-up heap is settled as the server
  settles it (``settle_start_up_heap``); the bodies are encoded before the clock starts;
- ``raw_parquet_events_per_s``: the same bodies parsed by pyarrow's JSON reader and written
  straight to one Parquet file (zstd), no checks: the limit; ``service_to_raw_ratio`` the
  one over the other;
- ``http_events_per_s``: ``POST /api/v1/events`` with batches of 500 (each request's ids
  new, made by wrk's Lua script) against ``contactless serve --workers 2`` on PostgreSQL;
  ``http_errors`` its socket errors and non-2xx answers;
- ``compaction_events_per_s``: moving the service run's log into the lake;
- ``segment_seconds``: a 3-condition segment (viewed time deposits 3 times in 30 days, did
  not open the app in 7 days, searched in 90 days) compiled as ``events.segment_members`` does
  over a lake of ``--segment-events`` (10,000,000) events of 200,000 customers over 90 days,
  written for it with pyarrow, a fifth of them sent before sign-in from a device linked to
  its customer since (each counted for the customer, through ``event_aliases``, by both
  queries); ``handwritten_seconds`` the same question written by hand in
  DuckDB (literal values), in the same run (best of 3 each, the members checked equal);
  ``segment_ratio`` the one over the other.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.json as pa_json
import pyarrow.parquet as pq
from loadgen import contactless_serve, fresh_database, log, server_env, wrk
from segment_lake import segment_figures

from contactless.events import lake
from contactless.events import service as events
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel, settle_start_up_heap
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

BATCH = 1000
HTTP_BATCH = 500
THREADS = 4
REDIS_URL = "redis://127.0.0.1:6379/14"
TYPES = (("page.viewed", {"path": "/m/products/deposits", "title": "定期存款"}),
         ("product.viewed", {"product_id": "TD-1Y", "product_kind": "time_deposit"}),
         ("app.opened", {}),
         ("search", {"query": "大额存单", "results": 3}))


def bodies(count: int) -> list[bytes]:
    """``count`` events in batches of ``BATCH``, JSON arrays, every id new."""
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    out = []
    for start in range(0, count, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, count)):
            kind, properties = TYPES[n % len(TYPES)]
            batch.append({"event_id": str(uuid.uuid4()), "type": kind, "occurred_at": at,
                          "channel": "app", "anonymous_id": f"device-{n % 50_000}",
                          "session_id": f"s-{n // 20}", "properties": properties})
        out.append(json.dumps(batch, ensure_ascii=False).encode())
    return out


def service_rate(home: Path, batches: list[bytes], count: int) -> tuple[float, float]:
    """Events per second through the service, then through compaction into the lake."""
    settings = Settings(mode=Mode.TEST, home=home, events_compact_seconds=0,
                        events_segment_seconds=3600)
    import contactless.app  # noqa: F401  (every domain's tables)

    kernel = build_kernel(settings, store=MemoryStore())
    # compaction queues the profiles of the customers its events name (these are anonymous:
    # it looks their devices up among the links made at sign-in)
    Base.metadata.create_all(kernel.db.engine)

    def send(body: bytes) -> int:
        with kernel.db.session() as session:
            return events.ingest_body(session, None, body=body).accepted

    events.ingestor_of(kernel)  # built (and its log recovered) before the clock starts
    settle_start_up_heap()  # as the server does once it has started
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        accepted = sum(pool.map(send, batches))
    service_seconds = time.perf_counter() - started
    assert accepted == count, accepted
    started = time.perf_counter()
    report = events.flush(kernel)
    compaction_seconds = time.perf_counter() - started
    assert report.events == count, report
    log(f"service: {count} events in {service_seconds:.2f} s; compaction "
        f"{compaction_seconds:.2f} s into {report.files_written} file(s)")
    kernel.db.dispose()
    return count / service_seconds, count / compaction_seconds


def raw_rate(folder: Path, batches: list[bytes], count: int) -> float:
    started = time.perf_counter()
    writer: pq.ParquetWriter | None = None
    for n, body in enumerate(batches):
        path = folder / f"batch-{n}.ndjson"
        path.write_bytes(b"\n".join(json.dumps(e).encode() for e in json.loads(body)))
    parse_started = time.perf_counter()
    for n in range(len(batches)):
        table = pa_json.read_json(folder / f"batch-{n}.ndjson")
        if writer is None:
            writer = pq.ParquetWriter(folder / "raw.parquet", table.schema, compression="zstd")
        writer.write_table(table)
    if writer is not None:
        writer.close()
    seconds = time.perf_counter() - parse_started
    log(f"raw: {count} events parsed and written in {seconds:.2f} s "
        f"(staging the NDJSON files, not timed, took {parse_started - started:.2f} s)")
    return count / seconds


LUA = """
local n = 0
local tid = 0
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
end
request = function()
  n = n + 1
  local parts = {}
  for i = 1, BATCH do
    parts[i] = string.format(TEMPLATE, tid, n, i)
  end
  return wrk.format("POST", "/api/v1/events",
                    {["Content-Type"] = "application/json"}, "[" .. table.concat(parts, ",") .. "]")
end
"""


def http_rate(home: Path) -> tuple[float, int]:
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    template = json.dumps({"event_id": "%08x-%04x-4000-8000-%012x", "type": "page.viewed",
                           "occurred_at": at, "channel": "h5", "anonymous_id": "device-1",
                           "properties": {"path": "/m/products/deposits"}})
    script = LUA.replace("BATCH", str(HTTP_BATCH)).replace(
        "TEMPLATE", "'" + template.replace("'", "\\'") + "'")
    with fresh_database() as url:
        settings = Settings(mode=Mode.TEST, home=home, database_url=url)
        import contactless.app  # noqa: F401  (every domain's tables)

        kernel = build_kernel(settings, store=MemoryStore())
        Base.metadata.create_all(kernel.db.engine)
        kernel.db.dispose()
        # demo mode: production also refuses the demo's SMS outbox, identity check and
        # cookies over plain HTTP, none of which this route touches; Redis lets it run
        # two workers
        env = server_env(url, home) | {"CONTACTLESS_REDIS_URL": REDIS_URL}
        with contactless_serve(url, home, env=env) as base:
            result = wrk(f"{base}/api/v1/events", script=script)
    # the server compacts everything when it stops: the lake shows what was accepted (wrk
    # counts only answered requests, so a few in flight at its end may be stored too)
    stored = lake.read_lake(home / "lake", columns=["event_id"]).num_rows
    log(f"http: {result.requests} requests of {HTTP_BATCH} events, {result.rps:.1f}/s, "
        f"p99 {result.p99_ms:.1f} ms, {result.errors} errors; {stored} events in the lake")
    if stored < result.requests * HTTP_BATCH:
        raise SystemExit(f"only {stored} of {result.requests * HTTP_BATCH} events were stored")
    return result.rps * HTTP_BATCH, result.errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="skip the wrk run")
    parser.add_argument("--segment-events", type=int, default=10_000_000)
    options = parser.parse_args()
    count = options.events
    batches = bodies(count)
    with tempfile.TemporaryDirectory() as folder:
        service, compaction = service_rate(Path(folder) / "service", batches, count)
        raw = raw_rate(Path(folder), batches, count)
        http, errors = (None, None) if options.no_http else http_rate(Path(folder) / "http")
        segment, handwritten = segment_figures(Path(folder) / "segment",
                                               options.segment_events)
    figures = {
        "service_events_per_s": round(service), "raw_parquet_events_per_s": round(raw),
        "service_to_raw_ratio": round(service / raw, 3),
        "http_events_per_s": round(http) if http is not None else None, "http_errors": errors,
        "compaction_events_per_s": round(compaction),
        "segment_seconds": round(segment, 3), "handwritten_seconds": round(handwritten, 3),
        "segment_ratio": round(segment / handwritten, 3),
    }
    print(json.dumps(figures) if options.json else json.dumps(figures, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
