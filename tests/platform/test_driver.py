"""Hot statements sent straight to the driver: the same rows and values as SQLAlchemy's own
execution, inside the session's transaction and savepoints, errors as SQLAlchemy raises them,
and a lost connection invalidated; SQLite runs them through the session."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, cast

import psycopg
import pytest
from sqlalchemy import Table, bindparam, event, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from contactless.corebank.models import LedgerAccount
from contactless.platform.db import holds_nothing, utcnow
from contactless.platform.driver import Prepared, transaction_connection
from contactless.platform.kernel import Kernel

ACCOUNT = cast(Table, LedgerAccount.__table__)
BY_IDS = Prepared(select(ACCOUNT.c.id, ACCOUNT.c.number, ACCOUNT.c.balance, ACCOUNT.c.opened_on)
                  .where(ACCOUNT.c.id.in_(bindparam("ids", expanding=True)))
                  .order_by(ACCOUNT.c.number), expanding=["ids"])
ADD = Prepared(insert(ACCOUNT).values({name: bindparam(name) for name in (
    "id", "number", "kind", "currency", "status", "balance", "posting_count", "opened_on",
    "created_at")}).returning(ACCOUNT.c.id, ACCOUNT.c.balance))
COUNT = Prepared(select(func.count()).select_from(ACCOUNT))


def _row(number: str, balance: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "number": number, "kind": "cash", "currency": "CNY",
            "status": "active", "balance": Decimal(balance), "posting_count": 0,
            "opened_on": date(2025, 1, 1), "created_at": utcnow()}


def _twice_in_a_savepoint(session: Session, row: dict[str, Any]) -> None:
    with session.begin_nested():
        ADD.first(session, row)
        ADD.first(session, row)  # the same id twice


class Statements:
    def __init__(self, kernel: Kernel) -> None:
        self.sent: list[str] = []
        event.listen(kernel.db.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: self.sent.append(statement))


def test_rows_and_values_are_what_sqlalchemy_reads_and_writes(kernel: Kernel) -> None:
    rows = [_row("D-1", "12.34"), _row("D-2", "-0.05"), _row("D-3", "0")]
    with kernel.db.session() as session:
        returned = [ADD.first(session, row) for row in rows]
        assert [tuple(one) for one in returned] == [(row["id"], row["balance"])
                                                    for row in rows]
    with kernel.db.session() as session:
        for wanted in ([rows[0]["id"]], [rows[2]["id"], rows[0]["id"], rows[1]["id"]]):
            got = BY_IDS.rows(session, {"ids": wanted})
            expected = session.execute(BY_IDS.statement, {"ids": wanted}).all()
            assert [tuple(one) for one in got] == [tuple(one) for one in expected]
        balances = [one[2] for one in BY_IDS.rows(session, {"ids": [r["id"] for r in rows]})]
        assert balances == [Decimal("12.34"), Decimal("-0.05"), Decimal("0.00")]
        assert all(isinstance(balance, Decimal) for balance in balances)


def test_a_unique_violation_is_sqlalchemys_and_loses_nothing_accepted(kernel: Kernel) -> None:
    first = _row("D-9", "1")
    with kernel.db.session() as session:
        ADD.first(session, first)
    with pytest.raises(IntegrityError), kernel.db.session() as session:
        ADD.first(session, _row("D-9", "2"))  # the account number is taken
    with kernel.db.session() as session:
        assert [one[2] for one in BY_IDS.rows(session, {"ids": [first["id"]]})] == [
            Decimal("1.00")]


def test_on_postgresql_it_runs_in_the_sessions_transaction_and_savepoint(
        pg_kernel: Kernel) -> None:
    sent = Statements(pg_kernel)
    kept, dropped = _row("P-1", "5"), _row("P-2", "6")
    with pg_kernel.db.session() as session:
        ADD.first(session, kept)
        assert not holds_nothing(session)  # the engine's listeners saw the insert
        with pytest.raises(IntegrityError):
            _twice_in_a_savepoint(session, dropped)  # the savepoint is undone
        assert any(statement.startswith("SAVEPOINT") for statement in sent.sent)
        assert COUNT.first(session, {}) == (1,)
        # one connection for the whole transaction, asked of the session once per savepoint
        assert transaction_connection(session) is session.connection()
    with pg_kernel.db.session() as session:
        assert [one[1] for one in BY_IDS.rows(session, {"ids": [kept["id"], dropped["id"]]})] \
            == ["P-1"]
    assert sum(statement.startswith("INSERT INTO corebank_account") for statement in sent.sent) \
        == 3


def test_on_postgresql_a_lost_connection_is_invalidated(pg_kernel: Kernel) -> None:
    admin = str(pg_kernel.settings.database_url).replace("+psycopg", "")
    with pg_kernel.db.session() as session:
        connection = session.connection()
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(admin, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(DBAPIError) as raised:
            COUNT.first(session, {})
        assert raised.value.connection_invalidated
        assert connection.invalidated  # not handed to the next request
        session.rollback()
    with pg_kernel.db.session() as session:  # the pool hands out a live connection again
        assert COUNT.first(session, {}) is not None
