"""The lake: what was acknowledged survives a SIGKILL; small files merge into one with each
event once; retention drops what its type no longer keeps; a merge cut short is finished.
Each of the last on a local directory and in an object store (S3's API)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from contactless.app import install_domains
from contactless.events import lake
from contactless.events import service as events
from contactless.platform.clock import bank_today
from contactless.platform.kernel import Kernel, build_kernel
from tests.conftest import make_settings
from tests.events.factories import page_view, page_views


@pytest.fixture(params=["local", "object store"])
def lake_kernel(request: pytest.FixtureRequest, sqlite_kernel: Kernel) -> Kernel:
    """The SQLite kernel with its lake in HOME, or in an object store."""
    if request.param == "object store":
        sqlite_kernel.settings.events_lake_url = request.getfixturevalue("s3_lake_url")
    return sqlite_kernel

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


def test_small_files_merge_into_one_keeping_each_event_once(lake_kernel: Kernel) -> None:
    twin = build_kernel(lake_kernel.settings)  # a second process on the same home
    shared = page_view()
    for kernel in (lake_kernel, twin, lake_kernel):
        with kernel.db.session() as session:
            events.ingest_body(session, None,
                               body=json.dumps([shared, *page_views(3)]).encode())
        events.close(kernel)
        lake.compact_log(events.places(kernel).log_dir, events.places(kernel).lake,
                         timezone="Asia/Shanghai")
    where = events.places(lake_kernel).lake
    partition, = where.partitions()
    assert len(where.files_of(partition)) == 3
    report = events.compact(lake_kernel)
    assert report.files_merged == 3
    assert len(where.files_of(partition)) == 1
    assert where.names_in(partition) == [os.path.basename(where.files_of(partition)[0])]
    stored = _lake_ids(lake_kernel)
    assert len(stored) == 10
    assert stored.count(shared["event_id"]) == 1
    twin.db.dispose()


def test_days_are_the_banks_calendar_days(lake_kernel: Kernel) -> None:
    # 23:30 UTC is 07:30 the next morning in Shanghai
    late = datetime.now(UTC).replace(hour=23, minute=30) - timedelta(days=2)
    lake_kernel.settings.events_past_seconds = 5 * 86400
    with lake_kernel.db.session() as session:
        events.ingest_body(session, None, body=json.dumps([page_view(occurred_at=late)]).encode())
    events.flush(lake_kernel)
    partition, = events.places(lake_kernel).lake.partitions()
    assert lake.partition_day(partition) == (late + timedelta(hours=8)).date()


def test_retention_drops_what_a_type_no_longer_keeps(lake_kernel: Kernel) -> None:
    with lake_kernel.db.session() as session:
        events.ingest_body(session, None, body=json.dumps([
            page_view(), {**page_view(), "type": "app.opened", "properties": {}}]).encode())
    events.flush(lake_kernel)
    today = bank_today(lake_kernel.settings)  # the lake's days are the bank's
    # page views are kept 400 days, app opens the default (set to 30 here)
    lake_kernel.settings.events_retention_days = 30
    kept = events.compact(lake_kernel, today=today + timedelta(days=31))
    assert kept.rows_dropped == 1
    assert events.lake_events(lake_kernel)["type"].to_pylist() == ["page.viewed"]
    gone = events.compact(lake_kernel, today=today + timedelta(days=500))
    assert gone.rows_dropped == 1
    assert events.places(lake_kernel).lake.partitions() == []


@pytest.fixture(params=["local", "object store"])
def bare_lake(request: pytest.FixtureRequest, tmp_path: Path) -> lake.Lake:
    if request.param == "object store":
        return lake.Lake.at(request.getfixturevalue("s3_lake_url"))
    return lake.Lake.at(tmp_path)


def test_a_merge_cut_short_is_finished_by_the_next_run(bare_lake: lake.Lake) -> None:
    partition = bare_lake.path("dt=2026-12-01")
    table = lake.SCHEMA.empty_table()
    for name in ("part-a.parquet", "part-b.parquet", "merged-x.parquet"):
        bare_lake.write_table(table, f"{partition}/{name}")
    bare_lake.write_text(f"{partition}/_replaces-merged-x.parquet.json", json.dumps(
        {"merged": "merged-x.parquet", "inputs": ["part-a.parquet", "part-b.parquet"]}))
    if bare_lake.local:  # what a crash leaves of a local write (an upload is whole or absent)
        Path(partition, ".merged-y.parquet.1234.tmp").write_bytes(b"half")
    lake.finish_interrupted_merges(bare_lake, partition)
    assert bare_lake.names_in(partition) == ["merged-x.parquet"]
    assert lake.tidy(bare_lake, retention={}, default_days=400,
                     today=date(2026, 12, 2)) == (0, 0)
    assert bare_lake.partitions() == [partition]


def test_a_lake_url_nobody_knows_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="nowhere://bucket"):
        lake.Lake.at("nowhere://bucket/lake")
