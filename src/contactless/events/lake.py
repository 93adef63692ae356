"""The lake: Parquet (zstd) files partitioned by the bank's calendar day of ``occurred_at``
(``dt=YYYY-MM-DD``), written from log segments in the background.

Every step can be cut by a crash and run again without losing or doubling an event:
- a segment becomes one file per day it touches, named after the segment (``part-<segment>``),
  written beside and renamed into place; the segment is deleted only after, so a crash before
  that rewrites the same names;
- merging a day's small files writes the merged file's list of inputs first
  (``_replaces-*.json``), renames the merged file in, then deletes the inputs: the next run
  finishes what the list names;
- merging keeps each ``event_id`` once (the first received), so a duplicate that reached two
  processes is stored once from then on, and drops the rows past their type's retention.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from contactless.events.log import claimed, fsync_directory, read_frames, segments

SCHEMA = pa.schema([
    ("event_id", pa.string()),
    ("type", pa.string()),
    ("customer_id", pa.string()),
    ("anonymous_id", pa.string()),
    ("session_id", pa.string()),
    ("channel", pa.string()),
    ("occurred_at", pa.timestamp("us", tz="UTC")),
    ("received_at", pa.timestamp("us", tz="UTC")),
    ("properties", pa.string()),
])
COLUMNS = [name for name in SCHEMA.names]
_json = msgspec.json.Encoder()
MERGE_BELOW_BYTES = 64 * 1024 * 1024  # files under this are worth merging into one


@dataclass
class CompactionReport:
    segments: int = 0
    events: int = 0
    files_written: int = 0
    files_merged: int = 0
    rows_dropped: int = 0


def segment_table(path: Path) -> pa.Table:
    """The events of one segment as a table of the lake's schema."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for frame in read_frames(path):
        received = frame.received_at_us
        for event in msgspec.msgpack.decode(frame.payload):
            for name in ("event_id", "type", "customer_id", "anonymous_id", "session_id",
                         "channel", "occurred_at"):
                columns[name].append(event.get(name))
            columns["received_at"].append(received)
            columns["properties"].append(_json.encode(event.get("properties") or {}).decode())
    arrays = [pa.array(columns[field.name], type=field.type) for field in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def day_column(table: pa.Table, timezone: str) -> pa.Array:
    local = pc.cast(table["occurred_at"], pa.timestamp("us", tz=timezone))
    return pc.strftime(local, format="%Y-%m-%d")


def compact_log(log_dir: Path, lake_dir: Path, *, timezone: str,
                moved: Callable[[pa.Table], object] | None = None) -> CompactionReport:
    """Move every segment no writer holds into the lake; ``moved`` is told each segment's
    events once they are in the lake, before the segment is deleted (a crash between the two
    tells it again)."""
    report = CompactionReport()
    for path in segments(log_dir):
        with claimed(path) as mine:
            if not mine:
                continue
            table = segment_table(path)
            report.files_written += write_days(table, lake_dir, name=f"part-{path.stem}",
                                               timezone=timezone)
            if moved is not None:
                moved(table)
            report.events += table.num_rows
            report.segments += 1
            path.unlink()
    if report.segments:
        fsync_directory(log_dir)
    return report


def write_days(table: pa.Table, lake_dir: Path, *, name: str, timezone: str) -> int:
    if table.num_rows == 0:
        return 0
    days = day_column(table, timezone)
    written = 0
    for day in pc.unique(days).to_pylist():
        rows = table.filter(pc.equal(days, day))
        _write_file(rows, lake_dir / f"dt={day}" / f"{name}.parquet")
        written += 1
    return written


def write_day(table: pa.Table, lake_dir: Path, *, day: date, name: str) -> int:
    """Events already known to be of one day (the bank's calendar), as one file of its
    partition; returns the files written (0 for no rows)."""
    if table.num_rows == 0:
        return 0
    _write_file(table, lake_dir / f"dt={day.isoformat()}" / f"{name}.parquet")
    return 1


def _write_file(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    _fsync_file(temporary)
    os.replace(temporary, path)
    fsync_directory(path.parent)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def partitions(lake_dir: Path) -> list[Path]:
    if not lake_dir.exists():
        return []
    return sorted(p for p in lake_dir.iterdir() if p.is_dir() and p.name.startswith("dt="))


def files_of(partition: Path) -> list[Path]:
    return sorted(p for p in partition.glob("*.parquet") if not p.name.startswith("."))


def lake_files(lake_dir: Path) -> list[Path]:
    """Every Parquet file of the lake's day partitions, in day order."""
    return [path for partition in partitions(lake_dir) for path in files_of(partition)]


def finish_interrupted_merges(partition: Path) -> None:
    """Complete what a merge cut short named: inputs of a merged file that is in place are
    deleted; a list whose merged file never arrived is dropped with its leftovers."""
    for manifest in sorted(partition.glob("_replaces-*.json")):
        merged = partition / json.loads(manifest.read_text())["merged"]
        if merged.exists():
            for name in json.loads(manifest.read_text())["inputs"]:
                (partition / name).unlink(missing_ok=True)
        manifest.unlink()
    for leftover in partition.glob(".*.tmp"):
        leftover.unlink()


def merge_partition(partition: Path, *, retention: dict[str, int], default_days: int,
                    today: date) -> tuple[int, int]:
    """Merge a day's small files into one, each event once, expired types dropped; returns
    (files merged, rows dropped)."""
    finish_interrupted_merges(partition)
    small = [p for p in files_of(partition) if p.stat().st_size < MERGE_BELOW_BYTES]
    expired = _expired_types(partition, retention, default_days, today)
    if len(small) < 2 and not (expired and small):
        return 0, 0
    table = pa.concat_tables(pq.read_table(p, schema=SCHEMA) for p in small)
    before = table.num_rows
    table = _first_of_each(table)
    if expired:
        table = table.filter(pc.invert(pc.is_in(table["type"], pa.array(sorted(expired)))))
    merged = f"merged-{uuid.uuid4().hex}.parquet"
    manifest = partition / f"_replaces-{merged}.json"
    manifest.write_text(json.dumps({"merged": merged, "inputs": [p.name for p in small]}))
    _fsync_file(manifest)
    if table.num_rows:
        _write_file(table, partition / merged)
    for path in small:
        path.unlink()
    manifest.unlink()
    fsync_directory(partition)
    return len(small), before - table.num_rows


def _expired_types(partition: Path, retention: dict[str, int], default_days: int,
                   today: date) -> set[str]:
    age = (today - date.fromisoformat(partition.name.removeprefix("dt="))).days
    present: set[str] = set()
    for path in files_of(partition):
        present.update(pq.read_table(path, columns=["type"])["type"].unique().to_pylist())
    return {name for name in present if age > retention.get(name, default_days)}


def _first_of_each(table: pa.Table) -> pa.Table:
    """Each event_id once: the copy received first."""
    if table.num_rows < 2:
        return table
    ordered = table.sort_by([("event_id", "ascending"), ("received_at", "ascending")])
    ids = ordered["event_id"].combine_chunks()
    keep = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    mask = pa.concat_arrays([pa.array([True]), keep.fill_null(True)])
    return ordered.filter(mask)


def tidy(lake_dir: Path, *, retention: dict[str, int], default_days: int,
         today: date) -> tuple[int, int]:
    """Merge small files and apply retention over every day; whole days past every type's
    retention are removed."""
    merged = dropped = 0
    longest = max([default_days, *retention.values()])
    for partition in partitions(lake_dir):
        day = date.fromisoformat(partition.name.removeprefix("dt="))
        if (today - day).days > longest:
            dropped += sum(pq.ParquetFile(p).metadata.num_rows for p in files_of(partition))
            _remove_partition(partition)
            continue
        files, rows = merge_partition(partition, retention=retention,
                                      default_days=default_days, today=today)
        merged += files
        dropped += rows
        if not files_of(partition):
            _remove_partition(partition)
    return merged, dropped


def _remove_partition(partition: Path) -> None:
    for path in partition.iterdir():
        path.unlink()
    partition.rmdir()


def read_lake(lake_dir: Path, *, columns: Iterable[str] | None = None) -> pa.Table:
    """Every event in the lake (tests and small reads; queries go through DuckDB)."""
    wanted = list(columns) if columns is not None else COLUMNS
    tables = [pq.read_table(path, columns=wanted, schema=SCHEMA)
              for partition in partitions(lake_dir) for path in files_of(partition)]
    if not tables:
        return SCHEMA.empty_table().select(wanted)
    return pa.concat_tables(tables)


def recent_event_ids(lake_dir: Path, *, since: float, from_day: date | None = None
                     ) -> set[str]:
    """The ids in lake files written since ``since`` (a Unix time) in the days from
    ``from_day`` (older events are refused as too old anyway): what a restarted process must
    still recognise as duplicates."""
    ids: set[str] = set()
    for partition in partitions(lake_dir):
        if from_day is not None and partition.name < f"dt={from_day.isoformat()}":
            continue
        for path in files_of(partition):
            if path.stat().st_mtime >= since:
                ids.update(pq.read_table(path, columns=["event_id"])["event_id"].to_pylist())
    return ids
