"""Behaviour-event commands: compact the log into the lake."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from contactless.events import service as events
from contactless.platform.cli import cli_kernel

events_app = typer.Typer(help="Behaviour events: the log and the lake.", no_args_is_help=True)


@events_app.command("compact")
def compact() -> None:
    """Move every closed (or orphaned) log segment into the lake, merge small files and
    apply retention; prints what it did as JSON. Safe while the server runs."""
    kernel = cli_kernel()
    report = events.compact(kernel)
    typer.echo(json.dumps(asdict(report)))
