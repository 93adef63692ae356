"""``contactless demo``: build the demo bank in HOME and optionally serve it."""

from __future__ import annotations

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

from contactless.demo.service import build_demo_bank
from contactless.identity import service as identity
from contactless.platform import audit_seal, migrations
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import build_kernel
from contactless.settings import Mode, Settings, generate_home_keys


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
        audit_seal.seal_and_anchor(kernel)
        console.print(f"{report.customers} customers, {report.enterprises} enterprises with "
                      f"{report.employees} employees; customer sign-in at /m with e.g. "
                      f"{report.extras.get('first_customer_mobile')} (the code is in the console "
                      "message center, or `contactless messages list --to MOBILE`)")
    kernel.db.dispose()
    if serve:
        from contactless.server import serve as serve_command

        serve_command(host=host, port=port, workers=1, migrate=False)
