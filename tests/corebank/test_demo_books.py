"""The demo bank's books: believable, balanced, and the same for the same seed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.models import (
    InterestSettlement,
    JournalEntry,
    LedgerAccount,
    TimeDeposit,
)
from contactless.corebank.schemas import DemoBooks
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from tests.conftest import make_settings
from tests.factories.corebank import JOB, insert_customers

TODAY = date(2025, 11, 20)


def seed(kernel: Kernel, customers: int, seed_value: int) -> DemoBooks:
    with kernel.db.session() as session:
        ids = insert_customers(session, kernel.cipher, customers)
        return corebank.seed_demo_books(session, customers=ids, rng=random.Random(seed_value),
                                        today=TODAY)


def fingerprint(kernel: Kernel) -> list[tuple[str, Decimal]]:
    with kernel.db.session() as session:
        return sorted(session.execute(select(LedgerAccount.kind, LedgerAccount.balance)).all())


def test_demo_books_balance_and_hold_every_kind_of_business(kernel: Kernel) -> None:
    books = seed(kernel, 80, seed_value=3)
    assert books.customers == 80
    assert books.demand_accounts >= 80
    assert books.entries > 80 * 5
    assert books.time_deposits > 0
    assert books.certificates_of_deposit > 0
    assert books.holdings > 0
    with kernel.db.session() as session:
        check = corebank.verify_books(session)
        assert check.ok, check.problems
        assert corebank.trial_balance(session).balanced
        deposits = session.scalars(select(TimeDeposit)).all()
        assert all(TODAY - timedelta(days=20) <= d.maturity_date <= TODAY + timedelta(days=90)
               for d in deposits)
        assert any(d.product == "cd" and d.principal >= 200_000 for d in deposits)
        # the quarter to 20 September was settled on the 21st, for every demand account
        settled = session.scalars(select(InterestSettlement)).all()
        assert {row.period_end for row in settled} == {date(2025, 9, 20)}
        assert len(settled) == books.demand_accounts
        paid = session.scalars(select(JournalEntry).where(
            JournalEntry.kind == "interest_settlement")).all()
        assert paid
        assert {entry.value_date for entry in paid} == {date(2025, 9, 21)}


def test_the_same_seed_gives_the_same_books(sqlite_kernel: Kernel, tmp_path: Path) -> None:
    other = build_kernel(make_settings(tmp_path / "other"), store=MemoryStore())
    Base.metadata.create_all(other.db.engine)
    try:
        assert seed(sqlite_kernel, 40, seed_value=9) == seed(other, 40, seed_value=9)
        assert fingerprint(sqlite_kernel) == fingerprint(other)
    finally:
        other.db.dispose()


def test_the_next_90_days_of_maturities_keep_the_books_balanced(sqlite_kernel: Kernel) -> None:
    books = seed(sqlite_kernel, 40, seed_value=5)
    matured = 0
    for offset in range(1, 91):
        with sqlite_kernel.db.session() as session:
            report = corebank.run_maturities(session, JOB, on=TODAY + timedelta(days=offset))
            assert report.failed == []
            matured += len(report.deposits)
    # every deposit placed fell due and was processed (one that fell due lately, renewed for
    # a short term, may mature twice in the 90 days)
    assert matured >= books.time_deposits + books.certificates_of_deposit
    with sqlite_kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(TimeDeposit).where(
            TimeDeposit.renewed_from_id.is_(None), TimeDeposit.status == "active")) == 0
    with sqlite_kernel.db.session() as session:
        check = corebank.verify_books(session)
        assert check.ok, check.problems
