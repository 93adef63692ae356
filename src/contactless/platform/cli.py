"""Kernel commands: db, audit, messages (``serve`` and ``worker`` are in ``contactless.server``)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.platform import audit, migrations
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel, build_kernel
from contactless.settings import Settings

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
messages_app = typer.Typer(help="Texts in the embedded outbox channel.", no_args_is_help=True)
err = Console(stderr=True)


def cli_kernel() -> Kernel:
    return build_kernel(Settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    kernel = cli_kernel()
    migrations.upgrade(kernel.db, revision)
    err.print(f"database at revision {migrations.current_revision(kernel.db)}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' removes everything)."""
    kernel = cli_kernel()
    migrations.downgrade(kernel.db, revision)
    err.print(f"database at revision {migrations.current_revision(kernel.db)}")


@db_app.command("current")
def db_current() -> None:
    """Print the current and the newest revision."""
    kernel = cli_kernel()
    typer.echo(json.dumps({"current": migrations.current_revision(kernel.db),
                           "head": migrations.head_revision(kernel.db)}))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; name the first broken link and exit 1 if there is one."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        report = audit.verify_chain(session)
    if report.ok:
        typer.echo(f"audit chain intact: {report.checked} entries")
        return
    typer.echo(f"audit chain broken at entry {report.broken_at}: {report.reason} "
               f"({report.checked} entries intact before it)", err=True)
    raise typer.Exit(1)


@messages_app.command("list")
def messages_list(
    to: Annotated[str | None, typer.Option("--to", help="recipient mobile")] = None,
    limit: int = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Texts sent through the outbox channel, newest first."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        rows = list_messages(session, kernel.cipher, to_mobile=to, limit=limit)
    if as_json:
        typer.echo(json.dumps([{"id": str(m.id), "to": m.to, "kind": m.kind, "body": m.body,
                                "created_at": m.created_at.isoformat()} for m in rows],
                              ensure_ascii=False))
        return
    table = Table("time", "to", "kind", "text")
    for m in rows:
        table.add_row(m.created_at.isoformat(timespec="seconds"), m.to_masked, m.kind, m.body)
    Console().print(table)
