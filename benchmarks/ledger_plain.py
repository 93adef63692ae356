"""What a plain psycopg client reaches with the statements of a transfer's lean path: the
ceiling of any Python client of this schema on this server. One JSON object on stdout.

    python benchmarks/ledger_plain.py --threads 8 --transfers 3000 --json

It makes the benchmark bank of ``ledger_transfers.py`` (a fresh database, 20 hot and 1,000
cold funded accounts), then each of ``--threads`` processes sends, per transfer, what the
service sends on PostgreSQL: the source account read, BEGIN, the key's claim (``INSERT ... ON
CONFLICT DO NOTHING``), the two accounts locked in id order, one statement writing the entry,
its two postings, both balances, the stored result, an audit row and an event (the service's
own statement text, taken from one transfer through the service), and COMMIT. No service,
SQLAlchemy, permission, fingerprint, audit digest or JSON of the result: the values are
stand-ins of the same sizes. It prints ``transfers_per_second``, ``p50_ms``, ``p99_ms``,
``python_ms_per_transfer`` (the client's CPU) and, with ``--pgbench-seconds``, pgbench's tps
and the ratio.

Two variants tell where the time goes: ``--pipeline`` sends the claim and the lock (with
BEGIN) in one pipeline and the write with COMMIT in another (psycopg's pipeline mode: 3 round
trips instead of 6); ``--bare-tables`` drops the written tables' secondary indexes and foreign
keys first.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from ledger_bank import (
    COLD_FUNDS,
    DEFAULT_SERVER,
    HOT_FUNDS,
    fresh_database,
    insert_customers,
    kernel_for,
    log,
    migrate_and_seed,
    open_funded,
    run_pgbench,
)
from psycopg.types.json import Json
from sqlalchemy import event

from contactless.corebank import service as corebank
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money

READ = "SELECT id, customer_id, status, balance, posting_count FROM corebank_account WHERE id = %s"
CLAIM = ("INSERT INTO corebank_request (scope, key, operation, fingerprint, created_at, id) "
         "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (scope, key) DO NOTHING RETURNING id")
LOCK = ("SELECT id, customer_id, status, balance, posting_count, "
        "(SELECT max(business_date) FROM corebank_business_day) FROM corebank_account "
        "WHERE id IN (%s, %s) ORDER BY id FOR UPDATE OF corebank_account")
WARM_UP = 50
BARE = ["DROP INDEX ix_audit_entry_actor_id", "DROP INDEX ix_audit_entry_at",
        "DROP INDEX ix_audit_entry_target_id", "DROP INDEX ix_audit_entry_action",
        "DROP INDEX ix_corebank_entry_value_date", "DROP INDEX ix_corebank_entry_reference_id",
        "DROP INDEX ix_corebank_entry_kind", "DROP INDEX ix_corebank_posting_entry_id",
        "DROP INDEX ix_corebank_posting_limit", "DROP INDEX ix_outbox_event_topic",
        "DROP INDEX ix_outbox_event_delivered_at",
        "ALTER TABLE corebank_posting DROP CONSTRAINT "
        "fk_corebank_posting_account_id_corebank_account",
        "ALTER TABLE corebank_posting DROP CONSTRAINT fk_corebank_posting_entry_id_corebank_entry"]
Account = tuple[uuid.UUID, uuid.UUID]  # account id, customer id


def service_write_statement(kernel: Kernel, source: Account, target: Account) -> str:
    """The statement a transfer through the service writes with (entry, postings, balances,
    result, audit, event), as the service sends it."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(kernel.db.engine, "before_cursor_execute", listen)
    with kernel.db.session() as session:
        corebank.transfer(session, Actor(kind="customer", id=str(source[1]), channel="mobile"),
                          idempotency_key="plain-statement", source_account_id=source[0],
                          target_account_id=target[0], amount=Money.of("1.00", "CNY"))
    event.remove(kernel.db.engine, "before_cursor_execute", listen)
    return next(statement for statement in seen if statement.startswith("WITH"))


def write_values(source: uuid.UUID, target: uuid.UUID, amount: int, states: dict[Any, Any],
                 record_id: uuid.UUID, scope: str, key: str, now: datetime) -> tuple[Any, ...]:
    """The write's parameters in the service statement's order, values of the same sizes."""
    entry, day = uuid.uuid4(), date.today()
    balance = {account: row[3] for account, row in states.items()}
    count = {account: row[4] for account, row in states.items()}
    customer = scope.removeprefix("customer:")
    return (
        entry, "transfer", day, "", "customer", customer, "mobile", scope, key, now,
        entry, source, count[source] + 1, amount, "CNY", balance[source] - amount, day,
        entry, target, count[target] + 1, -amount, "CNY", balance[target] + amount, day,
        [source, target], [balance[source] - amount, balance[target] + amount],
        [count[source] + 1, count[target] + 1],
        [record_id], [json.dumps({"entry_id": str(entry), "padding": "r" * 280})],
        now, "customer", customer, "mobile", "corebank.transfer", "corebank_account",
        str(source), "d" * 64, json.dumps({"amount": str(amount), "padding": "a" * 230}),
        uuid.uuid4(), "corebank.transfer_completed", Json({"key": key, "padding": "e" * 260}),
        now, now, 0)


def client(url: str, write: str, hot: list[Account], cold: list[Account], transfers: int,
           number: int, pipeline: bool, barrier: Any, out: Any) -> None:
    rng = random.Random(number)
    latencies: list[float] = []
    with psycopg.connect(url) as connection:

        def one(key: str) -> None:
            pair = [rng.choice(hot), rng.choice(cold)]
            source, target = pair if rng.random() < 0.5 else pair[::-1]
            scope, record_id, now = f"customer:{source[1]}", uuid.uuid4(), datetime.now(UTC)
            connection.autocommit = True
            connection.execute(READ, (source[0],)).fetchone()
            connection.autocommit = False
            claim = (scope, key, "transfer", "f" * 64, now, record_id)
            if pipeline:
                with connection.pipeline():
                    claimed = connection.execute(CLAIM, claim)
                    locked = connection.execute(LOCK, (source[0], target[0]))
                    claimed.fetchone()
                    rows = locked.fetchall()
            else:
                connection.execute(CLAIM, claim).fetchone()
                rows = connection.execute(LOCK, (source[0], target[0])).fetchall()
            states = {row[0]: row for row in rows}
            values = write_values(source[0], target[0], rng.randint(1, 100), states, record_id,
                                  scope, key, now)
            if pipeline:
                with connection.pipeline():
                    connection.execute(write, values)
                    connection.commit()
            else:
                connection.execute(write, values)
                connection.commit()

        for n in range(WARM_UP):
            one(f"warm-{number}-{n}")
        barrier.wait()
        started, cpu = time.monotonic(), time.process_time()
        for n in range(transfers):
            began = time.perf_counter()
            one(f"plain-{number}-{n}")
            latencies.append((time.perf_counter() - began) * 1000)
        out.put((started, time.monotonic(), time.process_time() - cpu, latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--threads", type=int, default=8, help="client processes")
    parser.add_argument("--transfers", type=int, default=3000, help="per client")
    parser.add_argument("--pgbench-seconds", type=int, default=0)
    parser.add_argument("--pipeline", action="store_true",
                        help="claim and lock in one pipeline, write and COMMIT in another")
    parser.add_argument("--bare-tables", action="store_true",
                        help="drop the written tables' secondary indexes and foreign keys")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, fresh_database(args.database_url) as url:
        kernel = kernel_for(url, Path(home))
        owners = insert_customers(kernel, migrate_and_seed(kernel), 1020)
        hot = [(h.account_id, h.customer_id) for h in open_funded(kernel, owners[:20], HOT_FUNDS,
                                                                   "hot")]
        cold = [(h.account_id, h.customer_id) for h in open_funded(kernel, owners[20:],
                                                                    COLD_FUNDS, "cold")]
        write = service_write_statement(kernel, hot[0], cold[0])
        if args.bare_tables:
            with kernel.db.engine.begin() as connection:
                for statement in BARE:
                    connection.exec_driver_sql(statement)
        kernel.db.dispose()
        log(f"{args.threads} plain psycopg clients, {args.transfers} transfers each")
        context = multiprocessing.get_context("fork")
        barrier, out = context.Barrier(args.threads), context.Queue()
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        workers = [context.Process(target=client, args=(plain_url, write, hot, cold,
                                                        args.transfers, n, args.pipeline,
                                                        barrier, out))
                   for n in range(args.threads)]
        for worker in workers:
            worker.start()
        reports = [out.get() for _ in workers]
        for worker in workers:
            worker.join()
    latencies = sorted(ms for report in reports for ms in report[3])
    wall = max(r[1] for r in reports) - min(r[0] for r in reports)
    result: dict[str, Any] = {
        "transfers_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "python_ms_per_transfer": round(sum(r[2] for r in reports) * 1000 / len(latencies), 3),
        "clients": args.threads, "transfers": len(latencies), "pipeline": args.pipeline,
        "bare_tables": args.bare_tables}
    if args.pgbench_seconds:
        pgbench = run_pgbench(args.database_url, args.threads, args.pgbench_seconds,
                              args.threads)
        result["pgbench_tps"] = round(pgbench.tps, 1)
        result["ratio_to_pgbench"] = round(result["transfers_per_second"] / pgbench.tps, 3)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
