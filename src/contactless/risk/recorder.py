"""Stores every decision (with its audit entry, and a case for a review) off the request path.

A decision is queued in memory and written by a background thread in small batches, in its
own transaction: the caller's transaction may still roll back (a refused transfer posts
nothing, yet its decision is kept) and the caller never waits for these writes. What is
queued is written within ``FLUSH_SECONDS``, on :func:`flush` and when the application stops;
a process killed outright loses at most the decisions of that interval.
"""

from __future__ import annotations

import atexit
import queue
import threading
import uuid
from typing import Any, cast

import structlog
from sqlalchemy import Table

from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from contactless.platform.writes import Write, execute_writes
from contactless.risk.models import CaseStatus, RiskCase, RiskDecision

log = structlog.get_logger(__name__)

FLUSH_SECONDS = 0.2
BATCH = 500
DECISIONS = cast(Table, RiskDecision.__table__)
CASES = cast(Table, RiskCase.__table__)
RISK_ENGINE = Actor(kind="system", id="risk-engine", channel="system", display="risk engine")


class Recorder:
    """The queue of one kernel's decisions and the thread that writes them."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()  # one flush at a time
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        atexit.register(self.stop)

    def put(self, row: dict[str, Any]) -> None:
        self._queue.put(row)
        if self._thread is None or not self._thread.is_alive():
            self._start()

    def _start(self) -> None:
        with self._starting:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="risk-recorder", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:  # the thread must go on; the batch is logged and kept
                log.exception("risk_decisions_not_written")

    def flush(self) -> int:
        """Write everything queued so far; returns how many decisions were written."""
        written = 0
        with self._lock:
            while True:
                rows = _drain(self._queue)
                if not rows:
                    return written
                try:
                    write(self.kernel, rows)
                except Exception:
                    for row in rows:  # put back, in order, for the next attempt
                        self._queue.put(row)
                    raise
                written += len(rows)

    def stop(self) -> None:
        """Write what is queued and stop the thread (it starts again with the next one)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None
        try:
            self.flush()
        except Exception:
            log.exception("risk_decisions_not_written")


def _drain(source: queue.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while len(rows) < BATCH:
        try:
            rows.append(source.get_nowait())
        except queue.Empty:
            break
    return rows


def write(kernel: Kernel, rows: list[dict[str, Any]]) -> None:
    """One transaction: the decisions, an audit entry for each, a case for each review, all
    in one statement on PostgreSQL however many there are (``platform.writes``), one
    statement per kind on SQLite."""
    with kernel.db.session() as session:
        entries, cases = [], []
        for row in rows:
            actor = Actor(kind=row["actor_kind"], id=row["actor_id"], channel=row["channel"])
            entries.append(audit.entry_row(
                session, actor, action="risk.decided", target_type="risk_decision",
                target_id=row["id"], details={
                    "kind": row["kind"], "outcome": row["outcome"],
                    "score": round(row["score"], 4), "rules": row["rules"], "mode": row["mode"],
                    "model": row["model_version"]}))
            if row["outcome"] == "review":
                case_id = uuid.uuid4()
                cases.append({"id": case_id, "decision_id": row["id"],
                              "customer_id": row["customer_id"], "kind": row["kind"],
                              "score": row["score"], "status": CaseStatus.OPEN.value,
                              "created_at": row["at"]})
                entries.append(audit.entry_row(
                    session, RISK_ENGINE, action="risk.case_opened", target_type="risk_case",
                    target_id=case_id, details={"decision_id": str(row["id"])}))
        # plain inserts: no ORM bookkeeping per row; the cases reference their decisions,
        # which a data-modifying CTE earlier in the same statement has inserted
        execute_writes(session, [Write(DECISIONS, rows), Write(CASES, cases),
                                 Write(audit.ENTRY_TABLE, entries)])


__all__ = ["RISK_ENGINE", "Recorder", "write"]
