"""The transfer's lean path on PostgreSQL: what it sends, and what a failure leaves behind
with and without the savepoint."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select

from contactless.corebank import service as corebank
from contactless.corebank.errors import AccountNotFound, InsufficientFunds, NotYourAccount
from contactless.corebank.models import IdempotentRequest, LedgerAccount
from contactless.corebank.service.core import embedded_ledger
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
from tests.factories.corebank import TELLER, cny, customer_actor, key, make_pair


class Sent:
    def __init__(self, kernel: Kernel) -> None:
        self.statements: list[str] = []
        event.listen(kernel.db.engine, "before_cursor_execute", self._seen)
        event.listen(kernel.db.engine, "commit", lambda _conn: self.statements.append("COMMIT"))

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)


def test_a_transfer_sends_two_statements_and_no_savepoint(pg_kernel: Kernel) -> None:
    pg_kernel.bus.deliver_inline = False  # the after-commit delivery is not the transfer's
    pair = make_pair(pg_kernel, alice_funds="100.00")
    alice = customer_actor(pair.alice)
    sent = Sent(pg_kernel)
    with pg_kernel.db.session() as session:
        first = corebank.transfer(session, alice, idempotency_key="lean-1",
                                  source_account_id=pair.alice_account,
                                  target_account_id=pair.bob_account, amount=cny("30.00"))
    # the accounts' lock (read for the access check, kept for the posting), then one statement
    # for the key's claim, the entry, postings, balances, stored result, audit entry, event
    assert [s.split()[0] for s in sent.statements] == ["SELECT", "WITH", "COMMIT"]
    assert "FOR UPDATE" in sent.statements[0]
    assert "ON CONFLICT (scope, key) DO NOTHING" in sent.statements[1]
    sent.statements.clear()
    with pg_kernel.db.session() as session:
        again = corebank.transfer(session, alice, idempotency_key="lean-1",
                                  source_account_id=pair.alice_account,
                                  target_account_id=pair.bob_account, amount=cny("30.00"))
    assert again == first
    # the claim finds the key taken: nothing written, rolled back, the first result read
    assert [s.split()[0] for s in sent.statements] == ["SELECT", "WITH", "SELECT", "COMMIT"]
    assert not any(s.startswith(("INSERT", "UPDATE", "SAVEPOINT")) for s in sent.statements)
    with pg_kernel.db.session() as session:
        assert corebank.verify_books(session).ok
        assert session.scalar(select(LedgerAccount.balance).where(
            LedgerAccount.id == pair.alice_account)) == -cny("70.00").amount  # a liability
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "corebank.transfer"))
        assert audited == 1


def test_a_refusal_in_a_fresh_transaction_leaves_nothing(pg_kernel: Kernel) -> None:
    pair = make_pair(pg_kernel, alice_funds="10.00")
    alice = customer_actor(pair.alice)
    sent = Sent(pg_kernel)
    with pg_kernel.db.session() as session:
        with pytest.raises(InsufficientFunds):
            corebank.transfer(session, alice, idempotency_key="lean-2",
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny("20.00"))
        assert not any(s.startswith("SAVEPOINT") for s in sent.statements)
        # the session goes on, in a new transaction
        assert session.scalar(select(func.count()).select_from(IdempotentRequest).where(
            IdempotentRequest.key == "lean-2")) == 0
    with pg_kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "corebank.transfer")) == 0


def test_a_refusal_after_the_callers_own_writes_keeps_them(pg_kernel: Kernel) -> None:
    pair = make_pair(pg_kernel, alice_funds="10.00")
    alice = customer_actor(pair.alice)
    sent = Sent(pg_kernel)
    with pg_kernel.db.session() as session:
        corebank.deposit_cash(session, TELLER, idempotency_key=key(),
                              account_id=pair.bob_account, amount=cny("5.00"))
        with pytest.raises(InsufficientFunds):
            corebank.transfer(session, alice, idempotency_key="lean-3",
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny("20.00"))
        assert any(s.startswith("SAVEPOINT") for s in sent.statements)
    with pg_kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=pair.bob_account).balance \
            == cny("5.00")
        assert corebank.verify_books(session).ok


def test_a_refusal_after_the_caller_locked_a_row_keeps_the_lock(pg_kernel: Kernel) -> None:
    pair = make_pair(pg_kernel, alice_funds="10.00")
    alice = customer_actor(pair.alice)
    sent = Sent(pg_kernel)
    with pg_kernel.db.session() as session:
        session.execute(select(LedgerAccount.id).where(LedgerAccount.id == pair.bob_account)
                        .with_for_update())
        with pytest.raises(InsufficientFunds):
            corebank.transfer(session, alice, idempotency_key="lean-4",
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny("20.00"))
        assert any(s.startswith("SAVEPOINT") for s in sent.statements)
        admin = str(pg_kernel.settings.database_url).replace("+psycopg", "")
        with psycopg.connect(admin) as other, pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT 1 FROM corebank_account WHERE id = %s FOR UPDATE NOWAIT",
                          (pair.bob_account,))


def test_accounts_held_in_one_unit_are_read_again_in_another(pg_kernel: Kernel) -> None:
    """What hold_accounts read serves the next lock of the same transaction and savepoint
    only: a savepoint begun after it, or pending ORM changes, read the rows again."""
    pair = make_pair(pg_kernel, alice_funds="100.00")
    ids = [pair.alice_account, pair.bob_account]
    sent = Sent(pg_kernel)
    with pg_kernel.db.session() as session:
        ledger = embedded_ledger(session)
        held = ledger.hold_accounts(ids)
        assert held == {pair.alice_account: pair.alice, pair.bob_account: pair.bob}
        ledger.lock_states(ids)
        assert len(sent.statements) == 1  # taken from the hold
        ledger.lock_states(ids)
        assert len(sent.statements) == 2  # used once
        ledger.hold_accounts(ids)
        with session.begin_nested():
            ledger.lock_states(ids)
        assert sum(s.startswith("SELECT") for s in sent.statements) == 4
        ledger.hold_accounts([pair.alice_account])
        assert set(ledger.lock_states(ids)) == set(ids)  # bob was not held: both read
        ledger.hold_accounts(ids)
        session.get(LedgerAccount, pair.bob_account).status = "frozen"  # type: ignore[union-attr]
        assert ledger.lock_states(ids)[pair.bob_account].status == "frozen"


def test_a_transfer_from_someone_elses_account_is_refused_under_the_lock(
        pg_kernel: Kernel) -> None:
    pair = make_pair(pg_kernel, alice_funds="100.00")
    bob = customer_actor(pair.bob)
    with pg_kernel.db.session() as session:
        with pytest.raises(NotYourAccount):
            corebank.transfer(session, bob, idempotency_key="lean-5",
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny("1.00"))
        with pytest.raises(AccountNotFound):
            corebank.transfer(session, bob, idempotency_key="lean-6",
                              source_account_id=uuid.uuid4(),
                              target_account_id=pair.bob_account, amount=cny("1.00"))
    with pg_kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(IdempotentRequest).where(
            IdempotentRequest.key.in_(["lean-5", "lean-6"]))) == 0
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("100.00")
