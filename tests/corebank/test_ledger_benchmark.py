"""The ledger benchmark runs end to end on PostgreSQL, and its check of the books finds broken
books (so a true ``invariants_ok`` means something)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from benchmarks.ledger_invariants import book_problems
from sqlalchemy import select, update

from contactless.corebank import service as corebank
from contactless.corebank.models import JournalEntry, LedgerAccount, Posting
from contactless.platform.kernel import Kernel
from tests.conftest import PG_ADMIN_URL
from tests.factories.corebank import cny, customer_actor, insert_customers, key, open_account

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"transfers_per_second", "p50_ms", "p99_ms", "invariants_ok", "pgbench_tps",
        "ratio_to_pgbench", "interest_settlement_100k_seconds", "python_ms_per_transfer",
        "round_trips_per_transfer"}


def test_the_benchmark_prints_its_figures_and_the_books_hold() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "ledger_transfers.py"),
               "--database-url", PG_ADMIN_URL, "--threads", "2", "--transfers", "200",
               "--hot-accounts", "4", "--cold-accounts", "40", "--settlement-accounts", "200",
               "--pgbench-seconds", "2", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,  # noqa: S603
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert KEYS <= set(figures)
    assert figures["invariants_ok"] is True, figures["invariant_problems"]
    assert figures["transfers"] == 200
    assert figures["settlement_accounts"] == 200
    assert figures["transfers_per_second"] > 0
    assert figures["pgbench_tps"] > 0
    assert figures["ratio_to_pgbench"] == round(
        figures["transfers_per_second"] / figures["pgbench_tps"], 3)
    assert [set(one) for one in figures["rounds"]] == [
        {"transfers_per_second", "pgbench_tps", "ratio"}] * 3  # pgbench and transfers in turns
    mean_pgbench = sum(one["pgbench_tps"] for one in figures["rounds"]) / 3
    assert abs(figures["pgbench_tps"] - mean_pgbench) < 0.1
    assert "settle-interest" in done.stderr
    assert '"complete": true' in done.stderr


def test_the_plain_client_sends_the_services_statements() -> None:
    """``ledger_plain.py`` (the ceiling of a Python client) writes with the statement the
    service sends: the run fails if the service's write no longer takes its values."""
    command = [sys.executable, str(ROOT / "benchmarks" / "ledger_plain.py"),
               "--database-url", PG_ADMIN_URL, "--threads", "2", "--transfers", "50", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,  # noqa: S603
                          cwd=ROOT / "benchmarks", check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert figures["transfers"] == 100
    assert figures["transfers_per_second"] > 0
    assert figures["python_ms_per_transfer"] > 0


def _books_with_transfers(kernel: Kernel) -> list[tuple[str, str]]:
    """Two customers, a few transfers; the (scope, key) of each answered one."""
    answered: list[tuple[str, str]] = []
    with kernel.db.session() as session:
        alice, bob = insert_customers(session, kernel.cipher, 2)
        source = open_account(session, alice, funds="500.00").id
        target = open_account(session, bob).id
    for _ in range(3):
        sent = key("bench")
        with kernel.db.session() as session:
            corebank.transfer(session, customer_actor(alice), idempotency_key=sent,
                              source_account_id=source, target_account_id=target,
                              amount=cny("10.00"))
        answered.append((f"customer:{alice}", sent))
    return answered


def test_the_check_passes_sound_books(sqlite_kernel: Kernel) -> None:
    answered = _books_with_transfers(sqlite_kernel)
    with sqlite_kernel.db.engine.connect() as conn:
        assert book_problems(conn, answered) == []


def test_the_check_finds_a_posting_that_breaks_its_entry_and_balance(
        sqlite_kernel: Kernel) -> None:
    answered = _books_with_transfers(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        posting = session.scalars(select(Posting).order_by(Posting.id.desc()).limit(1)).one()
        session.execute(update(Posting).where(Posting.id == posting.id)
                        .values(amount=posting.amount + 1))
    with sqlite_kernel.db.engine.connect() as conn:
        problems = book_problems(conn, answered)
    assert any("does not balance" in problem for problem in problems)
    assert any(problem.startswith("account ") for problem in problems)


def test_the_check_finds_a_balance_moved_without_a_posting(sqlite_kernel: Kernel) -> None:
    answered = _books_with_transfers(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        session.execute(update(LedgerAccount).where(LedgerAccount.kind == "demand")
                        .values(balance=LedgerAccount.balance - 1))
    with sqlite_kernel.db.engine.connect() as conn:
        problems = book_problems(conn, answered)
    assert len([p for p in problems if p.startswith("account ")]) == 2


def test_the_check_finds_keys_answered_without_an_entry_and_entries_nobody_asked_for(
        sqlite_kernel: Kernel) -> None:
    answered = _books_with_transfers(sqlite_kernel)
    ghost = (answered[0][0], f"never-sent-{uuid.uuid4().hex[:6]}")
    with sqlite_kernel.db.engine.connect() as conn:
        problems = book_problems(conn, [*answered[1:], ghost])
    assert any("posted nothing" in problem for problem in problems)
    assert any("nobody was answered for" in problem for problem in problems)
    assert any("no served request" in problem for problem in problems)
    with sqlite_kernel.db.session() as session:
        entries = session.scalars(select(JournalEntry).where(JournalEntry.kind == "transfer"))
        assert len(entries.all()) == 3
