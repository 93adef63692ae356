"""Risk commands: evaluate the fraud model on labelled history, train one from it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from contactless.platform.errors import ContactlessError

risk_app = typer.Typer(help="Risk control: features, models, evaluation.", no_args_is_help=True)
console = Console(stderr=True)


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        console.print(f"[red]{option} must be a date YYYY-MM-DD, not {value!r}[/red]")
        raise typer.Exit(2) from None


@risk_app.command("evaluate")
def evaluate(
    transactions: Annotated[Path, typer.Option("--transactions", help="folder of Parquet files",
                                               exists=True)],
    train_start: Annotated[str, typer.Option("--train-start", help="first training day")],
    folds: Annotated[int, typer.Option("--folds", min=1, max=52)] = 4,
    train_days: Annotated[int, typer.Option("--train-days", min=1, max=365)] = 7,
    delay_days: Annotated[int, typer.Option("--delay-days", min=0, max=90)] = 7,
    test_days: Annotated[int, typer.Option("--test-days", min=1, max=365)] = 7,
    fold_step_days: Annotated[int, typer.Option("--fold-step-days", min=1, max=365)] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """Replay labelled transactions through the online features, train on each fold's
    training days, score its test days; AUC ROC, average precision, card precision@100 and
    the latency of a decision (the fraud-detection handbook's protocol)."""
    from contactless.risk import evaluation  # numpy, pyarrow, LightGBM: only when evaluating

    protocol = evaluation.Protocol(
        train_start=_day(train_start, "--train-start"), folds=folds, train_days=train_days,
        delay_days=delay_days, test_days=test_days, fold_step_days=fold_step_days)
    try:
        report = evaluation.evaluate(transactions, protocol)
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    for fold in report["folds"]:
        typer.echo(f"fold from {fold['train_start']}: AUC {fold['auc_roc']:.4f}  "
                   f"AP {fold['average_precision']:.4f}  "
                   f"CP@100 {fold['card_precision_at_100']:.4f}")
    mean = report["mean"]
    typer.echo(f"mean: AUC {mean['auc_roc']:.4f}  AP {mean['average_precision']:.4f}  "
               f"CP@100 {mean['card_precision_at_100']:.4f}; "
               f"{report['decisions_per_s']:.0f} decisions/s, p99 {report['p99_ms']:.2f} ms")


def _registry() -> Any:
    from contactless.risk.registry import Registry
    from contactless.settings import Settings

    settings = Settings()
    return Registry(settings.risk_model_dir or settings.home / "risk" / "models")


@risk_app.command("train")
def train(
    transactions: Annotated[Path, typer.Option("--transactions", help="folder of Parquet files",
                                               exists=True)],
    train_days: Annotated[int, typer.Option("--train-days", min=1, max=365)] = 7,
    delay_days: Annotated[int, typer.Option("--delay-days", min=0, max=90)] = 7,
    test_days: Annotated[int, typer.Option("--test-days", min=1, max=365)] = 7,
    promote: Annotated[str | None, typer.Option(
        "--promote", help="champion or challenger: put the new model in that role")] = None,
) -> None:
    """Train a fraud model on the latest labelled days (measured first on the latest test
    days) and register it in the model registry, with its metrics."""
    from contactless.risk import evaluation

    if promote not in (None, "champion", "challenger"):
        console.print("[red]--promote is champion or challenger[/red]")
        raise typer.Exit(2)
    try:
        model, report = evaluation.train_latest(transactions, train_days=train_days,
                                                delay_days=delay_days, test_days=test_days)
        registry = _registry()
        entry = registry.register(model, metrics=report["metrics"],
                                  trained_on=report["trained_on"])
        if promote:
            registry.promote(model.version, role=promote)
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"version": entry["version"], "metrics": entry["metrics"],
                           "trained_on": entry["trained_on"], "role": promote}))


@risk_app.command("models")
def models() -> None:
    """The model registry: versions with their metrics, champion, challenger."""
    index = _registry().index()
    typer.echo(json.dumps({key: index.get(key) for key in ("champion", "challenger")}
                          | {"versions": [{"version": item["version"],
                                           "metrics": item["metrics"]}
                                          for item in index.get("versions", [])]}))


@risk_app.command("promote")
def promote_model(version: str, role: Annotated[str, typer.Option("--role")] = "champion",
                  ) -> None:
    """Make a registered model the champion (or the challenger)."""
    try:
        _registry().promote(version, role=role)
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    typer.echo(f"{version} is the {role}")


@risk_app.command("rollback")
def rollback() -> None:
    """The champion before the current one decides again."""
    try:
        index = _registry().rollback()
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    typer.echo(f"{index['champion']} is the champion again")


__all__ = ["risk_app"]
