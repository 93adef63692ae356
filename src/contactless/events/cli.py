"""Behaviour-event commands: compact the log into the lake."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from contactless.events import service as events
from contactless.platform.cli import cli_kernel
from contactless.platform.context import SYSTEM

events_app = typer.Typer(help="Behaviour events: the log and the lake.", no_args_is_help=True)


@events_app.command("compact")
def compact() -> None:
    """Move every closed (or orphaned) log segment into the lake, merge small files and
    apply retention; prints what it did as JSON. Safe while the server runs."""
    kernel = cli_kernel()
    report = events.compact(kernel)
    typer.echo(json.dumps(asdict(report)))


@events_app.command("rebuild-profiles")
def rebuild_profiles() -> None:
    """Recompute every customer's profile and tags from the core and the lake, then refresh
    every saved segment; prints the counts as JSON."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        report = events.rebuild_profiles(session, SYSTEM.with_channel("cli"))
    with kernel.db.session() as session:
        refreshed = events.refresh_segments(session, SYSTEM.with_channel("cli"),
                                            stale_only=False)
    typer.echo(json.dumps({**asdict(report), "segments": len(refreshed)}))
