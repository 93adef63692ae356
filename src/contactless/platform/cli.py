"""Kernel commands: db, audit, messages (``serve`` and ``worker`` are in ``contactless.server``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.platform import audit_seal, audit_verify, migrations
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel, build_kernel
from contactless.settings import Settings

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
audit_app = typer.Typer(help="The sealed audit trail: seal, anchor, verify.", no_args_is_help=True)
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


@audit_app.command("seal")
def audit_seal_now() -> None:
    """Seal every audit entry written since the last seal."""
    kernel = cli_kernel()
    sealed = audit_seal.seal_all(kernel)
    if not sealed:
        typer.echo("nothing to seal")
        return
    last = sealed[-1]
    typer.echo(f"sealed {sum(s.entries for s in sealed)} entries in {len(sealed)} seals, "
               f"through entry {last.last_seq} (head {last.head[:16]})")


@audit_app.command("anchor")
def audit_anchor(
    to: Annotated[Path | None, typer.Option("--to", help="anchor file (default: "
                                             "HOME/audit-anchors.jsonl)")] = None,
) -> None:
    """Seal, then append the sealed head {seq, head, at} to the anchor file."""
    settings = Settings()
    if to is not None:
        settings.audit_anchor_file = to
    kernel = build_kernel(settings)
    anchor = audit_seal.seal_and_anchor(kernel)
    if anchor is None:
        typer.echo("nothing sealed yet: no anchor written", err=True)
        raise typer.Exit(1)
    typer.echo(f"anchored entry {anchor['seq']} head {anchor['head']} in {settings.anchor_path}")


@audit_app.command("verify")
def audit_verify_cmd(
    anchors: Annotated[Path | None, typer.Option("--anchors", help="anchor file (default: "
                                                  "HOME/audit-anchors.jsonl)")] = None,
) -> None:
    """Check every seal, the sequence and the anchors; name the first broken entry and exit 1
    if there is one."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        report = audit_verify.verify(session, kernel.settings, anchors=anchors)
    summary = (f"{report.checked} entries sealed and intact, {report.gaps} unused numbers "
               f"recorded, {report.anchors} anchors matched, {report.unsealed} not sealed yet")
    if report.ok:
        typer.echo(f"audit trail intact: {summary}")
        return
    typer.echo(f"audit trail broken at entry {report.broken_at} ({report.kind}): "
               f"{report.reason}; before it: {summary}", err=True)
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
