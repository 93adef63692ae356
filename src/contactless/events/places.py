"""Where a kernel keeps its behaviour events: each process's log on local disk, and the
lake (a local directory or an object store); who may tidy the lake, and a DuckDB
connection over it for the console's reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from contactless.events import aliases, lake
from contactless.events.lake import Lake
from contactless.events.log import claimed
from contactless.platform.kernel import Kernel, kernel_of

TIDY_LOCK_KEY = 4242012  # pg_try_advisory_lock: who tidies an object-store lake


@dataclass(frozen=True)
class Places:
    log_dir: Path
    lake: Lake

    @property
    def lake_dir(self) -> Path:
        """The lake's directory, when it is on a local file system."""
        if not self.lake.local:
            raise ValueError(f"the lake is in an object store ({self.lake.url})")
        return Path(self.lake.root)


def places(kernel: Kernel) -> Places:
    settings = kernel.settings
    return Places(log_dir=settings.home / "events" / "log", lake=lake.lake_of(kernel))


def tidy_lock(kernel: Kernel, where: Places) -> Any:
    """One process at a time merges and expires the lake's files: a lock file in a local
    lake; for an object store, which holds no locks, the database's advisory lock on
    PostgreSQL (the processes sharing the store share the database), or a lock file in HOME
    on SQLite (one machine)."""
    if where.lake.local:
        folder = where.lake_dir
    elif not kernel.db.is_sqlite:  # PostgreSQL
        return kernel.db.try_advisory_lock(TIDY_LOCK_KEY)
    else:
        folder = kernel.settings.home / "events"
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / ".tidy.lock"
    lock.touch(exist_ok=True)
    return claimed(lock)


def lake_connection(session: Session, *, days: tuple[date, date] | None = None
                    ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the view ``resolved_events``: every event of the lake (or of
    its ``days``, first and last included), its ``customer_id`` resolved through the alias
    table (an anonymous id linked at sign-in gives the customer). Close it after use."""
    connection = duckdb.connect()
    where = places(kernel_of(session)).lake
    files = [path for partition in where.partitions()
             if days is None or days[0] <= lake.partition_day(partition) <= days[1]
             for path in where.files_of(partition)]
    aliases.resolved_view(connection, source_sql=where.select(connection, files),
                          aliases=aliases.alias_table(session))
    return connection

