"""Several writes in one round trip, a transaction that holds nothing, and a pooled connection
the server closed: on PostgreSQL (where it matters) and SQLite."""

from __future__ import annotations

import time
import uuid
from datetime import date
from decimal import Decimal
from typing import Any, cast

import psycopg
import pytest
from sqlalchemy import Table, event, func, select, text
from sqlalchemy.exc import DBAPIError

from contactless.corebank.models import IdempotentRequest, JournalEntry, LedgerAccount, Posting
from contactless.platform.db import connection_alive, holds_nothing, utcnow
from contactless.platform.kernel import Kernel
from contactless.platform.writes import Claim, Write, collecting, execute_writes, write_soon

ENTRY = cast(Table, JournalEntry.__table__)
POSTING = cast(Table, Posting.__table__)
ACCOUNT = cast(Table, LedgerAccount.__table__)
REQUEST = cast(Table, IdempotentRequest.__table__)


class Statements:
    """The statements an engine sends while counting."""

    def __init__(self, kernel: Kernel) -> None:
        self.sent: list[str] = []
        event.listen(kernel.db.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sent.append(statement)


def _account(number: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "number": number, "kind": "cash", "currency": "CNY",
            "status": "active", "balance": 0, "posting_count": 0, "opened_on": date(2025, 1, 1),
            "created_at": utcnow()}


def _entry(entry_id: uuid.UUID) -> dict[str, Any]:
    return {"id": entry_id, "kind": "test", "value_date": date(2025, 1, 2), "memo": "",
            "actor_kind": "system", "actor_id": "system", "channel": "job",
            "idempotency_scope": None, "idempotency_key": None, "reference_type": None,
            "reference_id": None, "created_at": utcnow()}


def _postings(entry_id: uuid.UUID, accounts: list[dict[str, Any]],
              amounts: list[str]) -> list[dict[str, Any]]:
    return [{"entry_id": entry_id, "account_id": account["id"], "seq": 1,
             "amount": Decimal(amount), "currency": "CNY", "balance_after": Decimal(amount),
             "value_date": date(2025, 1, 2), "limit_direction": None}
            for account, amount in zip(accounts, amounts, strict=True)]


@pytest.mark.parametrize("rows", [2, 7])  # listed as VALUES, and as arrays
def test_an_entry_its_postings_and_balances_in_one_statement(kernel: Kernel, rows: int) -> None:
    accounts = [_account(f"T-{rows}-{n}") for n in range(rows)]
    with kernel.db.session() as session:
        execute_writes(session, [Write(ACCOUNT, accounts)])
    amounts = [f"{n + 1}.25" for n in range(rows - 1)]
    amounts.append(str(-sum(Decimal(a) for a in amounts)))
    entry_id = uuid.uuid4()
    counted = Statements(kernel)
    with kernel.db.session() as session:
        execute_writes(session, [
            Write(ENTRY, [_entry(entry_id)]),
            Write(POSTING, _postings(entry_id, accounts, amounts)),
            Write(ACCOUNT, [{"id": a["id"], "balance": Decimal(amount), "posting_count": 1}
                            for a, amount in zip(accounts, amounts, strict=True)], key="id")])
    writes = [s for s in counted.sent if not s.startswith(("BEGIN", "COMMIT"))]
    assert len(writes) == (1 if kernel.db.dialect == "postgresql" else 3)
    with kernel.db.session() as session:
        posted = session.scalars(select(Posting).where(Posting.entry_id == entry_id)
                                 .order_by(Posting.amount)).all()
        assert sorted(p.amount for p in posted) == sorted(Decimal(a) for a in amounts)
        assert all(p.limit_direction is None for p in posted)
        balances = dict(session.execute(select(LedgerAccount.number, LedgerAccount.balance)
                                        .where(LedgerAccount.id.in_([a["id"] for a in accounts]))
                                        ).all())
        assert balances == {a["number"]: Decimal(amount)
                            for a, amount in zip(accounts, amounts, strict=True)}
        assert session.get(JournalEntry, entry_id) is not None


def _record(key: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "scope": "system:system", "key": key, "operation": "op",
            "fingerprint": "f" * 64, "result": "{}", "created_at": utcnow()}


def test_writes_with_a_claim_happen_only_if_the_claim_took(kernel: Kernel) -> None:
    accounts = [_account("C-1"), _account("C-2")]
    with kernel.db.session() as session:
        execute_writes(session, [Write(ACCOUNT, accounts)])
    entry_id = uuid.uuid4()

    def tail(claimed: dict[str, Any], entry: uuid.UUID, seq: int = 1) -> bool:
        counted = Statements(kernel)
        with kernel.db.session() as session:
            took = execute_writes(session, [
                Write(ENTRY, [_entry(entry)]),
                Write(POSTING, [{**posting, "seq": seq} for posting
                                in _postings(entry, accounts, ["2.50", "-2.50"])]),
                Write(ACCOUNT, [{"id": accounts[0]["id"], "balance": Decimal("2.50"),
                                 "posting_count": 1}], key="id")],
                claim=Claim(REQUEST, claimed, unique=("scope", "key")))
        writes = [s for s in counted.sent if not s.startswith(("BEGIN", "COMMIT"))]
        assert len(writes) == (1 if kernel.db.dialect == "postgresql" else 4 if took else 1)
        return took

    assert tail(_record("claim-1"), entry_id) is True
    # the same key again: nothing of it is written (another entry id, no second posting)
    assert tail(_record("claim-1"), uuid.uuid4()) is False
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert session.scalar(select(func.count()).select_from(Posting)) == 2
        assert session.scalar(select(func.count()).select_from(IdempotentRequest)) == 1
        assert session.scalar(select(LedgerAccount.balance).where(
            LedgerAccount.id == accounts[0]["id"])) == Decimal("2.50")
    assert tail(_record("claim-2"), uuid.uuid4(), seq=2) is True  # a free key writes again
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 2


def test_a_value_too_long_for_its_column_fails_instead_of_being_cut(pg_kernel: Kernel) -> None:
    record = _record("long-1")
    with pg_kernel.db.session() as session:
        assert execute_writes(session, [], claim=Claim(REQUEST, record, unique=("scope", "key")))
    too_long = "x" * 200  # the operation column holds 64
    for writes, claim in (
            ([Write(REQUEST, [{"id": record["id"], "operation": too_long}], key="id"),
              Write(ACCOUNT, [_account("L-1")])], None),
            ([Write(ACCOUNT, [{**_account("L-2"), "number": too_long}])],
             Claim(REQUEST, _record("long-2"), unique=("scope", "key")))):
        with pytest.raises(DBAPIError, match="too long"), pg_kernel.db.session() as session:
            execute_writes(session, writes, claim=claim)
    with pg_kernel.db.session() as session:
        assert session.get(IdempotentRequest, record["id"]).operation == "op"  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(LedgerAccount)) == 0


def test_an_update_sets_null_and_two_updates_of_one_table_are_refused(pg_kernel: Kernel) -> None:
    record = {"id": uuid.uuid4(), "scope": "system:system", "key": "k1", "operation": "op",
              "fingerprint": "f" * 64, "result": "{}", "created_at": utcnow()}
    with pg_kernel.db.session() as session:
        execute_writes(session, [Write(REQUEST, [record])])
    other = dict(record, id=uuid.uuid4(), key="k2")
    with pg_kernel.db.session() as session:
        execute_writes(session, [Write(REQUEST, [other]),
                                 Write(REQUEST, [{"id": record["id"], "result": None}], key="id")])
    with pg_kernel.db.session() as session:
        assert session.get(IdempotentRequest, record["id"]).result is None  # type: ignore[union-attr]
        assert session.get(IdempotentRequest, other["id"]) is not None
    with pg_kernel.db.session() as session, pytest.raises(ValueError, match="two updates"):
        execute_writes(session, [
            Write(REQUEST, [{"id": record["id"], "result": "a"}], key="id"),
            Write(REQUEST, [{"id": other["id"], "result": "b"}], key="id")])


def test_writes_left_to_a_collector_wait_for_it_and_a_failure_drops_them(kernel: Kernel) -> None:
    account = _account("T-left")
    with kernel.db.session() as session:
        with collecting(session) as left:
            write_soon(session, [Write(ACCOUNT, [account])])
            assert session.scalar(select(LedgerAccount.id).where(
                LedgerAccount.number == "T-left")) is None  # not sent yet
            execute_writes(session, left)
        with pytest.raises(RuntimeError):
            _fail_while_collecting(session)
        write_soon(session, [Write(ACCOUNT, [_account("T-now")])])  # no collector: sent now
        numbers = set(session.scalars(select(LedgerAccount.number).where(
            LedgerAccount.number.like("T-%"))))
    assert {"T-left", "T-now"} <= numbers
    assert "T-dropped" not in numbers


def _fail_while_collecting(session: Any) -> None:
    with collecting(session):
        write_soon(session, [Write(ACCOUNT, [_account("T-dropped")])])
        raise RuntimeError("the operation failed")


def test_a_transaction_holds_nothing_until_it_writes_or_locks(pg_kernel: Kernel) -> None:
    with pg_kernel.db.session() as session:
        assert holds_nothing(session)
        session.execute(select(LedgerAccount.id).limit(1))
        assert holds_nothing(session)
        session.execute(select(LedgerAccount.id).limit(1).with_for_update())
        assert not holds_nothing(session)
    with pg_kernel.db.session() as session:
        session.execute(text("SELECT 1"))
        assert holds_nothing(session)
        with session.begin_nested():
            assert not holds_nothing(session)
        session.execute(text("SELECT pg_advisory_xact_lock_shared(7)"))
        assert not holds_nothing(session)
    with pg_kernel.db.session() as session:
        session.add(LedgerAccount(**{k: v for k, v in _account("T-pending").items()
                                     if k != "created_at"}))
        assert not holds_nothing(session)


def test_a_connection_the_server_closed_is_replaced_without_a_ping(pg_kernel: Kernel) -> None:
    pg_kernel.db.engine.dispose()  # the pool keeps one connection: the one closed below
    with pg_kernel.db.session() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    admin = str(pg_kernel.settings.database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    for _ in range(50):  # the server's goodbye reaches the idle socket
        raw = pg_kernel.db.engine.pool._pool.queue[0].dbapi_connection  # type: ignore[attr-defined]
        if not connection_alive(raw):
            break
        time.sleep(0.02)
    counted = Statements(pg_kernel)
    with pg_kernel.db.session() as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid
    assert counted.sent == ["SELECT pg_backend_pid()"]  # no SELECT 1 before it


def test_a_reading_session_holds_no_transaction_and_refuses_to_write(kernel: Kernel) -> None:
    with kernel.db.reading() as session:
        assert session.scalar(select(LedgerAccount.id).limit(1)) is None
        assert session.scalar(text("SELECT 1")) == 1
        if not kernel.db.is_sqlite:  # outside a transaction: nothing held between reads
            with kernel.db.engine.connect() as probe:
                assert probe.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'idle in transaction'")) == 0
    with pytest.raises(RuntimeError, match="writes nothing"), kernel.db.reading() as session:
        session.add(LedgerAccount(**_account("READ-ONLY-1")))
    with kernel.db.session() as session:
        assert session.scalar(select(LedgerAccount.id)) is None
