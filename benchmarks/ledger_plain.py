"""What a plain psycopg client reaches with the statements of a transfer's lean path: the
ceiling of any Python client of this schema on this server. One JSON object on stdout.

    python benchmarks/ledger_plain.py --threads 8 --transfers 3000 --json

It makes the benchmark bank of ``ledger_transfers.py`` (a fresh database, 20 hot and 1,000
cold funded accounts), then each of ``--threads`` processes sends, per transfer, what the
service sends on PostgreSQL: BEGIN, the two accounts locked in id order (the service's access
check reads the owner from them), one statement claiming the key (``INSERT ... ON CONFLICT DO
NOTHING``, the stored result in the row) and writing, if it took, the entry, its two postings,
both balances, an audit row and an event (the service's own statement text, taken from one
transfer through the service, with PostgreSQL's ``$1`` placeholders), and COMMIT. No service,
SQLAlchemy, permission, fingerprint, audit digest or JSON of the result: the values are
stand-ins of the same sizes. It prints ``transfers_per_second``, ``p50_ms``, ``p99_ms``,
``python_ms_per_transfer`` (the client's CPU) and, with ``--pgbench-seconds``, pgbench's tps
and the ratio.

Two variants tell where the time goes: ``--pipeline`` sends the lock with BEGIN in one
pipeline and the write with COMMIT in another (psycopg's pipeline mode: 2 round trips
instead of 4); ``--bare-tables`` drops the written tables' secondary indexes and foreign
keys first; ``--procedure`` moves the transfer into a PL/pgSQL function (the claim, the locks,
the balances, the entry, postings, result, audit row and event in one call, one round trip):
what the target would cost if the transfer's rules lived in the database.
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
        record_id, scope, key, "transfer", "f" * 64, now,
        json.dumps({"entry_id": str(entry), "padding": "r" * 280}),
        entry, "transfer", day, "", "customer", customer, "mobile", scope, key, now,
        entry, source, count[source] + 1, amount, "CNY", balance[source] - amount, day,
        entry, target, count[target] + 1, -amount, "CNY", balance[target] + amount, day,
        source, balance[source] - amount, count[source] + 1,
        target, balance[target] + amount, count[target] + 1,
        now, "customer", customer, "mobile", "corebank.transfer", "corebank_account",
        str(source), "d" * 64, json.dumps({"amount": str(amount), "padding": "a" * 230}),
        uuid.uuid4(), "corebank.transfer_completed", Json({"key": key, "padding": "e" * 260}),
        now, now, 0)


PROCEDURE = """
CREATE FUNCTION plain_transfer(p_scope text, p_key text, p_now timestamptz, p_record uuid,
    p_source uuid, p_target uuid, p_amount bigint, p_entry uuid, p_customer text,
    p_result text, p_details text, p_event uuid, p_payload json) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  s record; t record; d date;
BEGIN
  INSERT INTO corebank_request (scope, key, operation, fingerprint, created_at, id)
    VALUES (p_scope, p_key, 'transfer', repeat('f', 64), p_now, p_record)
    ON CONFLICT (scope, key) DO NOTHING;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM 1 FROM corebank_account WHERE id IN (p_source, p_target) ORDER BY id FOR UPDATE;
  SELECT * INTO s FROM corebank_account WHERE id = p_source;
  SELECT * INTO t FROM corebank_account WHERE id = p_target;
  IF s.status <> 'active' OR t.status <> 'active' THEN RAISE EXCEPTION 'not active'; END IF;
  d := current_date;
  INSERT INTO corebank_entry (id, kind, value_date, memo, actor_kind, actor_id, channel,
      idempotency_scope, idempotency_key, created_at)
    VALUES (p_entry, 'transfer', d, '', 'customer', p_customer, 'mobile', p_scope, p_key, p_now);
  INSERT INTO corebank_posting (entry_id, account_id, seq, amount, currency, balance_after,
      value_date)
    VALUES (p_entry, p_source, s.posting_count + 1, p_amount, 'CNY', s.balance - p_amount, d),
           (p_entry, p_target, t.posting_count + 1, -p_amount, 'CNY', t.balance + p_amount, d);
  UPDATE corebank_account SET balance = s.balance - p_amount, posting_count = s.posting_count + 1
    WHERE id = p_source;
  UPDATE corebank_account SET balance = t.balance + p_amount, posting_count = t.posting_count + 1
    WHERE id = p_target;
  UPDATE corebank_request SET result = p_result WHERE id = p_record;
  INSERT INTO audit_entry (at, actor_kind, actor_id, channel, action, target_type, target_id,
      after_digest, details)
    VALUES (p_now, 'customer', p_customer, 'mobile', 'corebank.transfer', 'corebank_account',
            p_source::text, repeat('d', 64), p_details);
  INSERT INTO outbox_event (id, topic, payload, created_at, delivered_at, attempts)
    VALUES (p_event, 'corebank.transfer_completed', p_payload, p_now, p_now, 0);
  RETURN s.balance - p_amount;
END $$"""
CALL = "SELECT plain_transfer(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


def by_procedure(connection: psycopg.Connection[Any], source: Account, target: Account,
                 amount: int, key: str) -> None:
    """The transfer as one call of ``plain_transfer``, outside any transaction of the
    client's: the call is its own (one round trip)."""
    scope, now, entry = f"customer:{source[1]}", datetime.now(UTC), uuid.uuid4()
    connection.execute(CALL, (
        scope, key, now, uuid.uuid4(), source[0], target[0], amount, entry, str(source[1]),
        json.dumps({"entry_id": str(entry), "padding": "r" * 280}),
        json.dumps({"amount": str(amount), "padding": "a" * 230}), uuid.uuid4(),
        Json({"key": key, "padding": "e" * 260}))).fetchone()


def client(url: str, write: str, hot: list[Account], cold: list[Account], transfers: int,
           number: int, variant: str, barrier: Any, out: Any) -> None:
    """One client process; a failure is reported (and frees the others from the barrier)
    instead of leaving the parent waiting."""
    try:
        run_client(url, write, hot, cold, transfers, number, variant, barrier, out)
    except BaseException as error:
        barrier.abort()
        out.put(f"client {number}: {error!r}")


def run_client(url: str, write: str, hot: list[Account], cold: list[Account], transfers: int,
               number: int, variant: str, barrier: Any, out: Any) -> None:
    rng = random.Random(number)
    latencies: list[float] = []
    with psycopg.connect(url) as connection:

        def one(key: str) -> None:
            pair = [rng.choice(hot), rng.choice(cold)]
            source, target = pair if rng.random() < 0.5 else pair[::-1]
            if variant == "procedure":
                connection.autocommit = True
                by_procedure(connection, source, target, rng.randint(1, 100), key)
                return
            pipeline = variant == "pipeline"
            scope, record_id, now = f"customer:{source[1]}", uuid.uuid4(), datetime.now(UTC)
            connection.autocommit = False
            if pipeline:
                with connection.pipeline():
                    rows = connection.execute(LOCK, (source[0], target[0])).fetchall()
            else:
                rows = connection.execute(LOCK, (source[0], target[0])).fetchall()
            states = {row[0]: row for row in rows}
            values = write_values(source[0], target[0], rng.randint(1, 100), states, record_id,
                                  scope, key, now)
            raw = psycopg.RawCursor(connection)  # the statement has $1 placeholders
            if pipeline:
                with connection.pipeline():
                    raw.execute(write, values)
                    connection.commit()
            else:
                if not raw.execute(write, values).fetchone()[0]:
                    raise RuntimeError(f"the key {key} was taken")
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
    parser.add_argument("--procedure", action="store_true",
                        help="the transfer as one call of a PL/pgSQL function")
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
        with kernel.db.engine.begin() as connection:
            connection.exec_driver_sql(PROCEDURE)
        if args.bare_tables:
            with kernel.db.engine.begin() as connection:
                for statement in BARE:
                    connection.exec_driver_sql(statement)
        kernel.db.dispose()
        variant = "procedure" if args.procedure else "pipeline" if args.pipeline else "plain"
        log(f"{args.threads} plain psycopg clients ({variant}), {args.transfers} transfers each")
        context = multiprocessing.get_context("fork")
        barrier, out = context.Barrier(args.threads), context.Queue()
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        workers = [context.Process(target=client, args=(plain_url, write, hot, cold,
                                                        args.transfers, n, variant, barrier, out))
                   for n in range(args.threads)]
        for worker in workers:
            worker.start()
        reports = [out.get() for _ in workers]
        for worker in workers:
            worker.join()
    failures = [report for report in reports if isinstance(report, str)]
    if failures:
        raise SystemExit("; ".join(failures))
    latencies = sorted(ms for report in reports for ms in report[3])
    wall = max(r[1] for r in reports) - min(r[0] for r in reports)
    result: dict[str, Any] = {
        "transfers_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "python_ms_per_transfer": round(sum(r[2] for r in reports) * 1000 / len(latencies), 3),
        "clients": args.threads, "transfers": len(latencies), "variant": variant,
        "bare_tables": args.bare_tables}
    if args.pgbench_seconds:
        pgbench = run_pgbench(args.database_url, args.threads, args.pgbench_seconds,
                              args.threads)
        result["pgbench_tps"] = round(pgbench.tps, 1)
        result["ratio_to_pgbench"] = round(result["transfers_per_second"] / pgbench.tps, 3)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
