"""The lake: what was acknowledged survives a SIGKILL; small files merge into one with each
event once; retention drops what its type no longer keeps; a merge cut short is finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from contactless.app import install_domains
from contactless.events import lake
from contactless.events import service as events
from contactless.platform.clock import bank_today
from contactless.platform.kernel import Kernel, build_kernel
from tests.conftest import make_settings
from tests.events.factories import page_view, page_views

WRITER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from contactless.events import service as events
    from contactless.platform.kernel import build_kernel
    from tests.conftest import make_settings

    kernel = build_kernel(make_settings(Path(sys.argv[1])))
    from tests.events.factories import page_views
    while True:
        batch = page_views(50)
        with kernel.db.session() as session:
            result = events.ingest_body(session, None, body=json.dumps(batch).encode())
        assert result.accepted == 50
        print(json.dumps([e["event_id"] for e in batch]), flush=True)
""")


def _lake_ids(kernel: Kernel) -> list[str]:
    return events.lake_events(kernel, columns=["event_id"])["event_id"].to_pylist()


def test_events_acknowledged_before_a_sigkill_are_all_in_the_lake_after_restart(
        tmp_path: Path) -> None:
    acknowledged: list[str] = []
    with subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                          stdout=subprocess.PIPE, cwd=Path(__file__).parents[2]) as writer:
        assert writer.stdout is not None
        for _ in range(40):
            line = writer.stdout.readline()
            assert line, "the writer stopped before it was killed"
            acknowledged.extend(json.loads(line))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        for line in writer.stdout.read().splitlines():  # printed before the kill landed
            if line.endswith(b"]"):
                acknowledged.extend(json.loads(line))
    restarted = install_domains(build_kernel(make_settings(tmp_path)))
    report = events.flush(restarted)
    assert report.segments >= 1
    stored = _lake_ids(restarted)
    assert len(acknowledged) >= 2000
    assert set(acknowledged) <= set(stored)
    assert len(stored) == len(set(stored))
    restarted.db.dispose()


def test_small_files_merge_into_one_keeping_each_event_once(sqlite_kernel: Kernel) -> None:
    twin = build_kernel(sqlite_kernel.settings)  # a second process on the same home
    shared = page_view()
    for kernel in (sqlite_kernel, twin, sqlite_kernel):
        with kernel.db.session() as session:
            events.ingest_body(session, None,
                               body=json.dumps([shared, *page_views(3)]).encode())
        events.close(kernel)
        lake.compact_log(events.places(kernel).log_dir, events.places(kernel).lake_dir,
                         timezone="Asia/Shanghai")
    partition, = lake.partitions(events.places(sqlite_kernel).lake_dir)
    assert len(lake.files_of(partition)) == 3
    report = events.compact(sqlite_kernel)
    assert report.files_merged == 3
    assert len(lake.files_of(partition)) == 1
    stored = _lake_ids(sqlite_kernel)
    assert len(stored) == 10
    assert stored.count(shared["event_id"]) == 1
    twin.db.dispose()


def test_days_are_the_banks_calendar_days(sqlite_kernel: Kernel) -> None:
    # 23:30 UTC is 07:30 the next morning in Shanghai
    late = datetime.now(UTC).replace(hour=23, minute=30) - timedelta(days=2)
    sqlite_kernel.settings.events_past_seconds = 5 * 86400
    with sqlite_kernel.db.session() as session:
        events.ingest_body(session, None, body=json.dumps([page_view(occurred_at=late)]).encode())
    events.flush(sqlite_kernel)
    partition, = lake.partitions(events.places(sqlite_kernel).lake_dir)
    assert partition.name == f"dt={(late + timedelta(hours=8)).date().isoformat()}"


def test_retention_drops_what_a_type_no_longer_keeps(sqlite_kernel: Kernel) -> None:
    with sqlite_kernel.db.session() as session:
        events.ingest_body(session, None, body=json.dumps([
            page_view(), {**page_view(), "type": "app.opened", "properties": {}}]).encode())
    events.flush(sqlite_kernel)
    today = bank_today(sqlite_kernel.settings)  # the lake's days are the bank's
    # page views are kept 400 days, app opens the default (set to 30 here)
    sqlite_kernel.settings.events_retention_days = 30
    kept = events.compact(sqlite_kernel, today=today + timedelta(days=31))
    assert kept.rows_dropped == 1
    assert events.lake_events(sqlite_kernel)["type"].to_pylist() == ["page.viewed"]
    gone = events.compact(sqlite_kernel, today=today + timedelta(days=500))
    assert gone.rows_dropped == 1
    assert lake.partitions(events.places(sqlite_kernel).lake_dir) == []


def test_a_merge_cut_short_is_finished_by_the_next_run(tmp_path: Path) -> None:
    partition = tmp_path / "dt=2026-12-01"
    partition.mkdir()
    table = lake.SCHEMA.empty_table()
    for name in ("part-a.parquet", "part-b.parquet", "merged-x.parquet"):
        pq.write_table(table, partition / name)
    (partition / "_replaces-merged-x.parquet.json").write_text(json.dumps(
        {"merged": "merged-x.parquet", "inputs": ["part-a.parquet", "part-b.parquet"]}))
    (partition / ".merged-y.parquet.1234.tmp").write_bytes(b"half")
    lake.finish_interrupted_merges(partition)
    assert sorted(p.name for p in partition.iterdir()) == ["merged-x.parquet"]
    assert lake.tidy(tmp_path, retention={}, default_days=400,
                     today=date(2026, 12, 2)) == (0, 0)
