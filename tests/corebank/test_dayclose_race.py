"""A day closes while postings run (PostgreSQL, where writers do not queue): a posting that
locked its accounts first is in the closed day's trial balance, and one that comes while the
day closes waits and takes the next business date. Either way the kept trial balance is what
the postings dated up to that day add up to."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.ledger.books import business_date
from contactless.corebank.schemas import ClosedDay
from contactless.platform.kernel import Kernel
from tests.factories.corebank import JOB, TELLER, cny, insert_customers, key, open_account


def _someone_waits_for_the_accounts(kernel: Kernel) -> bool:
    with kernel.db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'relation' "
            "AND relation = 'corebank_account'::regclass")))


def _until(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Poll the database until another transaction is seen waiting (not a clock wait)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "nobody waited for the accounts' lock"
        time.sleep(0.05)


class _InThread(threading.Thread):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # handed to the test
            self.error = error

    def outcome(self) -> Any:
        self.join(60)
        assert not self.is_alive()
        if self.error is not None:
            raise self.error
        return self.result


def _funded(kernel: Kernel) -> tuple[uuid.UUID, date]:
    with kernel.db.session() as session:
        (customer,) = insert_customers(session, kernel.cipher, 1)
        today = business_date(session)
        account = open_account(session, customer, funds="500.00", on=today)
    return account.id, today


def _close(kernel: Kernel, day: date) -> ClosedDay:
    with kernel.db.session() as session:
        return corebank.close_day(session, JOB, business_date=day)


def _demand_closing(closed: ClosedDay) -> Decimal:
    line = next(line for line in closed.general_ledger if line.account_kind == "demand")
    return line.closing


def test_a_posting_in_flight_is_in_the_day_that_closes_after_it(pg_kernel: Kernel) -> None:
    account, today = _funded(pg_kernel)
    with ExitStack() as posting:
        session: Session = posting.enter_context(pg_kernel.db.session())
        paid = corebank.deposit_cash(session, TELLER, idempotency_key=key(),
                                     account_id=account, amount=cny("70.00"))
        assert paid.value_date == today
        closing = _InThread(lambda: _close(pg_kernel, today))
        closing.start()
        _until(lambda: _someone_waits_for_the_accounts(pg_kernel))
    closed: ClosedDay = closing.outcome()  # the posting committed as the stack closed
    assert _demand_closing(closed) == Decimal("-570.00")
    assert closed.trial_balance.balanced
    with pg_kernel.db.session() as session:
        assert corebank.verify_books(session).ok


def test_a_posting_that_comes_while_the_day_closes_takes_the_next_day(
        pg_kernel: Kernel) -> None:
    account, today = _funded(pg_kernel)
    with ExitStack() as closing:
        session: Session = closing.enter_context(pg_kernel.db.session())
        closed = corebank.close_day(session, JOB, business_date=today)

        def deposit() -> Any:
            with pg_kernel.db.session() as other:
                return corebank.deposit_cash(other, TELLER, idempotency_key=key(),
                                             account_id=account, amount=cny("5.00"))

        posting = _InThread(deposit)
        posting.start()
        _until(lambda: _someone_waits_for_the_accounts(pg_kernel))
    paid = posting.outcome()
    assert paid.value_date == today + timedelta(days=1)
    assert _demand_closing(closed) == Decimal("-500.00")
    with pg_kernel.db.session() as session:
        kept = corebank.last_closed_day(session, JOB)
        assert kept is not None
        assert kept.trial_balance == closed.trial_balance
        assert corebank.verify_books(session).ok
