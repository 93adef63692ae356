"""Core-banking commands: the maturity run, interest settlement, the day close, the trial
balance, the books check."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.corebank import service as corebank
from contactless.platform.cli import cli_kernel
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError

corebank_app = typer.Typer(
    help="Core banking: maturities, interest settlement, day close, trial balance, books.",
    no_args_is_help=True)


def _date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("a date is YYYY-MM-DD") from exc


def _refused(error: ContactlessError) -> typer.Exit:
    typer.echo(json.dumps({"code": error.code, "detail": str(error)}), err=True)
    return typer.Exit(2)


@corebank_app.command("settle-interest")
def settle_interest(
    on: Annotated[str, typer.Option("--date", help="the settlement date YYYY-MM-DD (the 20th "
                                                   "of Mar/Jun/Sep/Dec)")],
    batch: Annotated[int, typer.Option(help="accounts per transaction", min=1)] = 5000,
) -> None:
    """结息: settle the quarter's demand interest, one transaction per batch of accounts;
    after a crash, running it again settles only the accounts left."""
    kernel = cli_kernel()
    day = _date(on)
    totals: dict[str, Decimal] = {}
    settled = paid = 0
    while True:
        try:
            with kernel.db.session() as session:
                result = corebank.settle_interest(session, SYSTEM.with_channel("job"),
                                                  settlement_date=day, max_accounts=batch)
        except ContactlessError as error:
            raise _refused(error) from error
        settled += result.accounts_settled
        paid += result.accounts_with_interest
        for currency, amount in result.interest.items():
            totals[currency] = totals.get(currency, Decimal(0)) + amount
        if result.complete:
            break
    typer.echo(json.dumps({
        "settlement_date": day.isoformat(), "period_start": result.period_start.isoformat(),
        "credit_date": result.credit_date.isoformat(), "accounts_settled": settled,
        "accounts_with_interest": paid,
        "interest": {currency: f"{amount:.2f}" for currency, amount in totals.items()},
        "currencies_without_rate": result.currencies_without_rate, "complete": True,
    }))


@corebank_app.command("close-day")
def close_day(
    on: Annotated[str, typer.Option("--date", help="the business date YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option(help="directory of the general-ledger CSV "
                                                  "(default: settings gl_export_dir or "
                                                  "HOME/gl)")] = None,
) -> None:
    """日终: close a business day (nothing more is posted on it), keep its trial balance and
    write its general ledger as CSV (opening, debits, credits, closing per GL account)."""
    kernel = cli_kernel()
    day = _date(on)
    try:
        with kernel.db.session() as session:
            closed = corebank.close_day(session, SYSTEM.with_channel("job"), business_date=day)
    except ContactlessError as error:
        raise _refused(error) from error
    directory = out or kernel.settings.gl_export_dir or kernel.settings.home / "gl"
    path = corebank.export_general_ledger(closed, directory)
    typer.echo(json.dumps({"business_date": day.isoformat(),
                           "balanced": closed.trial_balance.balanced,
                           "general_ledger": str(path),
                           "gl_accounts": len(closed.general_ledger)}))
    if not closed.trial_balance.balanced:
        raise typer.Exit(1)


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


