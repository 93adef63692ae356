"""Marketing commands: the daily run (what the worker runs each morning) and delivery."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from contactless.marketing import service as marketing
from contactless.platform.cli import cli_kernel
from contactless.platform.clock import bank_today

marketing_app = typer.Typer(help="Marketing: campaigns, call tasks, messages.",
                            no_args_is_help=True)


@marketing_app.command("run-daily")
def run_daily(
    on: Annotated[str | None, typer.Option("--date", help="the run day, YYYY-MM-DD "
                                                          "(default: the bank's today)")] = None,
    rerun: Annotated[bool, typer.Option("--rerun", help="run campaigns whose run of the day "
                                                        "finished again (adds nothing)")] = False,
) -> None:
    """Run the day's campaigns; a run a crash stopped resumes. Prints a JSON report."""
    kernel = cli_kernel()
    try:
        day = date.fromisoformat(on) if on else bank_today(kernel.settings)
    except ValueError:
        raise typer.BadParameter("give the date as YYYY-MM-DD", param_hint="--date") from None
    report = marketing.run_daily(kernel, on=day, rerun=rerun)
    typer.echo(json.dumps({
        "run_date": day.isoformat(), "rolled_over": report.rolled_over,
        "reassigned": report.reassigned, "released": report.released,
        "campaigns": [{"campaign_id": str(r.campaign_id), "run_date": r.run_date.isoformat(),
                       "new_members": r.members, "sends": r.sends, "tasks": r.tasks,
                       "messages": r.messages, "warning": r.warning}
                      for r in report.campaigns]}, ensure_ascii=False))


@marketing_app.command("deliver")
def deliver() -> None:
    """Send what waits: queued texts and webhooks (the worker does it every minute)."""
    kernel = cli_kernel()
    typer.echo(json.dumps({"sms": marketing.deliver_sms(kernel),
                           "webhooks": marketing.deliver_webhooks(kernel)}))
