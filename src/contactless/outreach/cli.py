"""``contactless outreach``: QR signing keys and the attribution window (they call services)."""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer

from contactless.outreach import service as outreach
from contactless.platform.cli import cli_kernel
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError

outreach_app = typer.Typer(help="QR codes: signing keys and attribution.", no_args_is_help=True)
ACTOR = SYSTEM.with_channel("cli")


def _fail(error: ContactlessError) -> NoReturn:
    typer.echo(f"error [{error.code}]: {error.message}", err=True)
    raise typer.Exit(2)


@outreach_app.command("keys")
def keys() -> None:
    """List the QR signing key ids (the current one signs new links)."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        rows = [{"kid": k.kid, "current": k.current, "created_at": k.created_at.isoformat(),
                 "retired_at": k.retired_at.isoformat() if k.retired_at else None}
                for k in outreach.list_keys(session, ACTOR)]
    typer.echo(json.dumps(rows))


@outreach_app.command("rotate-key")
def rotate_key() -> None:
    """Sign new links with a new key id; links already handed out keep working."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        kid = outreach.rotate_key(session, ACTOR).kid
    typer.echo(kid)


@outreach_app.command("retire-key")
def retire_key(kid: str) -> None:
    """Stop accepting links signed with KID (e.g. after a leak)."""
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            outreach.retire_key(session, ACTOR, kid=kid)
    except ContactlessError as error:
        _fail(error)
    typer.echo(f"retired {kid}")


@outreach_app.command("attribution-window")
def attribution_window(
    days: Annotated[int | None, typer.Argument(help="new window in days (1-365)")] = None,
) -> None:
    """Show, or set, the last-touch attribution window."""
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            policy = (outreach.set_policy(session, ACTOR, attribution_window_days=days)
                      if days is not None else outreach.get_policy(session))
    except ContactlessError as error:
        _fail(error)
    typer.echo(json.dumps({"attribution_window_days": policy.attribution_window_days}))
