"""Core-banking commands: the maturity run, the trial balance, the books check."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.corebank import service as corebank
from contactless.platform.cli import cli_kernel
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM

corebank_app = typer.Typer(help="Core banking: maturities, trial balance, books.",
                           no_args_is_help=True)


@corebank_app.command("run-maturities")
def run_maturities(
    on: Annotated[str | None, typer.Option("--date", help="business date YYYY-MM-DD")] = None,
) -> None:
    """Pay or renew every deposit and product maturing that day (running it twice changes
    nothing), confirm wealth orders, collect loan instalments."""
    kernel = cli_kernel()
    day = datetime.strptime(on, "%Y-%m-%d").date() if on else bank_today(kernel.settings)
    with kernel.db.session() as session:
        report = corebank.run_maturities(session, SYSTEM.with_channel("job"), on=day)
    typer.echo(report.model_dump_json(indent=2))
    if report.failed:
        raise typer.Exit(1)


@corebank_app.command("trial-balance")
def trial_balance(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the trial balance; exit 1 if debits and credits differ in any currency."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        balance = corebank.trial_balance(session)
    if as_json:
        typer.echo(balance.model_dump_json(indent=2))
    else:
        table = Table("currency", "account kind", "accounts", "debits", "credits", "net")
        for line in balance.lines:
            table.add_row(line.currency, line.account_kind, str(line.accounts), f"{line.debits:,}",
                          f"{line.credits:,}", f"{line.net:,}")
        for currency, total in balance.totals.items():
            table.add_row(currency, "TOTAL", str(total.accounts), f"{total.debits:,}",
                          f"{total.credits:,}", f"{total.net:,}", style="bold")
        Console().print(table)
        typer.echo("balanced" if balance.balanced else "NOT BALANCED")
    if not balance.balanced:
        raise typer.Exit(1)


@corebank_app.command("verify")
def verify() -> None:
    """Recompute every balance from its postings and check each entry sums to zero."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        check = corebank.verify_books(session)
    typer.echo(json.dumps({"entries": check.entries, "postings": check.postings,
                           "accounts": check.accounts, "problems": check.problems}))
    if check.problems:
        raise typer.Exit(1)


