"""Sealing the audit trail: one sealer at a time links the entries, in sequence order and in
batches, into a chain keyed by the audit key, and writes one ``audit_seal`` row a batch.

A PostgreSQL sequence leaves a number unused when a transaction rolls back, and numbers are
taken before their transactions commit, so an entry may become visible after a later one.
The sealer therefore records a missing number as a *gap* only once every transaction that
could still hold it has ended (those in flight when it read the sequence, waited for at most
``audit_gap_grace_seconds``); until then it seals up to the number before. A recorded gap
must stay empty: an entry that shows up in one later fails verify. On SQLite writers are
serialized, so no number is ever missing but by deletion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Row, insert, select, text
from sqlalchemy.orm import Session

from contactless.platform.audit import (
    ENTRY_TABLE,
    GENESIS,
    SEAL_TABLE,
    AuditKeys,
    AuditSeal,
    canonical,
    keys_of,
)
from contactless.platform.db import is_postgresql, utcnow

if TYPE_CHECKING:
    from contactless.platform.kernel import Kernel

log = structlog.get_logger(__name__)
SEAL_LOCK = 4242002  # pg_try_advisory_xact_lock: the one sealer of a database
MAC_CHARS = 16  # each entry's own MAC kept in the seal (64 bits), to name an edited entry
ENTRY = ENTRY_TABLE
ENTRY_COLUMNS = [ENTRY.c[name] for name in (
    "seq", "at", "actor_kind", "actor_id", "channel", "action", "target_type", "target_id",
    "before_digest", "after_digest", "details", "request_id")]


def entry_mac(key: bytes, row: Row[Any] | Sequence[Any]) -> bytes:
    """The MAC of one entry: every column, the sequence number and the time included."""
    fields = list(row)
    fields[1] = fields[1].isoformat()
    return hmac.new(key, canonical(fields).encode(), hashlib.sha256).digest()


def seal_head(key: bytes, prev_head: str, first: int, last: int, gaps: list[list[int]],
              macs: Iterable[bytes]) -> str:
    """The head of a batch: the previous head, the range, the gaps and each entry's MAC."""
    mac = hmac.new(key, canonical([prev_head, first, last, gaps]).encode(), hashlib.sha256)
    for entry in macs:
        mac.update(entry)
    return mac.hexdigest()


def expand(gaps: list[list[int]]) -> set[int]:
    return {seq for low, high in gaps for seq in range(low, high + 1)}


@dataclass(frozen=True)
class Sealed:
    first_seq: int
    last_seq: int
    head: str
    entries: int
    gaps: int


# ---- one batch -----------------------------------------------------------------------------


def seal_batch(session: Session, *, batch: int, grace_seconds: float) -> Sealed | None:
    """Seal the next batch in the caller's transaction; None when there is nothing to seal or
    another sealer holds the lock (PostgreSQL; SQLite serializes writers anyway)."""
    postgres = is_postgresql(session)
    if postgres and not session.scalar(text(f"SELECT pg_try_advisory_xact_lock({SEAL_LOCK})")):
        return None
    keys = keys_of(session)
    last = session.execute(select(AuditSeal.last_seq, AuditSeal.head)
                           .order_by(AuditSeal.last_seq.desc()).limit(1)).first()
    last_seq, prev_head = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    horizon = _settled_horizon(session, grace_seconds) if postgres else None
    rows = session.execute(select(*ENTRY_COLUMNS).where(ENTRY.c.seq > last_seq)
                           .order_by(ENTRY.c.seq).limit(batch)).all()
    taken, gaps = _contiguous(rows, last_seq, horizon, postgres)
    if not taken:
        return None
    macs = [entry_mac(keys.chain, row) for row in taken]
    first, end = last_seq + 1, int(taken[-1][0])
    head = seal_head(keys.chain, prev_head, first, end, gaps, macs)
    session.execute(insert(SEAL_TABLE).values(
        first_seq=first, last_seq=end, prev_head=prev_head, head=head, key_id=keys.key_id,
        gaps=json.dumps(gaps), macs="".join(m.hex()[:MAC_CHARS] for m in macs),
        sealed_at=utcnow()))
    return Sealed(first, end, head, len(taken), sum(b - a + 1 for a, b in gaps))


def _contiguous(rows: Sequence[Row[Any]], last_seq: int, horizon: int | None,
                postgres: bool) -> tuple[list[Row[Any]], list[list[int]]]:
    """The rows that can be sealed now, and the gaps among them: on PostgreSQL a missing
    number is a gap only at or below the settled horizon; on SQLite every one is."""
    taken: list[Row[Any]] = []
    gaps: list[list[int]] = []
    expected = last_seq + 1
    for row in rows:
        seq = int(row[0])
        if seq > expected:
            if postgres and (horizon is None or seq - 1 > horizon):
                break
            gaps.append([expected, seq - 1])
        taken.append(row)
        expected = seq + 1
    return taken, gaps


def _settled_horizon(session: Session, grace_seconds: float) -> int | None:
    """The highest number taken from the sequence such that every transaction that could
    still hold a number at or below it has ended; None when they did not end in time."""
    in_flight = _writing_transactions(session)
    horizon = session.scalar(text(
        "SELECT pg_sequence_last_value(pg_get_serial_sequence('audit_entry', 'seq')::regclass)"))
    in_flight |= _writing_transactions(session)
    deadline = time.monotonic() + grace_seconds
    while in_flight:
        in_flight &= _writing_transactions(session)
        if not in_flight:
            break
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.005)
    return int(horizon or 0)


def _writing_transactions(session: Session) -> set[str]:
    """Transaction ids of the other sessions of this database that have written something."""
    session.execute(text("SELECT pg_stat_clear_snapshot()"))
    return set(session.scalars(text(
        "SELECT backend_xid::text FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))


# ---- sealing everything, and sealing after a write -----------------------------------------


WRITER_GRACE_SECONDS = 0.1  # a writer does not keep its request waiting on others


def seal_all(kernel: Kernel, *, grace_seconds: float | None = None) -> list[Sealed]:
    """Seal every batch there is, one transaction a batch (the worker and the CLI)."""
    settings = kernel.settings
    grace = settings.audit_gap_grace_seconds if grace_seconds is None else grace_seconds
    sealed: list[Sealed] = []
    while True:
        with kernel.db.session() as session:
            done = seal_batch(session, batch=settings.audit_seal_batch, grace_seconds=grace)
        if done is None:
            return sealed
        sealed.append(done)
        if done.entries < settings.audit_seal_batch:
            return sealed


class WriterSealing:
    """After a commit that wrote audit entries, seal when this process has not checked for
    ``audit_seal_seconds`` and the last seal is that old; one thread at a time, off the
    request's transaction."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        # the platform's clock, so a test moves it on instead of sleeping
        self.next_check = utcnow() + timedelta(seconds=self.interval)
        self.lock = threading.Lock()

    @property
    def interval(self) -> float:
        return self.kernel.settings.audit_seal_seconds

    def hook(self, session: Session) -> Any:
        if not session.info.pop("audit.written", False) or self.interval <= 0:
            return None
        if utcnow() < self.next_check:
            return None
        return self.seal_if_due

    def seal_if_due(self) -> None:
        if not self.lock.acquire(blocking=False):
            return
        try:
            self.next_check = utcnow() + timedelta(seconds=self.interval)
            with self.kernel.db.session() as session:
                last = session.scalar(select(AuditSeal.sealed_at)
                                      .order_by(AuditSeal.last_seq.desc()).limit(1))
            if last is None or (utcnow() - last).total_seconds() >= self.interval:
                seal_all(self.kernel, grace_seconds=min(
                    WRITER_GRACE_SECONDS, self.kernel.settings.audit_gap_grace_seconds))
        except Exception:  # the writer's own work is committed; the worker seals later
            log.exception("audit.seal_failed")
        finally:
            self.lock.release()


def install(kernel: Kernel) -> None:
    kernel.db.on_commit(WriterSealing(kernel).hook)


# ---- anchors: the sealed head, kept outside the database -----------------------------------


def write_anchor(session: Session, kernel: Kernel) -> dict[str, Any] | None:
    """Append the current sealed head to the anchor file (unless it is there already);
    returns the anchor, or None before the first seal."""
    last = session.execute(select(AuditSeal.last_seq, AuditSeal.head)
                           .order_by(AuditSeal.last_seq.desc()).limit(1)).first()
    if last is None:
        return None
    anchor = {"seq": int(last[0]), "head": str(last[1]), "at": utcnow().isoformat()}
    path = kernel.settings.anchor_path
    known = read_anchors(path)
    if known and (known[-1]["seq"], known[-1]["head"]) == (anchor["seq"], anchor["head"]):
        return known[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(anchor) + "\n")
    return anchor


def read_anchors(path: Any) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def seal_and_anchor(kernel: Kernel) -> dict[str, Any] | None:
    seal_all(kernel)
    with kernel.db.session() as session:
        return write_anchor(session, kernel)


__all__ = ["AuditKeys", "Sealed", "expand", "install", "read_anchors", "seal_all",
           "seal_and_anchor", "seal_batch", "seal_head", "write_anchor"]
