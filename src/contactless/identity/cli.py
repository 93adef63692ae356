"""Staff and branch commands for bank IT and admins."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.identity import service as identity
from contactless.identity.models import BranchKind, Role
from contactless.platform.cli import cli_kernel
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError

staff_app = typer.Typer(help="Staff users.", no_args_is_help=True)
branch_app = typer.Typer(help="The branch tree.", no_args_is_help=True)


def _fail(error: ContactlessError) -> None:
    typer.echo(f"error [{error.code}]: {error.message}", err=True)
    raise typer.Exit(2)


@staff_app.command("create")
def staff_create(
    username: Annotated[str, typer.Option(help="sign-in name")],
    role: Annotated[Role, typer.Option(help="role")],
    branch: Annotated[str, typer.Option(help="branch code, e.g. HQ")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="read the password from standard input")
                              ] = False,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Create a staff member (the CLI acts as the system, audited as such)."""
    if not password_stdin:
        typer.echo("give the password on standard input with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\n")
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            view = identity.create_staff(session, SYSTEM.with_channel("cli"), username=username,
                                         role=role, branch_code=branch, password=password,
                                         display_name=name)
    except ContactlessError as error:
        _fail(error)
        return
    typer.echo(f"created {view.username} ({view.role}) at {view.branch_code}")


@staff_app.command("card")
def staff_card(
    username: Annotated[str, typer.Option(help="sign-in name")],
    work_phone: Annotated[str, typer.Option(help="work phone shown on the card")] = "",
    wecom_url: Annotated[str, typer.Option(help="WeCom 'contact me' link (https://...)")] = "",
) -> None:
    """Set the card customers see when they scan this staff member's codes."""
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            staff = identity.staff_by_username(session, username=username)
            card = identity.set_contact_card(session, SYSTEM.with_channel("cli"),
                                             staff_id=staff.id, work_phone=work_phone,
                                             wecom_url=wecom_url)
    except ContactlessError as error:
        _fail(error)
        return
    typer.echo(f"{card.name} ({card.branch_name}): {card.work_phone or '-'}, "
               f"{card.wecom_url or '-'}")


@staff_app.command("set-password")
def staff_set_password(
    username: Annotated[str, typer.Option(help="sign-in name")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="read the password from standard input")
                              ] = False,
) -> None:
    """Set a staff member's password; every session and token they hold ends."""
    if not password_stdin:
        typer.echo("give the password on standard input with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\n")
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            identity.reset_password(session, SYSTEM.with_channel("cli"), username=username,
                                    password=password)
    except ContactlessError as error:
        _fail(error)
        return
    typer.echo(f"password set for {username}; their sessions have ended")


@staff_app.command("list")
def staff_list() -> None:
    """Every staff member."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        rows = identity.list_staff(session, SYSTEM)
    table = Table("username", "name", "role", "branch", "active")
    for s in rows:
        table.add_row(s.username, s.display_name, s.role, s.branch_code, str(s.active))
    Console().print(table)


@branch_app.command("create")
def branch_create(
    code: Annotated[str, typer.Option(help="branch code")],
    name: Annotated[str, typer.Option(help="branch name")],
    kind: Annotated[BranchKind, typer.Option(help="head_office, branch or sub_branch")],
    parent: Annotated[str | None, typer.Option(help="parent branch code")] = None,
) -> None:
    """Add a branch to the tree."""
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            identity.create_branch(session, SYSTEM.with_channel("cli"), code=code, name=name,
                                   kind=kind, parent_code=parent)
    except ContactlessError as error:
        _fail(error)
    typer.echo(f"created branch {code.upper()}")


@branch_app.command("list")
def branch_list() -> None:
    """The branch tree."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        rows = identity.list_branches(session, SYSTEM)
    table = Table("code", "name", "kind", "path")
    for b in rows:
        table.add_row(b.code, b.name, b.kind, b.path)
    Console().print(table)


security_app = typer.Typer(help="Who may do what: the permission table.", no_args_is_help=True)


@security_app.command("permissions")
def security_permissions(
    markdown: Annotated[bool, typer.Option("--markdown", help="as docs/security.md shows it")]
    = False,
) -> None:
    """Print the permission table (operations, roles, scope, four eyes) from the code."""
    from contactless.identity.permissions import PERMISSIONS, markdown_table

    if markdown:
        typer.echo(markdown_table(), nl=False)
        return
    for operation, rule in PERMISSIONS.items():
        roles = ",".join(sorted(r.value for r in rule.roles)) or "system"
        typer.echo(f"{operation.value}\t{rule.scope.value}\t{roles}\t{rule.four_eyes.value}")
