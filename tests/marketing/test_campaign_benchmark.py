"""The daily-run benchmark runs end to end on a small bank, on the embedded database and on
PostgreSQL, and finds what the run promises: tasks and messages made once, caps kept, the
books whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
FIRST = ["customers", "run_seconds", "tasks", "messages", "duplicates_after_rerun"]


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_benchmark_prints_its_figures_and_a_rerun_adds_nothing(database: str) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "campaign.py"), "--customers", "200",
               "--rms", "5", "--json"]
    if database == "postgres":
        command += ["--database-url", PG_ADMIN_URL]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,  # noqa: S603
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert list(figures)[:len(FIRST)] == FIRST
    assert figures["customers"] == 200
    assert figures["database"] == ("postgresql" if database == "postgres" else "sqlite")
    assert figures["tasks"] > 0
    assert figures["messages"] > 0
    assert figures["duplicates_after_rerun"] == 0
    assert figures["rerun_new_rows"] == 0
    assert figures["campaigns_run"] == [3, 3]
    assert figures["sends"].get("rm_call:capped", 0) > 0  # the later campaigns met the cap
    assert figures["cap_breaches"] == 0
    assert figures["books_ok"] is True, figures["book_problems"]
