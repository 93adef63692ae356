"""The audit trail: appended without a lock, sealed into a keyed chain, anchored outside the
database; verify names the first entry that was edited, deleted or cut off."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from contactless.app import register_jobs
from contactless.platform import audit, audit_seal, audit_verify, clock
from contactless.platform.context import Actor, request_id_var
from contactless.platform.db import Base
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from tests.conftest import make_settings

ACTOR = Actor(kind="staff", id="s1", channel="console")


def write(kernel: Kernel, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        with kernel.db.session() as session:
            audit.record(session, ACTOR, action="thing.changed", target_type="thing",
                         target_id=n, before={"v": n}, after={"v": n + 1})


def verify(kernel: Kernel) -> audit_verify.ChainReport:
    with kernel.db.session() as session:
        return audit_verify.verify(session, kernel.settings)


def anchor(kernel: Kernel) -> dict[str, object]:
    done = audit_seal.seal_and_anchor(kernel)
    assert done is not None
    return done


def tamper(kernel: Kernel, statement: str) -> None:
    """Change the trail behind the platform's back: on PostgreSQL the trigger refuses first,
    so the superuser switches it off for the one statement."""
    if kernel.db.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), kernel.db.engine.begin() as conn:
            conn.execute(text(statement))
        table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[2]
        with kernel.db.engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            conn.execute(text(statement))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
        return
    with kernel.db.engine.begin() as conn:
        conn.execute(text(statement))


def test_entries_are_sealed_and_verify(kernel: Kernel) -> None:
    token = request_id_var.set("req123456")
    try:
        write(kernel, 5)
    finally:
        request_id_var.reset(token)
    before = verify(kernel)
    assert before.ok
    assert (before.checked, before.unsealed) == (0, 5)
    [sealed] = audit_seal.seal_all(kernel)
    assert (sealed.first_seq, sealed.last_seq, sealed.entries, sealed.gaps) == (1, 5, 5, 0)
    assert audit_seal.seal_all(kernel) == []
    report = verify(kernel)
    assert report.ok, report
    assert (report.checked, report.unsealed, report.sealed_through) == (5, 0, 5)
    with kernel.db.session() as session:
        entries = audit.search(session, action="thing.")
        assert audit.sealed_through(session) == 5
    assert entries[0].request_id == "req123456"
    key = audit.AuditKeys.of(kernel.settings).digest
    assert entries[0].after_digest == audit.digest({"v": 5}, key=key)


def test_digests_are_keyed(kernel: Kernel, tmp_path: Path) -> None:
    other = make_settings(tmp_path).model_copy(update={"audit_key": SecretStr("another-key-" * 4)})
    mine = audit.digest({"name": "张三"}, key=audit.AuditKeys.of(kernel.settings).digest)
    theirs = audit.digest({"name": "张三"}, key=audit.AuditKeys.of(other).digest)
    plain = hashlib.sha256(audit.canonical({"name": "张三"}).encode()).hexdigest()
    assert mine is not None
    assert len(mine) == 64
    assert len({mine, theirs, plain}) == 3


def test_an_edited_entry_is_named(kernel: Kernel) -> None:
    write(kernel, 4)
    audit_seal.seal_all(kernel)
    write(kernel, 2, start=4)
    audit_seal.seal_all(kernel)
    tamper(kernel, "UPDATE audit_entry SET action = 'thing.hidden' WHERE seq = 3")
    report = verify(kernel)
    assert (report.broken_at, report.kind) == (3, "edited")
    assert report.checked == 0  # the first seal (1..4) is the broken one


def test_a_deleted_entry_is_named(kernel: Kernel) -> None:
    write(kernel, 4)
    audit_seal.seal_all(kernel)
    tamper(kernel, "DELETE FROM audit_entry WHERE seq = 2")
    report = verify(kernel)
    assert (report.broken_at, report.kind) == (2, "deleted")


def test_a_tail_truncated_after_the_anchor_is_caught(kernel: Kernel) -> None:
    write(kernel, 4)
    assert anchor(kernel)["seq"] == 4
    write(kernel, 4, start=4)
    assert anchor(kernel)["seq"] == 8
    assert verify(kernel).anchors == 2
    # the entries after the first anchor go, with their seal: what is left is consistent
    tamper(kernel, "DELETE FROM audit_entry WHERE seq > 4")
    tamper(kernel, "DELETE FROM audit_seal WHERE last_seq > 4")
    report = verify(kernel)
    assert (report.broken_at, report.kind) == (5, "truncated")
    assert (report.checked, report.anchors) == (4, 1)
    assert "names sealed entry 8" in (report.reason or "")


def test_an_altered_seal_or_another_key_is_caught(kernel: Kernel, tmp_path: Path) -> None:
    write(kernel, 3)
    audit_seal.seal_all(kernel)
    write(kernel, 2, start=3)
    audit_seal.seal_all(kernel)
    other = make_settings(tmp_path).model_copy(update={"audit_key": SecretStr("another-key-" * 4)})
    with kernel.db.session() as session:
        wrong = audit_verify.verify(session, other)
    assert (wrong.broken_at, wrong.kind) == (1, "other_key")
    tamper(kernel, "DELETE FROM audit_seal WHERE last_seq = 3")
    report = verify(kernel)
    assert (report.broken_at, report.kind) == (1, "seal_missing")


def test_a_writer_seals_once_the_last_seal_is_old_enough(tmp_path: Path) -> None:
    import contactless.app  # noqa: F401  (every table)

    settings = make_settings(tmp_path).model_copy(update={"audit_seal_seconds": 1.0})
    kernel = build_kernel(settings, store=MemoryStore())
    Base.metadata.create_all(kernel.db.engine)
    start = clock.now()
    write(kernel, 2)
    with clock.travel_to(start + timedelta(seconds=1.05)):
        write(kernel, 1, start=2)  # after this commit the writer seals 1..3
        report = verify(kernel)
        assert (report.sealed_through, report.unsealed) == (3, 0)
        write(kernel, 1, start=3)  # within the second: no other seal yet
        assert verify(kernel).unsealed == 1
    kernel.settings.audit_seal_seconds = 0  # writers do not seal at all
    with clock.travel_to(start + timedelta(seconds=2.1)):
        write(kernel, 1, start=4)
        assert verify(kernel).unsealed == 2
    kernel.db.dispose()


def test_the_worker_seals_and_anchors(kernel: Kernel) -> None:
    write(kernel, 3)
    tasks = register_jobs(build_huey(kernel.settings, immediate=True), kernel)
    tasks["seal_audit"]()
    assert verify(kernel).sealed_through == 3
    write(kernel, 1, start=3)
    tasks["anchor_audit"]()
    lines = kernel.settings.anchor_path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [4]
    tasks["anchor_audit"]()  # nothing new: the same head is not written twice
    assert len(kernel.settings.anchor_path.read_text().splitlines()) == 1
    assert verify(kernel).anchors == 1


def test_refusal_entries_survive_a_rolled_back_savepoint(kernel: Kernel) -> None:
    error = ValueError("refused")
    with kernel.db.session() as session:
        nested = session.begin_nested()
        audit.record_refusal(session, ACTOR, error, action="thing.refused",
                             target_type="thing", target_id="t1")
        nested.rollback()
        audit.record_again(session, error)
        audit.record_again(session, ValueError("carries nothing"))
    with kernel.db.session() as session:
        count = session.scalar(select(func.count()).select_from(audit.AuditEntry)
                               .where(audit.AuditEntry.action == "thing.refused"))
    assert count == 1
    audit_seal.seal_all(kernel)
    assert verify(kernel).ok
