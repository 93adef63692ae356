"""The ``contactless`` command. Each domain adds its own sub-commands; all call services."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from contactless.assistant.cli import assistant_app
from contactless.corebank.cli import corebank_app
from contactless.customers import cli as customers_cli
from contactless.demo import cli as demo_cli
from contactless.events.cli import events_app
from contactless.identity import cli as identity_cli
from contactless.journeys.cli import journeys_app
from contactless.marketing.cli import marketing_app
from contactless.outreach import cli as outreach_cli
from contactless.platform import cli as platform_cli
from contactless.risk.cli import risk_app
from contactless.server import serve, worker
from contactless.settings import InsecureSettings

app = typer.Typer(help="Contactless: serve a bank's customers without meeting them.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)

app.add_typer(platform_cli.db_app, name="db")
app.add_typer(platform_cli.audit_app, name="audit")
app.add_typer(platform_cli.messages_app, name="messages")
app.add_typer(identity_cli.staff_app, name="staff")
app.add_typer(identity_cli.branch_app, name="branch")
app.add_typer(identity_cli.security_app, name="security")
app.add_typer(customers_cli.customers_app, name="customers")
app.add_typer(journeys_app, name="journeys")
app.add_typer(corebank_app, name="corebank")
app.add_typer(outreach_cli.outreach_app, name="outreach")
app.add_typer(assistant_app, name="assistant")
app.add_typer(risk_app, name="risk")
app.add_typer(events_app, name="events")
app.add_typer(marketing_app, name="marketing")
app.command("serve")(serve)
app.command("worker")(worker)
app.command("demo")(demo_cli.demo)


@app.command("errors")
def errors(
    markdown: Annotated[bool, typer.Option("--markdown", help="docs/errors.md's table")] = False,
) -> None:
    """List every error the platform answers with: its stable code, HTTP status and meaning."""
    import importlib
    import pkgutil

    import contactless
    from contactless.platform.errors import catalog_markdown, error_catalog

    for module in pkgutil.walk_packages(contactless.__path__, "contactless."):
        if module.name.endswith(".errors"):
            importlib.import_module(module.name)
    if markdown:
        typer.echo(catalog_markdown(), nl=False)
        return
    for where, code, status, name, doc in error_catalog():
        typer.echo(f"{status}  {code:<36} {where}.{name}: {doc}")


@app.command("version")
def version() -> None:
    """Print the version."""
    from contactless import __version__

    typer.echo(__version__)


@app.command("settings")
def show_settings(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the settings in force (secrets hidden)."""
    from contactless.settings import Settings

    settings = Settings()
    data = settings.model_dump(mode="json", exclude={"extra_key_ids"})
    data["database"] = settings.sqlalchemy_url.split("@")[-1]
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None if as_json else 2, default=str))


def main() -> None:
    try:
        app()
    except InsecureSettings as refused:
        console.print(str(refused), style="red", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


__all__ = ["Path", "app", "main"]
