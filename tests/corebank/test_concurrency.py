"""Many tellers at once on PostgreSQL: no lost update, no deadlock, each transfer posted once."""

from __future__ import annotations

import random
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.errors import InsufficientFunds
from contactless.corebank.models import IdempotentRequest, JournalEntry, LedgerAccount
from contactless.corebank.schemas import TransferResult
from contactless.platform.kernel import Kernel
from tests.factories.corebank import cny, customer_actor, insert_customers, open_account

THREADS = 8
TRANSFERS_PER_THREAD = 500
ACCOUNTS = 20
OPENING = Decimal("2000.00")


@dataclass(frozen=True)
class Done:
    key: str
    owner: uuid.UUID
    result: TransferResult


def _run_at_once(work: Callable[[int], None], count: int) -> None:
    """``work(0)`` … ``work(count - 1)`` in threads at once, until all are done."""
    # threads stand in for worker processes: a short GIL switch interval stops a thread that
    # holds a row or advisory lock from waiting 5 ms for the interpreter at every step
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)


def test_concurrent_transfers_keep_the_books(pg_kernel: Kernel) -> None:
    # at scale, committed events are delivered by workers, not inline after every commit
    pg_kernel.bus.deliver_inline = False
    with pg_kernel.db.session() as session:
        owners = insert_customers(session, pg_kernel.cipher, ACCOUNTS)
        accounts = [(open_account(session, owner, funds=str(OPENING)).id, owner)
                    for owner in owners]
    done: list[Done] = []
    refused: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def teller(number: int) -> None:
        rng = random.Random(number)
        mine: list[Done] = []
        short = 0
        try:
            for n in range(TRANSFERS_PER_THREAD):
                (source, owner), (target, _) = rng.sample(accounts, 2)
                key = f"t{number}-{n}"
                amount = cny(f"{rng.randint(1, 30000) / 100:.2f}")
                actor = customer_actor(owner)
                try:
                    with pg_kernel.db.session() as session:
                        result = corebank.transfer(session, actor, idempotency_key=key,
                                                   source_account_id=source,
                                                   target_account_id=target, amount=amount)
                except InsufficientFunds:
                    short += 1
                    continue
                mine.append(Done(key, owner, result))
                if rng.random() < 0.1:  # the client did not hear back and sends it again
                    with pg_kernel.db.session() as session:
                        again = corebank.transfer(session, actor, idempotency_key=key,
                                                  source_account_id=source,
                                                  target_account_id=target, amount=amount)
                    assert again == result
        except BaseException as error:  # surfaced below: a deadlock or lost update fails here
            failures.append(error)
        with lock:
            done.extend(mine)
            refused.append(short)

    _run_at_once(teller, THREADS)

    assert failures == []
    assert len(done) + sum(refused) == THREADS * TRANSFERS_PER_THREAD
    assert len(done) > THREADS * TRANSFERS_PER_THREAD // 2
    with pg_kernel.db.session() as session:
        check = corebank.verify_books(session)
        assert check.ok, check.problems
        assert corebank.trial_balance(session).balanced
        balances = session.scalars(select(LedgerAccount.balance).where(
            LedgerAccount.kind == "demand")).all()
        assert -sum(balances) == OPENING * ACCOUNTS  # money moved, none made or lost
        transfers = session.scalars(select(JournalEntry.id).where(
            JournalEntry.kind == "transfer")).all()
        assert sorted(transfers) == sorted(d.result.entry_id for d in done)
        assert session.scalar(select(func.count()).select_from(IdempotentRequest).where(
            IdempotentRequest.operation == "transfer")) == len(done)


@pytest.mark.parametrize("attempts", [6])
def test_the_same_key_sent_at_once_posts_once(pg_kernel: Kernel, attempts: int) -> None:
    with pg_kernel.db.session() as session:
        alice, bob = insert_customers(session, pg_kernel.cipher, 2)
        source = open_account(session, alice, funds="100.00").id
        target = open_account(session, bob).id
    results: list[TransferResult] = []
    failures: list[BaseException] = []
    start = threading.Barrier(attempts)

    def send() -> None:
        start.wait()
        try:
            with pg_kernel.db.session() as session:
                results.append(corebank.transfer(
                    session, customer_actor(alice), idempotency_key="once",
                    source_account_id=source, target_account_id=target, amount=cny("10.00")))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == attempts
    assert len({r.entry_id for r in results}) == 1
    with pg_kernel.db.session() as session:
        assert corebank.get_account(session, customer_actor(alice),
                                    account_id=source).balance == cny("90.00")


def test_the_same_key_at_once_after_the_money_is_spent_and_with_another_request(
        pg_kernel: Kernel) -> None:
    # each waits for the first on the accounts' locks; then its own posting is refused (the
    # first spent it all) or its key is taken by another request: the first result, or
    # idempotency_key_reused, and never a deadlock
    with pg_kernel.db.session() as session:
        alice, bob = insert_customers(session, pg_kernel.cipher, 2)
        source = open_account(session, alice, funds="100.00").id
        target = open_account(session, bob).id
    amounts = ["100.00"] * 4 + ["1.00"] * 2
    outcomes: dict[int, object] = {}
    start = threading.Barrier(len(amounts))

    def send(number: int) -> None:
        start.wait()
        try:
            with pg_kernel.db.session() as session:
                outcomes[number] = corebank.transfer(
                    session, customer_actor(alice), idempotency_key="all-at-once",
                    source_account_id=source, target_account_id=target,
                    amount=cny(amounts[number]))
        except BaseException as error:
            outcomes[number] = error

    _run_at_once(send, len(amounts))
    results = [o for o in outcomes.values() if isinstance(o, TransferResult)]
    errors = [o for o in outcomes.values() if not isinstance(o, TransferResult)]
    assert len({r.entry_id for r in results}) == 1
    assert all(getattr(e, "code", None) == "idempotency_key_reused" for e in errors), errors
    first = results[0]
    with pg_kernel.db.session() as session:
        posted = session.scalars(select(JournalEntry.id).where(
            JournalEntry.kind == "transfer")).all()
        assert posted == [first.entry_id]
        balance = corebank.get_account(session, customer_actor(alice), account_id=source).balance
    # whichever request came first, the others replayed it or were refused
    spent = {"100.00": cny("0.00"), "1.00": cny("99.00")}
    assert balance in spent.values()
    assert len(results) == sum(1 for a in amounts if spent[a] == balance)
