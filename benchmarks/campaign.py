"""The marketing daily run over many customers, printed as one JSON object on stdout
(progress on stderr).

    python benchmarks/campaign.py --customers 1000000 --json
    python benchmarks/campaign.py --customers 100000 --json \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres

The database is the embedded one (an SQLite file in a temporary folder) unless
``--database-url`` names a PostgreSQL server, on which a fresh database is made (and dropped
at the end). It is migrated to head; the bank of ``campaign_bank`` is built (staff through the
services, the customers and their books in bulk SQL), and three campaigns are made, approved
by a second person and started through the marketing service:

- the ``maturity_renewal`` playbook as shipped (maturing within 30 days, at least 50,000 CNY:
  an RM call and an inbox reminder, 10% held out);
- a large-CD reminder cloned from it (within 60 days, at least 200,000 CNY), which meets most
  of the first one's customers again;
- a high-value invitation (assets of at least 500,000 CNY: a call and an inbox message, 5%
  held out), which meets both.

The campaigns run in the order they were made, so the weekly call cap (one a customer) caps
the later campaigns' calls to customers the earlier ones called. Then ``run_daily`` runs as
the worker runs it (``run_seconds``), and again with ``rerun=True``, every statement of every
stage executed once more (``rerun_seconds``).

Reported: ``customers``, ``run_seconds``, ``tasks`` and ``messages`` (rows in the tables after
both runs), ``duplicates_after_rerun`` (rows past the first for one (campaign, customer,
channel) among sends, call tasks and inbox messages), then ``setup_seconds``, ``database``,
``load_average`` (1, 5, 15 minutes, at start), ``rerun_seconds``, ``rerun_new_rows``,
``members``, ``sends`` by status, ``cap_breaches`` (customers with more than their week's
live calls) and ``books_ok`` (``ledger_invariants`` over the books after the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from campaign_bank import Bank, analyze_loaded, insert_customers, make_staff
from ledger_bank import fresh_database, log, settings_for
from ledger_invariants import account_problems, entry_problems
from sqlalchemy import func, select

from contactless.app import install_domains
from contactless.marketing import service as marketing
from contactless.marketing.models import CallTask, CampaignMember, CampaignSend, InboxMessage
from contactless.marketing.service import WEEKLY_CAPS
from contactless.platform import migrations
from contactless.platform.clock import bank_today
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.logging import configure_logging
from contactless.platform.store import MemoryStore

HIGH_VALUE = marketing.CampaignSpec(
    name="高净值客户邀约", target={"kind": "high_value", "min_assets": "500000.00"},
    schedule={"kind": "daily", "at": "10:00"},
    actions=[{"kind": "rm_call", "due_days": 5, "link": "wealth_purchase",
              "script": "您好，为您介绍我行专属理财，跨行资金归集更便捷。"},
             {"kind": "inbox", "title": "尊享理财邀约", "link": "wealth_purchase",
              "body": "诚邀您体验我行专属理财，跨行资金归集更便捷。"}],
    goal={"event": "journey.completed", "journey": "wealth_purchase", "within_days": 30},
    holdout_percent=5)


def kernel_for(url: str | None, home: Path) -> Kernel:
    """A kernel as the worker has one (every domain installed, logs on stderr), on the file
    or the server."""
    kernel = install_domains(build_kernel(settings_for(url, home), store=MemoryStore()))
    configure_logging(json_lines=kernel.settings.json_logs)
    return kernel


def start_campaigns(kernel: Kernel, bank: Bank) -> list[uuid.UUID]:
    """The three campaigns, cloned or written by the branch marketer, approved by head
    office's, started."""
    maker, lead = bank.marketer, bank.lead
    ids = []
    with kernel.db.session() as session:
        renewal = marketing.clone_playbook(session, maker, key="maturity_renewal")
        large = marketing.clone_playbook(session, maker, key="maturity_renewal",
                                         name="大额存单到期提醒")
        marketing.update_campaign(session, maker, campaign_id=large.id, spec=marketing.CampaignSpec(
            name=large.name, target={"kind": "maturing", "days": 60, "min_amount": "200000.00"},
            schedule=large.schedule, actions=large.actions, goal=large.goal,
            holdout_percent=large.holdout_percent))
        rich = marketing.create_campaign(session, maker, spec=HIGH_VALUE)
        ids = [renewal.id, large.id, rich.id]
    for campaign_id in ids:  # one transaction each, so their created_at order is the run's
        with kernel.db.session() as session:
            marketing.approve_campaign(session, lead, campaign_id=campaign_id)
            marketing.move_campaign(session, maker, campaign_id=campaign_id, move="start")
    return ids


def table_counts(kernel: Kernel) -> dict[str, int]:
    with kernel.db.session() as session:
        return {name: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in (("members", CampaignMember), ("sends", CampaignSend),
                                    ("tasks", CallTask), ("messages", InboxMessage))}


def duplicates(kernel: Kernel) -> int:
    """Rows past the first for one (campaign, customer, channel) in sends, tasks, inbox."""
    total = 0
    with kernel.db.session() as session:
        for table, keys in (
                (CampaignSend, (CampaignSend.campaign_id, CampaignSend.customer_id,
                                CampaignSend.channel)),
                (CallTask, (CallTask.campaign_id, CallTask.customer_id)),
                (InboxMessage, (InboxMessage.campaign_id, InboxMessage.customer_id))):
            groups = (select(func.count().label("rows")).select_from(table).group_by(*keys)
                      .having(func.count() > 1).subquery())
            total += int(session.scalar(select(func.coalesce(func.sum(groups.c.rows - 1), 0)))
                         or 0)
    return total


def cap_breaches(kernel: Kernel, on: date) -> int:
    """Customers sent more live calls in the week than the cap allows (every campaign)."""
    with kernel.db.session() as session:
        over = (select(CampaignSend.customer_id)
                .where(CampaignSend.channel == "rm_call",
                       CampaignSend.status.in_(("sent", "queued", "deferred")),
                       CampaignSend.run_date <= on)
                .group_by(CampaignSend.customer_id)
                .having(func.count() > WEEKLY_CAPS["rm_call"]).subquery())
        return int(session.scalar(select(func.count()).select_from(over)) or 0)


def sends_by_status(kernel: Kernel) -> dict[str, int]:
    with kernel.db.session() as session:
        rows = session.execute(select(CampaignSend.channel, CampaignSend.status, func.count())
                               .group_by(CampaignSend.channel, CampaignSend.status)).all()
    return {f"{channel}:{status}": int(count) for channel, status, count in sorted(rows)}


def timed_runs(kernel: Kernel, on: date) -> dict[str, Any]:
    """The day's run as the worker makes it, then the same day again with ``rerun``."""
    log(f"run_daily on {on}")
    started = time.perf_counter()
    first = marketing.run_daily(kernel, on=on)
    run_seconds = time.perf_counter() - started
    after_first = table_counts(kernel)
    log(f"  {run_seconds:.2f} s: {after_first}; {[(r.members, r.sends) for r in first.campaigns]}")
    started = time.perf_counter()
    again = marketing.run_daily(kernel, on=on, rerun=True)
    rerun_seconds = time.perf_counter() - started
    after = table_counts(kernel)
    log(f"  rerun {rerun_seconds:.2f} s: {after}")
    return {"run_seconds": run_seconds, "rerun_seconds": rerun_seconds, "counts": after,
            "rerun_new_rows": sum(after.values()) - sum(after_first.values()),
            "campaigns_run": [len(first.campaigns), len(again.campaigns)]}


def measure(args: argparse.Namespace, url: str | None, home: Path) -> dict[str, Any]:
    kernel = kernel_for(url, home)
    started = time.perf_counter()
    migrations.upgrade(kernel.db)
    on = bank_today(kernel.settings)
    bank = make_staff(kernel, args.rms)
    log(f"inserting {args.customers} customers")
    bank = insert_customers(kernel, bank, args.customers, on=on, now=utcnow())
    start_campaigns(kernel, bank)
    analyze_loaded(kernel)
    setup_seconds = time.perf_counter() - started
    log(f"set up in {setup_seconds:.1f} s")
    runs = timed_runs(kernel, on)
    with kernel.db.engine.connect() as conn:
        books = account_problems(conn) + entry_problems(conn)
    result = {
        "customers": args.customers, "run_seconds": round(runs["run_seconds"], 2),
        "tasks": runs["counts"]["tasks"], "messages": runs["counts"]["messages"],
        "duplicates_after_rerun": duplicates(kernel),
        "setup_seconds": round(setup_seconds, 1),
        "database": kernel.db.dialect, "rms": args.rms,
        "rerun_seconds": round(runs["rerun_seconds"], 2),
        "rerun_new_rows": runs["rerun_new_rows"],
        "campaigns_run": runs["campaigns_run"],
        "members": runs["counts"]["members"], "sends": sends_by_status(kernel),
        "cap_breaches": cap_breaches(kernel, on),
        "books_ok": not books, "book_problems": books,
    }
    kernel.db.dispose()
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rms", type=int, default=200, help="RMs the customers are spread over")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server's URL (a fresh database is made on it); "
                             "default: an SQLite file in a temporary folder")
    parser.add_argument("--json", action="store_true", help="print the JSON on one line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    load = [round(value, 2) for value in os.getloadavg()]
    server: AbstractContextManager[str | None] = (
        fresh_database(args.database_url, prefix="contactless_campaign_bench")
        if args.database_url else nullcontext(None))
    with tempfile.TemporaryDirectory() as home, server as url:
        result = measure(args, url, Path(home))
    result["load_average"] = load
    ordered = ["customers", "run_seconds", "tasks", "messages", "duplicates_after_rerun",
               "setup_seconds", "database", "load_average"]
    output = {name: result.pop(name) for name in ordered} | result
    print(json.dumps(output, ensure_ascii=False) if args.json
          else json.dumps(output, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
