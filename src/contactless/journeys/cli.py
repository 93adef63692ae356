"""Journey commands: the catalog, the sweep (expiry, cooling-off, renewal orders), a funnel."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.journeys import service as journeys
from contactless.platform.cli import cli_kernel
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator

journeys_app = typer.Typer(help="Journeys: catalog, sweep and funnels.", no_args_is_help=True)


@journeys_app.command("catalog")
def catalog(locale: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN") -> None:
    """The journeys a customer can start, with their steps."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        entries = journeys.journey_catalog(session, translator=Translator.of(locale))
    table = Table("key", "version", "title", "steps", "prospects")
    for entry in entries:
        table.add_row(entry.key, str(entry.version), entry.title, " → ".join(entry.steps),
                      "yes" if entry.prospects else "")
    Console().print(table)


@journeys_app.command("sweep")
def sweep() -> None:
    """Expire journeys left too long and run actions whose cooling-off has passed (the worker
    runs this every 5 minutes)."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        report = journeys.sweep(session)
    typer.echo(json.dumps({"expired": report.expired, "executed": report.executed,
                           "rejected": report.rejected}))


@journeys_app.command("funnel")
def funnel(journey: Annotated[str, typer.Argument(help="journey key")],
           days: Annotated[int, typer.Option(help="instances started in the last N days")] = 30,
           ) -> None:
    """A journey's funnel by step, time to complete and drop-off, as JSON."""
    from datetime import timedelta

    from contactless.platform.db import utcnow

    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            figures = journeys.journey_analytics(session, SYSTEM, journey_key=journey,
                                                 translator=Translator.of("en"),
                                                 since=utcnow() - timedelta(days=days))
    except ContactlessError as error:
        typer.echo(f"error [{error.code}]: {error.message}", err=True)
        raise typer.Exit(2) from error
    typer.echo(figures.model_dump_json(indent=2))
