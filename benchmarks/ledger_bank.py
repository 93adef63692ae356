"""What the ledger benchmark sets up and runs besides the transfers: a fresh database on the
given PostgreSQL server, migrated; customers and accounts opened through the core-banking
service; ``pgbench`` in a database of its own; and the interest settlement of many accounts
through ``contactless corebank settle-interest``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import insert, select, text

from contactless.corebank import service as corebank
from contactless.corebank.constants import INTERNAL_NUMBER_PREFIX, AccountKind
from contactless.corebank.interest import previous_settlement_date, settlement_period
from contactless.customers.models import Customer
from contactless.identity import service as identity
from contactless.identity.models import StaffUser
from contactless.identity.service import BranchKind, Role
from contactless.platform import migrations
from contactless.platform.clock import today_in
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.money import Money
from contactless.platform.store import MemoryStore
from contactless.settings import Mode, Settings

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-" + "0123456789abcdef" * 3
DATA_KEY = "bench-data-key-" + "fedcba9876543210" * 3
AUDIT_KEY = "bench-audit-key-" + "0f1e2d3c4b5a6978" * 3
PGBENCH = "/usr/bin/pgbench"
HOT_FUNDS = Decimal("1000000.00")
COLD_FUNDS = Decimal("100000.00")
BANK_ZONE = "Asia/Shanghai"
SETTLEMENT_DAY = 20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- databases -------------------------------------------------------------------------------


def _admin(server_url: str) -> str:
    return server_url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_database(server_url: str, prefix: str = "contactless_ledger_bench") -> Iterator[str]:
    """A new database on the server of ``server_url`` (its URL), dropped at the end."""
    admin = _admin(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(url: str, home: Path) -> Settings:
    # test mode: production also wants an SMS gateway, an e-KYC provider and a risk policy
    # plugged in; nothing on the ledger's path depends on the mode
    return Settings(mode=Mode.TEST, home=home, database_url=url,
                    secret_key=SECRET, data_key=DATA_KEY,  # type: ignore[arg-type]
                    audit_key=AUDIT_KEY,  # type: ignore[arg-type]
                    argon2_time_cost=1, argon2_memory_kib=1024, log_json=True)


def kernel_for(url: str, home: Path) -> Kernel:
    """A kernel as a server worker has one; committed events go to the workers' delivery job
    (nobody subscribes to a completed transfer, so its event is stored as a record)."""
    kernel = build_kernel(settings_for(url, home), store=MemoryStore())
    kernel.bus.deliver_inline = False
    return kernel


def command_env(url: str, home: Path) -> dict[str, str]:
    """The environment ``contactless`` commands read their settings from."""
    env = dict(os.environ, CONTACTLESS_DATABASE_URL=url, CONTACTLESS_HOME=str(home),
               CONTACTLESS_MODE="test", CONTACTLESS_SECRET_KEY=SECRET,
               CONTACTLESS_DATA_KEY=DATA_KEY, CONTACTLESS_AUDIT_KEY=AUDIT_KEY,
               CONTACTLESS_LOG_JSON="true")
    env.pop("CONTACTLESS_REDIS_URL", None)
    return env


# -- the bank ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    account_id: uuid.UUID
    customer_id: uuid.UUID


def migrate_and_seed(kernel: Kernel) -> uuid.UUID:
    """Migrate to head; a head office, a branch, an RM and the default rate table. Returns
    the RM's id (customers need one)."""
    migrations.upgrade(kernel.db)
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行",
                               kind=BranchKind.HEAD_OFFICE)
        identity.create_branch(session, SYSTEM, code="HZ", name="杭州分行",
                               kind=BranchKind.BRANCH, parent_code="HQ")
        identity.create_staff(session, SYSTEM, username="rm.ledger", role=Role.RM,
                              branch_code="HZ", password="Bench-pass-2026",  # noqa: S106
                              display_name="基准客户经理")
        corebank.seed_default_rates(session)
    with kernel.db.session() as session:
        staff = session.scalars(select(StaffUser).where(StaffUser.username == "rm.ledger")).one()
        return staff.id


def insert_customers(kernel: Kernel, rm_id: uuid.UUID, count: int, batch: int = 5000,
                     ) -> list[uuid.UUID]:
    """``count`` customer rows in bulk (set-up only: one ciphertext for every name)."""
    with kernel.db.session() as session:
        branch_id = session.scalars(select(StaffUser.branch_id)
                                    .where(StaffUser.id == rm_id)).one()
        name = kernel.cipher.encrypt("基准客户")
        mobile = kernel.cipher.encrypt("13800000000")
        id_number = kernel.cipher.encrypt("110101199001010000")
        ids = [uuid.uuid4() for _ in range(count)]
        for start in range(0, count, batch):
            session.execute(insert(Customer), [
                {"id": customer_id, "name_encrypted": name, "mobile_encrypted": mobile,
                 "mobile_index": f"bench-m-{customer_id.hex}", "id_number_encrypted": id_number,
                 "id_number_index": f"bench-i-{customer_id.hex}", "primary_rm_id": rm_id,
                 "branch_id": branch_id, "status": "active", "session_version": 0}
                for customer_id in ids[start:start + batch]])
    return ids


def open_funded(kernel: Kernel, customer_ids: list[uuid.UUID], funds: Decimal,
                tag: str) -> list[Holder]:
    """A Class I demand account per customer, opened and funded with cash through the
    core-banking service (each its own request, as at a counter)."""
    holders: list[Holder] = []
    for number, customer_id in enumerate(customer_ids):
        with kernel.db.session() as session:
            account = corebank.open_account(session, SYSTEM, customer_id=customer_id,
                                            idempotency_key=f"open-{tag}-{number}")
            corebank.deposit_cash(session, SYSTEM, account_id=account.id,
                                  idempotency_key=f"fund-{tag}-{number}",
                                  amount=Money(funds, "CNY"))
        holders.append(Holder(account.id, customer_id))
    return holders


# -- pgbench ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    command: str


class Pgbench:
    """pgbench's built-in TPC-B-like script in a database of its own on the same server,
    initialised once (scale ``scale``), run as often as asked (:meth:`run`)."""

    def __init__(self, url: str, clients: int, scale: int) -> None:
        self.url, self.clients, self.scale = url, clients, scale
        subprocess.run([PGBENCH, "-i", "-q", "-s", str(scale), url], check=True,  # noqa: S603
                       capture_output=True, timeout=600)

    def command(self, seconds: int) -> list[str]:
        return [PGBENCH, "-c", str(self.clients),
                "-j", str(min(self.clients, os.cpu_count() or 1)), "-T", str(seconds), "-n"]

    def shown(self, seconds: int) -> str:
        return f"pgbench -i -s {self.scale}; {' '.join(self.command(seconds))} DB"

    def run(self, seconds: int) -> float:
        """One run of ``seconds``: its transactions per second."""
        output = subprocess.run([*self.command(seconds), self.url], check=True,  # noqa: S603
                                capture_output=True, text=True, timeout=seconds + 120).stdout
        found = re.search(r"tps = ([\d.]+)", output)
        if found is None:
            raise RuntimeError(f"pgbench printed no tps: {output[-500:]}")
        return float(found.group(1))


@contextmanager
def pgbench_database(server_url: str, clients: int, scale: int) -> Iterator[Pgbench]:
    with fresh_database(server_url, prefix="contactless_pgbench") as url:
        yield Pgbench(url, clients, scale)


def run_pgbench(server_url: str, clients: int, seconds: int, scale: int) -> PgbenchResult:
    """pgbench's built-in TPC-B-like script in its own database on the same server."""
    with pgbench_database(server_url, clients, scale) as bench:
        return PgbenchResult(bench.run(seconds), bench.shown(seconds))


# -- interest settlement ------------------------------------------------------------------------


def last_settlement_date() -> date:
    """The last quarterly settlement date before today in the bank's zone."""
    return previous_settlement_date(today_in(BANK_ZONE), SETTLEMENT_DAY)


def insert_settlement_accounts(kernel: Kernel, rm_id: uuid.UUID, count: int) -> date:
    """``count`` demand accounts with balances, in bulk SQL (set-up only): each opened before
    the period with one credit posting, all in one balanced entry against the cash account
    (created by the funding above). Returns the settlement date."""
    settlement_date = last_settlement_date()
    start, _end = settlement_period(settlement_date, SETTLEMENT_DAY)
    opened = start - timedelta(days=10)
    customer_ids = insert_customers(kernel, rm_id, count)
    cash_number = f"{INTERNAL_NUMBER_PREFIX[AccountKind.CASH]}-CNY"
    with kernel.db.session() as session:
        session.execute(text(_SETTLEMENT_SETUP), {
            "customers": customer_ids, "opened": opened, "entry": uuid.uuid4(),
            "cash": cash_number, "prefix": f"6230{uuid.uuid4().int % 10**5:05d}"})
    return settlement_date


# balances of 1,000.00 to 100,999.00 CNY (stored negative: deposits are credits), one entry
_SETTLEMENT_SETUP = """
WITH src AS (
  SELECT c AS customer_id, gen_random_uuid() AS id, row_number() OVER () AS n
  FROM unnest(CAST(:customers AS uuid[])) AS c
), accounts AS (
  INSERT INTO corebank_account (id, number, kind, currency, customer_id, account_class,
                                status, balance, posting_count, opened_on, created_at)
  SELECT id, :prefix || lpad(n::text, 10, '0'), 'demand', 'CNY', customer_id, 1, 'active',
         -(100000 + (n % 100000) * 100), 1, CAST(:opened AS date), now() FROM src
  RETURNING id, balance
), entry AS (
  INSERT INTO corebank_entry (id, kind, value_date, memo, actor_kind, actor_id, channel,
                              created_at)
  VALUES (:entry, 'cash_deposit', CAST(:opened AS date), 'benchmark opening balances',
          'system', 'system', 'job', now())
  RETURNING id
), cash AS (
  UPDATE corebank_account SET balance = balance - (SELECT sum(balance) FROM accounts),
         posting_count = posting_count + 1
  WHERE number = :cash RETURNING id, balance, posting_count
), credits AS (
  INSERT INTO corebank_posting (entry_id, account_id, seq, amount, currency, balance_after,
                                value_date)
  SELECT :entry, id, 1, balance, 'CNY', balance, CAST(:opened AS date) FROM accounts
)
INSERT INTO corebank_posting (entry_id, account_id, seq, amount, currency, balance_after,
                              value_date)
SELECT :entry, cash.id, cash.posting_count, -(SELECT sum(balance) FROM accounts), 'CNY',
       cash.balance, CAST(:opened AS date) FROM cash
"""


def time_settlement(url: str, home: Path, settlement_date: date) -> float:
    """Seconds of ``contactless corebank settle-interest --date D`` (the command as an operator
    runs it, process start included)."""
    command = [str(Path(sys.executable).with_name("contactless")), "corebank",
               "settle-interest", "--date", settlement_date.isoformat()]
    started = time.perf_counter()
    result = subprocess.run(command, env=command_env(url, home), capture_output=True,  # noqa: S603
                            text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"settle-interest failed: {result.stderr[-2000:]}")
    log(f"settle-interest: {result.stdout.strip()[-300:]}")
    return seconds
