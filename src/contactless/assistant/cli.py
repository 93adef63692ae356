"""Assistant commands: train and roll back the intent model, evaluate it, benchmark the
pipeline on any labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from contactless.assistant.service import training
from contactless.platform.cli import cli_kernel
from contactless.settings import Settings

assistant_app = typer.Typer(help="Assistant: intent model versions, evaluation, benchmarks.",
                            no_args_is_help=True)


def _threshold(value: float | None) -> float:
    return value if value is not None else Settings().assistant_handoff_threshold


@assistant_app.command("train")
def train() -> None:
    """Train on the shipped data plus the agents' corrections; the new version is used at once
    (by every process of this HOME)."""
    kernel = cli_kernel()
    with kernel.db.session() as session:
        run = training.train_model(session)
    typer.echo(json.dumps({"version": run.version, **run.meta}, ensure_ascii=False, indent=2))


@assistant_app.command("models")
def models() -> None:
    """List the installed model versions; * marks the current one."""
    for version in training.model_versions(Settings().home):
        mark = "*" if version.current else " "
        typer.echo(f"{mark} {version.name}  examples={version.meta.get('examples')}  "
                   f"corrections={version.meta.get('corrections')}")


@assistant_app.command("rollback")
def rollback(to: Annotated[str | None, typer.Option("--to", help="version, e.g. v0002")] = None,
             ) -> None:
    """Make an earlier model version current (default: the one before the current one)."""
    try:
        name = training.rollback_model(Settings().home, to=to)
    except FileNotFoundError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"current model: {name}")


@assistant_app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False,
                                       help="CSV with header text,label")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    threshold: Annotated[float | None, typer.Option(help="default: the handoff threshold")] = None,
) -> None:
    """Run the model in use on labelled messages: accuracy, macro-F1, answered share and
    accuracy at the handoff threshold, per-intent errors."""
    result = training.evaluate_installed(Settings().home, data, threshold=_threshold(threshold))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=None if as_json else 2))


@assistant_app.command("benchmark")
def benchmark(
    train_files: Annotated[list[Path], typer.Option("--train", exists=True, dir_okay=False,
                                                    help="CSV (text,label or text,category); "
                                                         "repeat to add more")],
    test: Annotated[Path, typer.Option("--test", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    threshold: Annotated[float | None, typer.Option(help="default: the handoff threshold")] = None,
) -> None:
    """Train a fresh classifier with the production pipeline and measure it on ``--test``:
    the eval figures plus training time and p50/p99 latency per message."""
    result = training.benchmark_files(train_files, test, threshold=_threshold(threshold))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=None if as_json else 2))
