"""Segments on Apache Spark, for a bank whose lake has outgrown one machine
(``CONTACTLESS_SEGMENT_ENGINE=spark``, ``CONTACTLESS_SPARK_MASTER``).

The design decision: the query is the one the compiler writes for DuckDB, transpiled by
SQLGlot (``Compiled.transpiled("spark")``), with the same bound parameters, over the same
Parquet files: a segment is written once and means the same on both engines
(``tests/events/test_spark.py`` compares their members). The two small tables DuckDB is
handed as Arrow (``profiles``, ``event_aliases``) are staged as Parquet beside the lake, so
executors on other machines read them where they read the lake (the lake directory must then
be a shared file system). Each call runs in a session of its own (``newSession``: the same
Spark application, its own temporary views), so concurrent refreshes do not see each
other's tables.

pyspark is an optional dependency (``pip install 'contactless[spark]'``, Java 17).
"""

from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from contactless.events import lake, segments
from contactless.events.errors import SegmentEngineUnavailable

STAGING = "_segment-staging"  # under the lake; not a dt= partition, so no query reads it
_sessions: dict[str, Any] = {}
_lock = threading.Lock()


def spark_session(master: str) -> Any:
    """The process's Spark application for ``master`` (started on first use: a JVM start
    takes seconds), or one the process already made (``getOrCreate``)."""
    with _lock:
        found = _sessions.get(master)
        if found is not None:
            return found
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise SegmentEngineUnavailable(
                "CONTACTLESS_SEGMENT_ENGINE=spark needs pyspark: pip install "
                "'contactless[spark]' (and Java 17)") from exc
        session = (SparkSession.builder.master(master).appName("contactless-segments")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.ui.enabled", "false")
                   .getOrCreate())
        _sessions[master] = session
        return session


def run(compiled: segments.Compiled, *, lake_dir: lake.Lake, profiles: pa.Table,
        aliases: pa.Table, master: str) -> list[str]:
    """The members (customer ids as text, sorted) of a compiled tree, by Spark."""
    if not lake_dir.local:
        raise SegmentEngineUnavailable(
            "the Spark engine reads a lake on a file system path, not in an object store "
            "({lake}): set CONTACTLESS_SEGMENT_ENGINE=duckdb, or mount the lake",
            lake=lake_dir.url)
    spark = spark_session(master).newSession()
    staging = Path(lake_dir.root) / STAGING / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        pq.write_table(profiles, staging / "profiles.parquet")
        pq.write_table(aliases, staging / "aliases.parquet")
        spark.read.parquet(str(staging / "profiles.parquet")).createOrReplaceTempView(
            "profiles")
        spark.read.parquet(str(staging / "aliases.parquet")).createOrReplaceTempView(
            "event_aliases")
        files = lake_dir.lake_files()
        if files:
            events = (spark.read.option("basePath", lake_dir.root).option("mergeSchema", "true")
                      .parquet(*files))
        else:  # an empty lake: the same columns, no rows
            events = spark.createDataFrame([], ", ".join(
                f"{column.name} {'timestamp' if pa.types.is_timestamp(column.type) else 'string'}"
                for column in lake.SCHEMA))
        events.createOrReplaceTempView("events")
        rows = spark.sql(compiled.transpiled("spark"), args=compiled.parameters).collect()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [row[0] for row in rows]

