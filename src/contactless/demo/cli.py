"""``contactless demo``: build the demo bank in HOME and optionally serve it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from contactless.app import install_domains
from contactless.demo.service import build_demo_bank
from contactless.events import service as events
from contactless.events.demo import DemoBehaviour
from contactless.identity import service as identity
from contactless.marketing.demo import DemoMarketing, seed_campaigns
from contactless.platform import audit_seal, migrations
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel, build_kernel
from contactless.settings import Mode, Settings, generate_home_keys


def showcase_lines(showcase: object, base_url: str) -> list[str]:
    """The demo's last lines: who to be on the phone, which code to scan, where the sign-in
    code is."""
    if not isinstance(showcase, dict):
        return []
    mobile = showcase["mobile"]
    lines = [f"Try it as the customer {showcase['name']}, mobile {mobile}: a time deposit of "
             f"{showcase['principal']} CNY falls due on {showcase['maturity_date']}; they also "
             "hold a wealth product and repay a loan."]
    if "code_path" in showcase:
        lines.append(f"Scan (or open) the renewal code of their RM {showcase['rm_name']} "
                     f"({showcase['rm_username']}): {base_url}{showcase['code_path']}")
    lines.append(f"Sign in at {base_url}/m with {mobile}; the one-time code: "
                 f".venv/bin/contactless messages list --to {mobile}")
    return lines


def _first_morning(kernel: Kernel) -> DemoMarketing:
    """The night's profiles and tags (for the segments), then the morning's marketing run as
    the server would make it: its messages reach the lake through the bus
    (``message.delivered``), as every later run's do."""
    with kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM.with_channel("demo"))
    marketing = seed_campaigns(install_domains(kernel), today=bank_today(kernel.settings))
    events.flush(kernel)
    return marketing


def _behaviour(kernel: Kernel, behaviour: object, console: Console) -> None:
    """Say how much behaviour the lake holds; with Redis, count it into the shared real-time
    aggregates now (an in-process store is counted by the server as it starts)."""
    if isinstance(behaviour, DemoBehaviour):
        console.print(f"{behaviour.events} behaviour events over {behaviour.days} days in the "
                      f"lake ({behaviour.seconds} s)")
    if kernel.settings.redis_url:
        with kernel.db.session() as session:
            events.replay(session, since=bank_today(kernel.settings) - timedelta(days=90))


def demo(
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same bank")] = 7,
    customers: Annotated[int, typer.Option(help="number of customers")] = 2000,
    serve: Annotated[bool, typer.Option("--serve", help="serve it when built")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="delete the demo bank in HOME first")
                     ] = False,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build a synthetic bank in CONTACTLESS_HOME (keys kept there too) and print sign-ins."""
    console = Console(stderr=True)
    base = Settings()
    generate_home_keys(base.home)
    settings = Settings(mode=Mode.DEMO) if base.mode == Mode.DEV else base
    kernel = build_kernel(settings)
    if reset:
        migrations.downgrade(kernel.db, "base")
        settings.anchor_path.unlink(missing_ok=True)  # it anchored the trail just deleted
    migrations.upgrade(kernel.db)
    with kernel.db.session() as session:
        built = identity.list_branches(session, SYSTEM)
    if built:
        console.print(f"the demo bank in {settings.home} is already built "
                      "(use --reset to build it again)")
    else:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done)

            with kernel.db.session() as session:
                report = build_demo_bank(session, seed=seed, customer_count=customers,
                                         today=bank_today(kernel.settings),
                                         progress=progress)
        table = Table("username", "password", "role", "branch", title="Staff sign-ins")
        for row in report.sign_ins:
            table.add_row(*row)
        Console().print(table)
        marketing = _first_morning(kernel)
        audit_seal.seal_and_anchor(kernel)
        console.print(f"{report.customers} customers, {report.enterprises} enterprises with "
                      f"{report.employees} employees")
        _behaviour(kernel, report.extras.get("behaviour"), console)
        console.print(f"{marketing.campaigns} campaigns running: {marketing.tasks} call tasks for "
                      f"the RMs (console → 我的今日任务), {marketing.messages} messages "
                      "in customers' 消息")
        for line in showcase_lines(report.extras.get("showcase"), f"http://{host}:{port}"):
            Console().print(line, markup=False, highlight=False)
    kernel.db.dispose()
    if serve:
        from contactless.server import serve as serve_command

        serve_command(host=host, port=port, workers=1, migrate=False)
