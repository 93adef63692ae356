"""The ledger's speed against PostgreSQL's own limit, printed as one JSON object on stdout
(progress on stderr).

    python benchmarks/ledger_transfers.py \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres \
        --threads 8 --transfers 20000 --json

On the given server it creates a fresh database (dropped at the end), migrates it, opens 20
hot and 1,000 cold demand accounts through the core-banking service and funds them with cash,
then runs ``--transfers`` transfers from ``--threads`` clients through the service (permission,
idempotency, the embedded ledger, audit, event: what ``POST /api/v1/corebank/transfers`` runs,
without HTTP), each between a hot and a cold account with its own idempotency key. The
clients are threads of ``--processes`` worker processes (by default one per core, as
``contactless serve --workers <cores>`` serves concurrent requests: a process per core, each
request on a thread of its pool); ``--processes 1`` runs them all in one process (one GIL),
``--processes`` equal to ``--threads`` gives each client its own process.

The transfers and ``pgbench`` take turns: ``--rounds`` rounds (3) of a pgbench slice
(``--pgbench-seconds`` shared out) while the clients wait, then a slice of the transfers while
pgbench waits, so that both see the machine as it is in the same minutes (a shared VM's speed
drifts by a third from one minute to the next, which a ratio of two runs minutes apart takes
for the ledger's own).

Reported: ``transfers_per_second`` (answered transfers over the rounds' wall time),
``p50_ms``/``p99_ms`` (one transfer, session to commit), ``python_ms_per_transfer`` (client
CPU per transfer: Python, SQLAlchemy and the driver), ``statements_per_transfer`` (what an
engine listener sees, plus the pool's pre-ping ``SELECT 1`` on checkout) and
``round_trips_per_transfer`` (those plus BEGIN and COMMIT); ``invariants_ok`` (see
``ledger_invariants``, checked after the transfers, a replay of
some keys, and the settlement); ``pgbench_tps`` (the built-in TPC-B-like script, same server,
same client count, in its own database; the mean of its slices) and ``ratio_to_pgbench``;
``rounds`` (each round's transfers per second, pgbench's and their ratio: the spread); and
``interest_settlement_100k_seconds``: ``contactless corebank settle-interest`` over
``--settlement-accounts`` demand accounts (100,000 unless told; their balances are inserted in
bulk, the settlement is the real command, process start included).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger_bank import (
    COLD_FUNDS,
    DEFAULT_SERVER,
    HOT_FUNDS,
    Holder,
    Pgbench,
    fresh_database,
    insert_customers,
    insert_settlement_accounts,
    kernel_for,
    log,
    migrate_and_seed,
    open_funded,
    pgbench_database,
    time_settlement,
)
from ledger_invariants import book_problems
from sqlalchemy import event

from contactless.corebank import service as corebank
from contactless.corebank.errors import InsufficientFunds
from contactless.corebank.schemas import TransferResult
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money

WARM_UP = 20  # transfers per client before the timed run (connections, statement caches)
REPLAYS = 100  # answered transfers sent again after the run: each must replay, posting nothing


def customer(holder: Holder) -> Actor:
    return Actor(kind="customer", id=str(holder.customer_id), channel="mobile")


@dataclass(frozen=True)
class Sent:
    """An answered transfer: what was asked under the key, and the entry it posted."""

    key: str
    source: Holder
    target_account_id: uuid.UUID
    amount: Money
    entry_id: uuid.UUID

    @property
    def scope(self) -> str:
        return f"customer:{self.source.customer_id}"


@dataclass
class ClientReport:
    latencies_ms: list[float] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    refused: int = 0
    cpu_seconds: float = 0.0
    statements: int = 0
    per_round: list[int] = field(default_factory=list)  # answered transfers in each round
    failure: str | None = None


class StatementCounter:
    """Counts, per thread, the statements an engine sends (SAVEPOINT and RELEASE too) and the
    pool's pre-ping on each checkout (a ``SELECT 1`` no statement event sees)."""

    def __init__(self, kernel: Kernel) -> None:
        self._local = threading.local()
        engine = kernel.db.engine
        event.listen(engine, "before_cursor_execute", self._seen)
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self._seen()
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _seen(self, *_args: Any) -> None:
        self._local.count = self.count + 1

    @property
    def count(self) -> int:
        return int(getattr(self._local, "count", 0))


@dataclass(frozen=True)
class Workload:
    hot: list[Holder]
    cold: list[Holder]
    transfers: int
    clients: int
    rounds: int


def one_transfer(kernel: Kernel, workload: Workload, rng: random.Random, key: str,
                 report: ClientReport) -> None:
    hot, cold = rng.choice(workload.hot), rng.choice(workload.cold)
    source, target = (hot, cold) if rng.random() < 0.5 else (cold, hot)
    amount = Money(Decimal(rng.randint(1, 10000)).scaleb(-2), "CNY")
    actor = customer(source)
    try:
        with kernel.db.session() as session:
            result = corebank.transfer(session, actor, idempotency_key=key,
                                       source_account_id=source.account_id,
                                       target_account_id=target.account_id, amount=amount)
    except InsufficientFunds:
        report.refused += 1
        return
    assert isinstance(result, TransferResult)  # a customer's own transfer needs no approval
    report.sent.append(Sent(key, source, target.account_id, amount, result.entry_id))


def _part(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` shared out as evenly as whole numbers allow."""
    return total // parts + (1 if index < total % parts else 0)


def client_run(kernel: Kernel, workload: Workload, number: int, go: Any, done: Any,
               counter: StatementCounter) -> ClientReport:
    """One client: a warm-up, then its share of the transfers in ``workload.rounds`` slices,
    each begun and ended with every other client (``go``, ``done``), timed one by one."""
    report = ClientReport()
    rng = random.Random(number)
    share = _part(workload.transfers, workload.clients, number)
    slices = [_part(share, workload.rounds, index) for index in range(workload.rounds)]
    for n in range(WARM_UP):
        one_transfer(kernel, workload, rng, f"warm-{number}-{n}", report)
    cpu, sent, n = time.thread_time(), counter.count, 0
    for count in slices:
        go.wait()
        answered = len(report.sent)
        for _ in range(count):
            began = time.perf_counter()
            one_transfer(kernel, workload, rng, f"bench-{number}-{n}", report)
            report.latencies_ms.append((time.perf_counter() - began) * 1000)
            n += 1
        report.per_round.append(len(report.sent) - answered)
        done.wait()
    report.cpu_seconds = time.thread_time() - cpu
    report.statements = counter.count - sent
    return report


def process_clients(url: str, home: str, workload: Workload, numbers: list[int], go: Any,
                    done: Any, out: Any) -> None:
    """One worker process: its clients as threads sharing one kernel (engine and pool), as a
    server worker's requests do."""
    kernel = kernel_for(url, Path(home))
    counter = StatementCounter(kernel)

    def work(number: int) -> None:
        try:
            out.put(client_run(kernel, workload, number, go, done, counter))
        except BaseException as error:  # the parent reports it and fails the run
            go.abort()
            done.abort()
            out.put(ClientReport(failure=f"client {number}: {error!r}"))

    threads = [threading.Thread(target=work, args=(number,)) for number in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kernel.db.dispose()


def run_clients(url: str, home: str, workload: Workload, processes: int,
                before_round: Callable[[int], None]) -> tuple[list[ClientReport], list[float]]:
    """``workload.clients`` clients spread evenly over ``processes`` worker processes, run
    in ``workload.rounds`` rounds: ``before_round`` runs while the clients wait (pgbench's
    slice), then the clients run their slice. The rounds' wall times come back with the
    reports."""
    context = multiprocessing.get_context("fork")
    go, done = context.Barrier(workload.clients + 1), context.Barrier(workload.clients + 1)
    out = context.Queue()
    groups = [list(range(workload.clients))[index::processes] for index in range(processes)]
    workers = [context.Process(target=process_clients,
                               args=(url, home, workload, numbers, go, done, out))
               for numbers in groups]
    for worker in workers:
        worker.start()
    walls: list[float] = []
    try:
        for index in range(workload.rounds):
            before_round(index)
            go.wait()
            began = time.monotonic()
            done.wait()
            walls.append(time.monotonic() - began)
    except threading.BrokenBarrierError:
        pass  # a client failed: its report says why
    reports = [out.get() for _ in range(workload.clients)]
    for worker in workers:
        worker.join()
    return reports, walls


def replay_some(url: str, home: str, sent: list[Sent], rng: random.Random) -> list[str]:
    """Send some answered transfers again under their keys: each must return its first
    result (and the invariants then find one entry per key)."""
    kernel = kernel_for(url, Path(home))
    problems: list[str] = []
    for first in rng.sample(sent, min(REPLAYS, len(sent))):
        with kernel.db.session() as session:
            again = corebank.transfer(
                session, customer(first.source), idempotency_key=first.key,
                source_account_id=first.source.account_id,
                target_account_id=first.target_account_id, amount=first.amount)
        if not isinstance(again, TransferResult) or again.entry_id != first.entry_id:
            problems.append(f"key {first.key}: the replay did not return the first result")
    kernel.db.dispose()
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(reports: list[ClientReport], walls: list[float], processes: int) -> dict[str, Any]:
    latencies = [ms for report in reports for ms in report.latencies_ms]
    timed = len(latencies)
    wall = sum(walls)
    answered = sum(sum(r.per_round) for r in reports)
    return {
        "clients": f"{len(reports)} threads in {processes} processes",
        "transfers": timed,
        "refused": sum(r.refused for r in reports),
        "wall_seconds": round(wall, 2),
        "transfers_per_second": round(answered / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "python_ms_per_transfer": round(sum(r.cpu_seconds for r in reports) * 1000 / timed, 2),
        "statements_per_transfer": round(sum(r.statements for r in reports) / timed, 1),
        "round_trips_per_transfer": round(sum(r.statements for r in reports) / timed + 2, 1),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_SERVER,
                        help="a PostgreSQL server's URL (a fresh database is made on it)")
    parser.add_argument("--threads", type=int, default=8, help="clients (and pgbench's -c)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns of pgbench and transfers (each a share of both)")
    parser.add_argument("--processes", type=int, default=0,
                        help="worker processes the clients run in (default: one per core)")
    parser.add_argument("--transfers", type=int, default=20000)
    parser.add_argument("--hot-accounts", type=int, default=20)
    parser.add_argument("--cold-accounts", type=int, default=1000)
    parser.add_argument("--settlement-accounts", type=int, default=100_000)
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--pgbench-scale", type=int, default=0,
                        help="pgbench -s (default: the client count, one branch each)")
    parser.add_argument("--json", action="store_true", help="print only the JSON on stdout")
    return parser.parse_args(argv)


def bank_and_transfers(args: argparse.Namespace, url: str, home: str,
                       bench: Pgbench) -> dict[str, Any]:
    """Set the bank up, run the clients and pgbench in turns, replay some keys, settle
    interest, check the books."""
    kernel = kernel_for(url, Path(home))
    rm_id = migrate_and_seed(kernel)
    owners = insert_customers(kernel, rm_id, args.hot_accounts + args.cold_accounts)
    log(f"opening {len(owners)} accounts through the core-banking service")
    workload = Workload(open_funded(kernel, owners[:args.hot_accounts], HOT_FUNDS, "hot"),
                        open_funded(kernel, owners[args.hot_accounts:], COLD_FUNDS, "cold"),
                        args.transfers, args.threads, args.rounds)
    kernel.db.dispose()
    processes = min(args.threads, args.processes or os.cpu_count() or 1)
    seconds = max(1, args.pgbench_seconds // args.rounds)
    pgbench_tps: list[float] = []

    def pgbench_slice(index: int) -> None:
        log(f"round {index + 1}/{args.rounds}: pgbench {seconds} s, then "
            f"{args.transfers // args.rounds} transfers from {args.threads} clients in "
            f"{processes} processes")
        pgbench_tps.append(bench.run(seconds))

    reports, walls = run_clients(url, home, workload, processes, pgbench_slice)
    failures = [r.failure for r in reports if r.failure]
    if failures:
        raise SystemExit("; ".join(failures))
    result = summary(reports, walls, processes)
    result["pgbench_tps"] = round(statistics.fmean(pgbench_tps), 1)
    result["ratio_to_pgbench"] = round(result["transfers_per_second"] / result["pgbench_tps"], 3)
    result["pgbench_command"] = bench.shown(seconds)
    result["rounds"] = round_figures(reports, walls, pgbench_tps)
    sent = [one for report in reports for one in report.sent]
    problems = replay_some(url, home, sent, random.Random(7))
    if args.settlement_accounts:
        kernel = kernel_for(url, Path(home))
        settlement_date = insert_settlement_accounts(kernel, rm_id, args.settlement_accounts)
        kernel.db.dispose()
        log(f"settling {settlement_date} for {args.settlement_accounts} accounts")
        result["interest_settlement_100k_seconds"] = round(
            time_settlement(url, Path(home), settlement_date), 2)
        result["settlement_accounts"] = args.settlement_accounts
    kernel = kernel_for(url, Path(home))
    with kernel.db.engine.connect() as conn:
        problems += book_problems(conn, [(one.scope, one.key) for one in sent])
    kernel.db.dispose()
    result["invariants_ok"] = not problems
    result["invariant_problems"] = problems[:20]
    return result


def round_figures(reports: list[ClientReport], walls: list[float],
                  pgbench_tps: list[float]) -> list[dict[str, float]]:
    """Each round's transfers per second beside the pgbench slice run just before it."""
    per_round = [sum(report.per_round[index] for report in reports)
                 for index in range(len(walls))]
    return [{"transfers_per_second": round(count / wall, 1), "pgbench_tps": round(tps, 1),
             "ratio": round(count / wall / tps, 3)}
            for count, wall, tps in zip(per_round, walls, pgbench_tps, strict=True)]


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    scale = args.pgbench_scale or args.threads
    with tempfile.TemporaryDirectory() as home, fresh_database(args.database_url) as url, \
            pgbench_database(args.database_url, args.threads, scale) as bench:
        result = bank_and_transfers(args, url, home, bench)
    ordered = ["transfers_per_second", "p50_ms", "p99_ms", "invariants_ok", "pgbench_tps",
               "ratio_to_pgbench", "interest_settlement_100k_seconds"]
    output = {name: result.pop(name, None) for name in ordered} | result
    print(json.dumps(output, ensure_ascii=False) if args.json
          else json.dumps(output, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
