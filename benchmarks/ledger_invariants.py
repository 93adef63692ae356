"""The ledger benchmark's check of the books after the run, in SQL over the ledger's tables:

- every account's balance is the sum of its postings, and its posting count their number;
- every journal entry has postings and they sum to zero in each currency;
- each idempotency key the run was answered for posted exactly one entry and one served
  request, and no other transfer entry exists (a refused transfer posted nothing).

Plain Core queries, so the same check runs on SQLite (the checker's own test) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, func, select

from contactless.corebank.models import IdempotentRequest, JournalEntry, LedgerAccount, Posting

TRANSFER = "transfer"
SHOWN = 5  # problems of each kind named in the report


def account_problems(conn: Connection) -> list[str]:
    """Accounts whose stored balance or posting count disagrees with their postings."""
    sums = (select(Posting.account_id, func.sum(Posting.amount).label("total"),
                   func.count().label("count"))
            .group_by(Posting.account_id).subquery())
    total = func.coalesce(sums.c.total, 0)
    count = func.coalesce(sums.c.count, 0)
    rows = conn.execute(
        select(LedgerAccount.number, LedgerAccount.balance, total, LedgerAccount.posting_count,
               count)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where((total != LedgerAccount.balance) | (count != LedgerAccount.posting_count))
        .limit(SHOWN)
    ).all()
    return [f"account {number}: balance {balance} but its {counted} postings sum to "
            f"{summed} (posting count {stored})"
            for number, balance, summed, stored, counted in rows]


def entry_problems(conn: Connection) -> list[str]:
    """Entries that do not balance in a currency, and entries without postings."""
    unbalanced = conn.execute(
        select(Posting.entry_id, Posting.currency, func.sum(Posting.amount))
        .group_by(Posting.entry_id, Posting.currency)
        .having(func.sum(Posting.amount) != 0)
        .limit(SHOWN)
    ).all()
    problems = [f"entry {entry_id} does not balance in {currency}: {total}"
                for entry_id, currency, total in unbalanced]
    empty = conn.execute(
        select(JournalEntry.id).outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .where(Posting.id.is_(None)).limit(SHOWN)
    ).scalars().all()
    problems += [f"entry {entry_id} has no postings" for entry_id in empty]
    return problems


def key_problems(conn: Connection, scope_keys: Iterable[tuple[str, str]]) -> list[str]:
    """Each (scope, key) answered posted one transfer entry and one served request; no
    transfer entry carries a key the run was not answered for."""
    answered = set(scope_keys)
    entries: dict[tuple[str, str], int] = {}
    for scope, key, count in conn.execute(
        select(JournalEntry.idempotency_scope, JournalEntry.idempotency_key, func.count())
        .where(JournalEntry.kind == TRANSFER)
        .group_by(JournalEntry.idempotency_scope, JournalEntry.idempotency_key)
    ):
        entries[(scope, key)] = count
    served = {(scope, key) for scope, key in conn.execute(
        select(IdempotentRequest.scope, IdempotentRequest.key)
        .where(and_(IdempotentRequest.operation == TRANSFER,
                    IdempotentRequest.result.is_not(None))))}
    problems: list[str] = []
    twice = [pair for pair, count in entries.items() if count != 1]
    problems += [f"key {key} of {scope} posted {entries[(scope, key)]} entries"
                 for scope, key in twice[:SHOWN]]
    missing = sorted(answered - set(entries))
    problems += [f"key {key} of {scope} was answered but posted nothing"
                 for scope, key in missing[:SHOWN]]
    unasked = sorted(set(entries) - answered)
    problems += [f"key {key} of {scope} posted a transfer nobody was answered for"
                 for scope, key in unasked[:SHOWN]]
    unserved = sorted(answered - served)
    problems += [f"key {key} of {scope} has no served request"
                 for scope, key in unserved[:SHOWN]]
    return problems


def book_problems(conn: Connection, scope_keys: Iterable[tuple[str, str]]) -> list[str]:
    """Every problem found; an empty list means the invariants hold."""
    return account_problems(conn) + entry_problems(conn) + key_problems(conn, scope_keys)
