from sqlalchemy import update

from contactless.platform import audit
from contactless.platform.context import Actor, request_id_var
from contactless.platform.kernel import Kernel

ACTOR = Actor(kind="staff", id="s1", channel="console")


def _write(kernel: Kernel, count: int) -> None:
    for n in range(count):
        with kernel.db.session() as session:
            audit.record(session, ACTOR, action="thing.changed", target_type="thing",
                         target_id=n, before={"v": n}, after={"v": n + 1})


def test_entries_are_chained_and_verify(kernel: Kernel) -> None:
    token = request_id_var.set("req123456")
    try:
        _write(kernel, 5)
    finally:
        request_id_var.reset(token)
    with kernel.db.session() as session:
        report = audit.verify_chain(session)
        entries = audit.search(session, action="thing.")
    assert report.ok
    assert report.checked == 5
    assert entries[0].prev_hash == entries[1].entry_hash
    assert entries[0].request_id == "req123456"
    assert entries[0].after_digest == audit.digest({"v": 5})


def test_an_altered_entry_is_named(kernel: Kernel) -> None:
    _write(kernel, 4)
    with kernel.db.session() as session:
        session.execute(update(audit.AuditEntry).where(audit.AuditEntry.seq == 3)
                        .values(action="thing.hidden"))
    with kernel.db.session() as session:
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.broken_at == 3
    assert report.checked == 2


def test_a_deleted_entry_breaks_the_link(kernel: Kernel) -> None:
    _write(kernel, 4)
    with kernel.db.session() as session:
        session.delete(session.get(audit.AuditEntry, 2))
    with kernel.db.session() as session:
        report = audit.verify_chain(session)
    assert report.broken_at == 3
    assert report.reason == "link to the previous entry is broken"
