"""Customer commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.platform.cli import cli_kernel
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError

customers_app = typer.Typer(help="Customers (PII masked).", no_args_is_help=True)


@customers_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="name as on the ID card")],
    mobile: Annotated[str, typer.Option(help="mobile number")],
    id_number: Annotated[str, typer.Option("--id-number", help="resident ID number")],
    rm: Annotated[str, typer.Option(help="username of the primary RM")],
) -> None:
    """Register a customer under a primary RM."""
    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            rm_ref = identity.staff_by_username(session, username=rm)
            view = customers.create_customer(session, SYSTEM.with_channel("cli"), name=name,
                                             mobile=mobile, id_number=id_number,
                                             primary_rm_id=rm_ref.id)
    except ContactlessError as error:
        typer.echo(f"error [{error.code}]: {error.message}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"created customer {view.id} ({view.mobile})")


@customers_app.command("list")
def list_(limit: int = 20) -> None:
    """The newest customers, masked."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        rows, total = customers.list_customers(session, SYSTEM, limit=limit)
    table = Table("id", "name", "mobile", "id number")
    for c in rows:
        table.add_row(str(c.id), c.name, c.mobile, c.id_number)
    Console().print(table)
    typer.echo(f"{total} customers")
