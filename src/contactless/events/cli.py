"""Behaviour-event commands: compact the log into the lake, replay it into the aggregates."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated

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


@events_app.command("replay")
def replay(since: Annotated[str, typer.Option(
        "--from", help="the first day (YYYY-MM-DD) whose events are counted again")],
        keep: Annotated[bool, typer.Option(
            "--keep", help="add to the aggregates instead of clearing them first")] = False,
        ) -> None:
    """Rebuild the real-time aggregates from the lake and the log (and whatever else
    registered a rebuild: profiles and tags); prints what it did as JSON. With the
    in-process store this rebuilds this command's own copy only: the server rebuilds its
    own when it starts; run it against Redis (CONTACTLESS_REDIS_URL)."""
    try:
        first = date.fromisoformat(since)
    except ValueError:
        typer.echo(f"--from must be a day as YYYY-MM-DD, not {since!r}", err=True)
        raise typer.Exit(2) from None
    kernel = cli_kernel()
    if not kernel.settings.redis_url:
        typer.echo("note: no CONTACTLESS_REDIS_URL: the aggregates rebuilt live in this "
                   "process only (the server rebuilds its own at start)", err=True)
    with kernel.db.session() as session:
        report = events.replay(session, since=first, clear=not keep)
    typer.echo(json.dumps(asdict(report)))
