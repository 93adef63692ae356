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

The lake is a ``Lake``: a local directory (``HOME/lake`` or ``CONTACTLESS_EVENTS_LAKE_DIR``),
where a file is written beside, fsynced and renamed in, or an object store
(``CONTACTLESS_EVENTS_LAKE_URL=s3://bucket/prefix?...``, through pyarrow's file systems),
where an upload appears whole or not at all, so it is written in place. Either way a reader
never sees half a file, and every step above holds.
"""

from __future__ import annotations

import json
import os
import posixpath
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from contactless.events.log import claimed, fsync_directory, read_frames, segments

if TYPE_CHECKING:
    from contactless.platform.kernel import Kernel

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
# the lake's columns and no rows, for a query over a lake with no files yet
EMPTY_SQL = "SELECT " + ", ".join(
    f"NULL::{'TIMESTAMPTZ' if pa.types.is_timestamp(column.type) else 'VARCHAR'} AS {column.name}"
    for column in SCHEMA) + " WHERE false"
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


class Lake:
    """Where the lake's files are: a local directory, or a prefix in an object store.
    Paths are the file system's own (``root/dt=YYYY-MM-DD/name.parquet``)."""

    def __init__(self, filesystem: pafs.FileSystem, root: str, *, url: str) -> None:
        self.fs = filesystem
        self.root = root.rstrip("/")
        self.url = url  # as configured (a directory or a URL): what messages name
        self.local = isinstance(filesystem, pafs.LocalFileSystem)

    @classmethod
    def at(cls, place: str | Path) -> Lake:
        """The lake at a directory, or at a URL pyarrow knows (``s3://bucket/prefix?
        endpoint_override=host:9000&scheme=http&region=...``; credentials from the usual
        ``AWS_*`` variables)."""
        text = str(place)
        if isinstance(place, Path) or "://" not in text:
            return cls(pafs.LocalFileSystem(), str(Path(text).absolute()), url=text)
        try:
            filesystem, root = pafs.FileSystem.from_uri(text)
        except (pa.ArrowInvalid, ValueError) as exc:
            raise ValueError(f"the lake's URL {text.split('?', 1)[0]!r} is not one of a file "
                             f"system pyarrow knows (s3://bucket/prefix?...): {exc}") from exc
        return cls(filesystem, root, url=text.split("?", 1)[0])

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def _listed(self, directory: str) -> list[pafs.FileInfo]:
        if self.local:
            if not os.path.isdir(directory):
                return []
            return self.fs.get_file_info(pafs.FileSelector(directory))  # type: ignore[no-any-return]
        return self.fs.get_file_info(  # type: ignore[no-any-return]
            pafs.FileSelector(directory, allow_not_found=True))

    def partitions(self) -> list[str]:
        """The day partitions, oldest first."""
        return sorted(info.path for info in self._listed(self.root)
                      if info.type == pafs.FileType.Directory
                      and info.base_name.startswith("dt="))

    def parquet_in(self, partition: str) -> list[pafs.FileInfo]:
        """A partition's Parquet files with their size and time, from one listing."""
        return sorted((info for info in self._listed(partition)
                       if info.type == pafs.FileType.File
                       and info.base_name.endswith(".parquet")
                       and not info.base_name.startswith(".")), key=lambda info: info.path)

    def files_of(self, partition: str) -> list[str]:
        return [info.path for info in self.parquet_in(partition)]

    def names_in(self, partition: str) -> list[str]:
        """Every file name of a partition (data, merge lists, leftovers)."""
        return sorted(info.base_name for info in self._listed(partition)
                      if info.type == pafs.FileType.File)

    def lake_files(self) -> list[str]:
        """Every Parquet file of the day partitions, in day order."""
        return [path for partition in self.partitions() for path in self.files_of(partition)]

    def write_table(self, table: pa.Table, path: str) -> None:
        """One whole Parquet file (zstd) at ``path``, durable when this returns."""
        if not self.local:
            with self.fs.open_output_stream(path) as out:
                pq.write_table(table, out, compression="zstd")
            return
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        temporary = posixpath.join(folder, f".{posixpath.basename(path)}."
                                           f"{uuid.uuid4().hex[:8]}.tmp")
        pq.write_table(table, temporary, compression="zstd")
        _fsync_file(Path(temporary))
        os.replace(temporary, path)
        fsync_directory(Path(folder))

    def write_text(self, path: str, text: str) -> None:
        if not self.local:
            with self.fs.open_output_stream(path) as out:
                out.write(text.encode())
            return
        Path(path).write_text(text)
        _fsync_file(Path(path))

    def read_text(self, path: str) -> str:
        with self.fs.open_input_stream(path) as stream:
            return bytes(stream.read()).decode()

    def read_table(self, path: str, *, columns: list[str] | None = None,
                   schema: pa.Schema | None = None) -> pa.Table:
        return pq.read_table(path, columns=columns, schema=schema, filesystem=self.fs)

    def rows_of(self, path: str) -> int:
        with self.fs.open_input_file(path) as stream:
            return int(pq.ParquetFile(stream).metadata.num_rows)

    def exists(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type == pafs.FileType.File)

    def delete(self, path: str) -> None:
        try:
            self.fs.delete_file(path)
        except FileNotFoundError:
            pass

    def synced(self, partition: str) -> None:
        """Deletions in ``partition`` survive a crash (a local directory's fsync)."""
        if self.local:
            fsync_directory(Path(partition))

    def remove_partition(self, partition: str) -> None:
        self.fs.delete_dir(partition)

    def select(self, connection: Any, files: list[str], *, name: str = "lake_files") -> str:
        """A DuckDB query of ``files`` (each file's columns by name; the lake's columns and no
        rows when there are none): a ``read_parquet`` of the local paths, or an object
        store's files as a pyarrow dataset registered on ``connection`` as ``name``."""
        if not files:
            return EMPTY_SQL
        if self.local:
            # the lake's own file names (dt=YYYY-MM-DD/part-….parquet), never a user's text;
            # DuckDB takes no parameters in a view's definition
            quoted = ", ".join("'" + path.replace("'", "''") + "'" for path in files)
            return (f"SELECT * FROM read_parquet([{quoted}], "  # noqa: S608
                    "hive_partitioning = false, union_by_name = true)")
        connection.register(name, pads.dataset(files, schema=SCHEMA, filesystem=self.fs,
                                               format="parquet"))
        return f"SELECT * FROM {name}"  # noqa: S608 - our own name


def lake_of(kernel: Kernel) -> Lake:
    """The kernel's lake: ``CONTACTLESS_EVENTS_LAKE_URL`` (an object store), else
    ``CONTACTLESS_EVENTS_LAKE_DIR``, else ``HOME/lake``."""
    settings = kernel.settings
    place = settings.events_lake_url or settings.events_lake_dir or settings.home / "lake"
    known: dict[str, Lake] = kernel.extensions.setdefault("events.lakes", {})
    found = known.get(str(place))
    if found is None:
        found = known[str(place)] = Lake.at(place)
    return found


def as_lake(place: Lake | str | Path) -> Lake:
    return place if isinstance(place, Lake) else Lake.at(place)


def partition_day(partition: str | Path) -> date:
    return date.fromisoformat(posixpath.basename(str(partition)).removeprefix("dt="))


def compact_log(log_dir: Path, lake_dir: Lake | Path, *, timezone: str,
                moved: Callable[[pa.Table], object] | None = None) -> CompactionReport:
    """Move every segment no writer holds into the lake; ``moved`` is told each segment's
    events once they are in the lake, before the segment is deleted (a crash between the two
    tells it again)."""
    where = as_lake(lake_dir)
    report = CompactionReport()
    for path in segments(log_dir):
        with claimed(path) as mine:
            if not mine:
                continue
            table = segment_table(path)
            report.files_written += write_days(table, where, name=f"part-{path.stem}",
                                               timezone=timezone)
            if moved is not None:
                moved(table)
            report.events += table.num_rows
            report.segments += 1
            path.unlink()
    if report.segments:
        fsync_directory(log_dir)
    return report


def write_days(table: pa.Table, lake_dir: Lake | Path, *, name: str, timezone: str) -> int:
    if table.num_rows == 0:
        return 0
    where = as_lake(lake_dir)
    days = day_column(table, timezone)
    written = 0
    for day in pc.unique(days).to_pylist():
        rows = table.filter(pc.equal(days, day))
        where.write_table(rows, where.path(f"dt={day}", f"{name}.parquet"))
        written += 1
    return written


def write_day(table: pa.Table, lake_dir: Lake | Path, *, day: date, name: str) -> int:
    """Events already known to be of one day (the bank's calendar), as one file of its
    partition; returns the files written (0 for no rows)."""
    if table.num_rows == 0:
        return 0
    where = as_lake(lake_dir)
    where.write_table(table, where.path(f"dt={day.isoformat()}", f"{name}.parquet"))
    return 1


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finish_interrupted_merges(where: Lake, partition: str) -> None:
    """Complete what a merge cut short named: inputs of a merged file that is in place are
    deleted; a list whose merged file never arrived is dropped with its leftovers."""
    names = where.names_in(partition)
    for manifest in (name for name in names
                     if name.startswith("_replaces-") and name.endswith(".json")):
        listed = json.loads(where.read_text(posixpath.join(partition, manifest)))
        if where.exists(posixpath.join(partition, listed["merged"])):
            for name in listed["inputs"]:
                where.delete(posixpath.join(partition, name))
        where.delete(posixpath.join(partition, manifest))
    for leftover in (name for name in names if name.startswith(".") and name.endswith(".tmp")):
        where.delete(posixpath.join(partition, leftover))


def merge_partition(where: Lake, partition: str, *, retention: dict[str, int],
                    default_days: int, today: date) -> tuple[int, int]:
    """Merge a day's small files into one, each event once, expired types dropped; returns
    (files merged, rows dropped)."""
    finish_interrupted_merges(where, partition)
    small = [info.path for info in where.parquet_in(partition)
             if (info.size or 0) < MERGE_BELOW_BYTES]
    expired = _expired_types(where, partition, retention, default_days, today)
    if len(small) < 2 and not (expired and small):
        return 0, 0
    table = pa.concat_tables(where.read_table(p, schema=SCHEMA) for p in small)
    before = table.num_rows
    table = _first_of_each(table)
    if expired:
        table = table.filter(pc.invert(pc.is_in(table["type"], pa.array(sorted(expired)))))
    merged = f"merged-{uuid.uuid4().hex}.parquet"
    manifest = posixpath.join(partition, f"_replaces-{merged}.json")
    where.write_text(manifest, json.dumps({"merged": merged,
                                           "inputs": [posixpath.basename(p) for p in small]}))
    if table.num_rows:
        where.write_table(table, posixpath.join(partition, merged))
    for path in small:
        where.delete(path)
    where.delete(manifest)
    where.synced(partition)
    return len(small), before - table.num_rows


def _expired_types(where: Lake, partition: str, retention: dict[str, int], default_days: int,
                   today: date) -> set[str]:
    age = (today - partition_day(partition)).days
    if age <= min([default_days, *retention.values()]):
        return set()  # younger than any type's retention: nothing to read
    present: set[str] = set()
    for path in where.files_of(partition):
        present.update(where.read_table(path, columns=["type"])["type"].unique().to_pylist())
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


def tidy(lake_dir: Lake | Path, *, retention: dict[str, int], default_days: int,
         today: date) -> tuple[int, int]:
    """Merge small files and apply retention over every day; whole days past every type's
    retention are removed."""
    where = as_lake(lake_dir)
    merged = dropped = 0
    longest = max([default_days, *retention.values()])
    for partition in where.partitions():
        if (today - partition_day(partition)).days > longest:
            dropped += sum(where.rows_of(p) for p in where.files_of(partition))
            where.remove_partition(partition)
            continue
        files, rows = merge_partition(where, partition, retention=retention,
                                      default_days=default_days, today=today)
        merged += files
        dropped += rows
        if not where.files_of(partition):
            where.remove_partition(partition)
    return merged, dropped


def read_lake(lake_dir: Lake | Path, *, columns: Iterable[str] | None = None) -> pa.Table:
    """Every event in the lake (tests and small reads; queries go through DuckDB)."""
    where = as_lake(lake_dir)
    wanted = list(columns) if columns is not None else COLUMNS
    tables = [where.read_table(path, columns=wanted, schema=SCHEMA)
              for path in where.lake_files()]
    if not tables:
        return SCHEMA.empty_table().select(wanted)
    return pa.concat_tables(tables)


def recent_event_ids(lake_dir: Lake | Path, *, since: float, from_day: date | None = None
                     ) -> set[str]:
    """The ids in lake files written since ``since`` (a Unix time) in the days from
    ``from_day`` (older events are refused as too old anyway): what a restarted process must
    still recognise as duplicates."""
    where = as_lake(lake_dir)
    ids: set[str] = set()
    for partition in where.partitions():
        if from_day is not None and partition_day(partition) < from_day:
            continue
        for info in where.parquet_in(partition):
            if info.mtime is not None and info.mtime.timestamp() >= since:
                ids.update(where.read_table(info.path,
                                            columns=["event_id"])["event_id"].to_pylist())
    return ids
