"""The marketing benchmark's bank: branches, RMs and marketers through the identity service,
then ``N`` customers with what the campaigns' audiences read, inserted set-based (a series of
numbers turned into rows by ``INSERT … SELECT``: ``generate_series`` on PostgreSQL, a recursive
CTE on SQLite), never one service call per customer.

Customer ``n`` (1..N) belongs to RM ``n mod R``. Each has a Class I demand account holding 1,000
to 500,000 CNY; 40% also hold a time deposit (a CD from 200,000) of 10,000 to 1,000,000 CNY
maturing 1 to 90 days from the run day; 2% have withdrawn marketing consent and 3% asked not to
be disturbed. The figures come from a fixed hash of ``n``, so every run builds the same bank.

The books hold: one opening entry credits every demand and deposit account with its balance
and debits the cash account with the sum, each account's balance is its one posting and its
posting count 1 (``ledger_invariants`` checks this after the run)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, Table, Uuid, bindparam, insert, select, text
from sqlalchemy.orm import Session

from contactless.corebank.constants import INTERNAL_NUMBER_PREFIX, AccountKind
from contactless.identity import service as identity
from contactless.identity.models import Branch, StaffUser
from contactless.identity.service import BranchKind, Role
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import UTCDateTime
from contactless.platform.kernel import Kernel

PASSWORD = "Bench-pass-2026"  # noqa: S105 - a throwaway database's staff
BRANCHES = ("HZ", "NB", "WZ", "SX")
SUB_BRANCHES = 5  # per branch
# the first 8 hex digits of an id say what it is; the last 12 are n
CUSTOMER, DEMAND, DEPOSIT_ACCOUNT, DEPOSIT, ENTRY, CASH = 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6

TYPES = {"today": Date(), "opened": Date(), "now": UTCDateTime(), "entry": Uuid()}
scratch = MetaData()
numbers = Table("bench_number", scratch, Column("n", Integer, primary_key=True))
rms = Table("bench_rm", scratch, Column("k", Integer, primary_key=True),
            Column("rm_id", Uuid, nullable=False), Column("branch_id", Uuid, nullable=False))


def bench_id(tag: int, n: int) -> uuid.UUID:
    """The id the bulk SQL gives row ``n`` of a kind (the same digits as ``_id``)."""
    return uuid.UUID(f"{tag:08x}000040008000{n:012x}")


@dataclass(frozen=True)
class Dialect:
    """The few expressions SQLite and PostgreSQL spell differently."""

    postgres: bool

    def id(self, tag: int, n: str = "n") -> str:
        if self.postgres:
            return (f"CAST('{tag:08x}000040008000' || lpad(to_hex({n}), 12, '0') AS uuid)")
        return f"printf('{tag:08x}000040008000%012x', {n})"

    def days_after(self, day: str, days: str) -> str:
        if self.postgres:
            return f"(CAST({day} AS date) + CAST({days} AS integer))"
        return f"date({day}, printf('%+d days', {days}))"

    def number(self, prefix: str) -> str:
        """A 19-digit account number: the kind's prefix and n."""
        if self.postgres:
            return f"'{prefix}' || lpad(CAST(n AS text), 15, '0')"
        return f"printf('{prefix}%015d', n)"

    def fill_numbers(self) -> str:
        if self.postgres:
            return "INSERT INTO bench_number (n) SELECT generate_series(1, :count)"
        return ("INSERT INTO bench_number (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL "
                "SELECT n + 1 FROM s WHERE n < :count) SELECT n FROM s")


# a multiplier pair per figure: a quadratic of n mod a prime, so the figures do not follow
# each other (whether n holds a deposit says nothing of its size or its maturity)
PRIME = 1_000_003
SALTS = {1: (7919, 104729), 2: (485818, 452746), 3: (979537, 27860), 4: (949460, 424163),
         5: (604460, 587361)}


def h(salt: int) -> str:
    """A fixed pseudo-random number 0..1,000,002 of n (both databases do 64-bit integers)."""
    square, linear = SALTS[salt]
    n = "CAST(n AS bigint)"
    return f"((({n} * {n}) % {PRIME}) * {square} + {n} * {linear}) % {PRIME}"


HAS_DEPOSIT = f"{h(2)} % 100 < 40"
DEMAND_FEN = f"(1000 + ({h(1)} % 500) * 1000) * 100"
PRINCIPAL_FEN = f"(10000 * (1 + {h(4)} % 100)) * 100"
MATURES_IN = f"(1 + {h(3)} % 90)"


@dataclass(frozen=True)
class Bank:
    marketer: Actor  # mk.b01: a branch's marketer, makes campaigns
    lead: Actor  # mk.hq: head office's, approves
    rms: int
    customers: int


def make_staff(kernel: Kernel, rm_count: int) -> Bank:
    """Head office, four branches of five sub-branches, ``rm_count`` RMs spread over the
    sub-branches, and two marketers; through the identity service."""
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行",
                               kind=BranchKind.HEAD_OFFICE)
        subs = []
        for code in BRANCHES:
            identity.create_branch(session, SYSTEM, code=code, name=f"{code}分行",
                                   kind=BranchKind.BRANCH, parent_code="HQ")
            for number in range(1, SUB_BRANCHES + 1):
                sub = f"{code}-{number:02d}"
                identity.create_branch(session, SYSTEM, code=sub, name=f"{sub}支行",
                                       kind=BranchKind.SUB_BRANCH, parent_code=code)
                subs.append(sub)
        for number in range(rm_count):
            identity.create_staff(session, SYSTEM, username=f"rm.{number:04d}", role=Role.RM,
                                  branch_code=subs[number % len(subs)], password=PASSWORD,
                                  display_name=f"客户经理{number:04d}")
        for username, branch in (("mk.hq", "HQ"), ("mk.b01", BRANCHES[0])):
            identity.create_staff(session, SYSTEM, username=username, role=Role.MARKETER,
                                  branch_code=branch, password=PASSWORD,
                                  display_name=username.upper())
    with kernel.db.session() as session:
        maker, lead = (_actor(session, name) for name in ("mk.b01", "mk.hq"))
    return Bank(maker, lead, rm_count, 0)


def _actor(session: Session, username: str) -> Actor:
    user, branch = session.execute(select(StaffUser, Branch)
                                   .join(Branch, Branch.id == StaffUser.branch_id)
                                   .where(StaffUser.username == username)).one()
    return identity.staff_actor(user, branch)


def _rm_table(session: Session) -> None:
    rows = session.execute(select(StaffUser.id, StaffUser.branch_id)
                           .where(StaffUser.role == Role.RM.value)
                           .order_by(StaffUser.username)).all()
    session.execute(insert(rms), [{"k": k, "rm_id": rm_id, "branch_id": branch_id}
                                  for k, (rm_id, branch_id) in enumerate(rows)])


def insert_customers(kernel: Kernel, bank: Bank, count: int, *, on: date,
                     now: datetime) -> Bank:
    """The ``count`` customers, their accounts, deposits, preferences and the opening entry,
    each kind of row one ``INSERT … SELECT`` over the numbers 1..count."""
    sql = Dialect(kernel.db.dialect == "postgresql")
    with kernel.db.session() as session:
        scratch.create_all(session.connection())
        session.execute(text(sql.fill_numbers()), {"count": count})
        _rm_table(session)
        cipher = kernel.cipher
        values = {"name": cipher.encrypt("基准客户"), "mobile": cipher.encrypt("13800000000"),
                  "id_number": cipher.encrypt("110101199001010000"), "count": count,
                  "rms": bank.rms, "today": on, "now": now,
                  "opened": on - timedelta(days=400), "entry": bench_id(ENTRY, 1),
                  "cash": f"{INTERNAL_NUMBER_PREFIX[AccountKind.CASH]}-CNY"}
        for statement in statements(sql):
            used = {name: value for name, value in values.items() if f":{name}" in statement}
            typed = [bindparam(name, type_=TYPES[name]) for name in used if name in TYPES]
            session.execute(text(statement).bindparams(*typed), used)
        scratch.drop_all(session.connection())
    return Bank(bank.marketer, bank.lead, bank.rms, count)


def statements(sql: Dialect) -> list[str]:
    matures = sql.days_after(":today", MATURES_IN)
    deposit_kind = (f"CASE WHEN {PRINCIPAL_FEN} >= 20000000 THEN 'certificate_of_deposit' "
                    "ELSE 'time_deposit' END")
    return [
        f"""INSERT INTO customer (id, name_encrypted, mobile_encrypted, mobile_index,
              id_number_encrypted, id_number_index, primary_rm_id, branch_id, status,
              session_version, created_at)
            SELECT {sql.id(CUSTOMER)}, :name, :mobile, 'bench-m-' || n, :id_number,
                   'bench-i-' || n, r.rm_id, r.branch_id, 'active', 0, :now
            FROM bench_number JOIN bench_rm r ON r.k = n % :rms""",  # noqa: S608
        f"""INSERT INTO corebank_account (id, number, kind, currency, customer_id, account_class,
              status, balance, posting_count, opened_on, created_at)
            SELECT {sql.id(DEMAND)}, {sql.number('6230')},
                   'demand', 'CNY', {sql.id(CUSTOMER)}, 1, 'active', -({DEMAND_FEN}), 1,
                   :opened, :now
            FROM bench_number""",  # noqa: S608
        f"""INSERT INTO corebank_account (id, number, kind, currency, customer_id, status,
              balance, posting_count, opened_on, created_at)
            SELECT {sql.id(DEPOSIT_ACCOUNT)}, {sql.number('6231')},
                   {deposit_kind}, 'CNY', {sql.id(CUSTOMER)}, 'active', -({PRINCIPAL_FEN}), 1,
                   :opened, :now
            FROM bench_number WHERE {HAS_DEPOSIT}""",  # noqa: S608
        f"""INSERT INTO corebank_deposit (id, account_id, customer_id, demand_account_id,
              product, term, principal, currency, annual_rate, start_date, maturity_date,
              instruction, status, created_at)
            SELECT {sql.id(DEPOSIT)}, {sql.id(DEPOSIT_ACCOUNT)}, {sql.id(CUSTOMER)},
                   {sql.id(DEMAND)},
                   CASE WHEN {PRINCIPAL_FEN} >= 20000000 THEN 'cd' ELSE 'time' END, '1y',
                   {PRINCIPAL_FEN}, 'CNY', '0.0175',
                   {sql.days_after(':today', f'{MATURES_IN} - 365')}, {matures},
                   'payout', 'active', :now
            FROM bench_number WHERE {HAS_DEPOSIT}""",  # noqa: S608
        f"""INSERT INTO marketing_preference (customer_id, consent, do_not_disturb, updated_at)
            SELECT {sql.id(CUSTOMER)}, {h(5)} % 100 >= 2, {h(5)} % 100 < 5, :now
            FROM bench_number WHERE {h(5)} % 100 < 5""",  # noqa: S608
        *_books(sql),
    ]


def _books(sql: Dialect) -> list[str]:
    """The opening entry: a credit posting per customer account, one debit on cash."""
    return [
        """INSERT INTO corebank_entry (id, kind, value_date, memo, actor_kind, actor_id,
              channel, created_at)
            VALUES (:entry, 'cash_deposit', :opened, 'benchmark opening balances', 'system',
                    'system', 'job', :now)""",
        """INSERT INTO corebank_posting (entry_id, account_id, seq, amount, currency,
              balance_after, value_date)
            SELECT :entry, id, 1, balance, 'CNY', balance, :opened FROM corebank_account
            WHERE customer_id IS NOT NULL""",
        f"""INSERT INTO corebank_account (id, number, kind, currency, status, balance,
              posting_count, opened_on, created_at)
            SELECT {sql.id(CASH, '1')}, :cash, 'cash', 'CNY', 'active',
                   -(SELECT sum(balance) FROM corebank_account WHERE customer_id IS NOT NULL),
                   1, :opened, :now""",  # noqa: S608
        """INSERT INTO corebank_posting (entry_id, account_id, seq, amount, currency,
              balance_after, value_date)
            SELECT :entry, id, 1, balance, 'CNY', balance, :opened FROM corebank_account
            WHERE number = :cash""",
    ]


LOADED = ("customer", "corebank_account", "corebank_deposit", "corebank_entry",
          "corebank_posting", "marketing_preference")


def analyze_loaded(kernel: Kernel) -> None:
    """On PostgreSQL, what autovacuum does after a bulk load: the loaded tables vacuumed and
    analyzed. The marketing tables stay as migrated, never analyzed, as on a bank's first run.
    (SQLite keeps no statistics unless told to, and a bank's database is not told.)"""
    if kernel.db.dialect != "postgresql":
        return
    with kernel.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in LOADED:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
