"""The audit trail on PostgreSQL: the triggers, the sequence's gaps, writers in parallel."""

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from contactless.platform import audit, audit_seal, audit_verify
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel

ACTOR = Actor(kind="staff", id="s1", channel="console")


def entry(session: object, n: int) -> None:
    audit.record(session, ACTOR, action="thing.changed",  # type: ignore[arg-type]
                 target_type="thing", target_id=n, after={"v": n})


def fail_after_entry(kernel: Kernel, n: int) -> None:
    """A request that writes its entry, then fails: its number is never used."""
    with kernel.db.session() as session:
        entry(session, n)
        raise RuntimeError("the request failed")


def write(kernel: Kernel, count: int) -> None:
    for n in range(count):
        with kernel.db.session() as session:
            entry(session, n)


def verify(kernel: Kernel) -> audit_verify.ChainReport:
    with kernel.db.session() as session:
        return audit_verify.verify(session, kernel.settings)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry",
    "UPDATE audit_seal SET head = 'x'", "DELETE FROM audit_seal"])
def test_the_triggers_refuse_updates_and_deletes(pg_kernel: Kernel, statement: str) -> None:
    write(pg_kernel, 2)
    audit_seal.seal_all(pg_kernel)
    with pytest.raises(DBAPIError, match="append-only"), pg_kernel.db.engine.begin() as conn:
        conn.execute(text(statement))
    assert verify(pg_kernel).checked == 2


def test_a_rolled_back_number_is_recorded_as_a_gap(pg_kernel: Kernel) -> None:
    write(pg_kernel, 2)
    with pytest.raises(RuntimeError):
        fail_after_entry(pg_kernel, 99)
    write(pg_kernel, 2)
    [sealed] = audit_seal.seal_all(pg_kernel)
    assert (sealed.first_seq, sealed.last_seq, sealed.entries, sealed.gaps) == (1, 5, 4, 1)
    report = verify(pg_kernel)
    assert report.ok
    assert (report.checked, report.gaps) == (4, 1)


def test_a_number_still_held_by_an_open_transaction_is_waited_for(pg_kernel: Kernel) -> None:
    pg_kernel.settings.audit_gap_grace_seconds = 0.2
    write(pg_kernel, 1)
    held = pg_kernel.db.sessionmaker()
    held.info["kernel"] = pg_kernel
    entry(held, 2)  # takes number 2 and stays open
    write(pg_kernel, 1)  # number 3, committed
    [sealed] = audit_seal.seal_all(pg_kernel)
    assert sealed.last_seq == 1  # 2 may still come: neither sealed past nor called a gap
    held.commit()
    held.close()
    [sealed] = audit_seal.seal_all(pg_kernel)
    assert (sealed.first_seq, sealed.last_seq, sealed.gaps) == (2, 3, 0)
    assert verify(pg_kernel).checked == 3


def test_an_entry_slipped_into_a_recorded_gap_is_caught(pg_kernel: Kernel) -> None:
    write(pg_kernel, 1)
    with pytest.raises(RuntimeError):
        fail_after_entry(pg_kernel, 2)
    write(pg_kernel, 1)
    audit_seal.seal_all(pg_kernel)
    with pg_kernel.db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_entry (seq, at, actor_kind, actor_id, channel, action, "
            "target_type, target_id, details) VALUES (2, now(), 'staff', 's1', 'console', "
            "'thing.backdated', 'thing', 't', '{}')"))
    report = verify(pg_kernel)
    assert (report.broken_at, report.kind) == (2, "gap_filled")


def test_eight_writers_and_two_sealers_make_a_chain_that_verifies(pg_kernel: Kernel) -> None:
    writers, each = 8, 40
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            for n in range(each):
                try:
                    with pg_kernel.db.session() as session:
                        entry(session, index * 1000 + n)
                        if n % 10 == 9:
                            raise LookupError("rolled back on purpose")
                except LookupError:
                    pass
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    def sealer() -> None:
        while not done.is_set():
            audit_seal.seal_all(pg_kernel)

    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in sealers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in sealers:
        thread.join()
    assert errors == []
    audit_seal.seal_all(pg_kernel)
    report = verify(pg_kernel)
    committed, rolled_back = writers * (each - each // 10), writers * (each // 10)
    assert report.ok, report
    assert (report.checked, report.unsealed) == (committed, 0)
    with pg_kernel.db.session() as session:
        seals = session.scalars(select(audit.AuditSeal).order_by(audit.AuditSeal.last_seq)).all()
        taken = session.scalar(text("SELECT last_value FROM audit_entry_seq_seq"))
    # every rolled-back number is a recorded gap, but those after the last entry written
    assert taken == committed + rolled_back
    assert report.checked + report.gaps == report.sealed_through
    assert rolled_back - writers <= report.gaps <= rolled_back
    assert all(a.last_seq + 1 == b.first_seq for a, b in zip(seals, seals[1:], strict=False))
