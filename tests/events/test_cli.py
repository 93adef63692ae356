"""`contactless events compact` moves what a process left in the log into the lake."""

from __future__ import annotations

import json
from pathlib import Path

import contactless.app  # noqa: F401  (every domain's tables)
from contactless.events import service as events
from contactless.platform.db import Base
from contactless.platform.kernel import build_kernel
from contactless.settings import Settings
from tests.events.factories import page_views
from tests.test_cli import run


def test_compact_moves_a_closed_segment_into_the_lake(tmp_path: Path) -> None:
    kernel = build_kernel(Settings(home=tmp_path))
    Base.metadata.create_all(kernel.db.engine)  # the bank's database (compaction queues profiles)
    with kernel.db.session() as session:
        events.ingest_body(session, None, body=json.dumps(page_views(4)).encode())
    events.close(kernel)  # what a process that stopped leaves
    done = run(tmp_path, "events", "compact")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["events"] == 4
    assert events.lake_events(kernel).num_rows == 4
    kernel.db.dispose()
