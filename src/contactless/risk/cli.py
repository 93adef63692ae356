"""Risk commands: evaluate a fraud model on labelled history, train one from it, run the
model registry, report the champion's drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from contactless.platform.errors import ContactlessError
from contactless.risk.manifest import ALGORITHMS, DEFAULT_ALGORITHM

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from contactless.platform.context import Actor

T = TypeVar("T")

risk_app = typer.Typer(help="Risk control: features, models, evaluation.", no_args_is_help=True)
console = Console(stderr=True)


AlgorithmOption = Annotated[str, typer.Option(
    "--algorithm", help="lightgbm (gradient-boosted trees) or logistic (logistic regression)")]


def _algorithm(value: str) -> str:
    if value not in ALGORITHMS:
        console.print(f"[red]--algorithm is one of {', '.join(ALGORITHMS)}, not {value!r}[/red]")
        raise typer.Exit(2)
    return value


def _as_cli(work: Callable[[Session, Actor], T]) -> T:
    """``work`` in one transaction as the command line (audited with channel ``cli``, as
    from the console); a refusal is printed and the command exits 1."""
    from contactless.platform.cli import cli_kernel
    from contactless.platform.context import SYSTEM

    kernel = cli_kernel()
    try:
        with kernel.db.session() as session:
            return work(session, SYSTEM.with_channel("cli"))
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None


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
    algorithm: AlgorithmOption = DEFAULT_ALGORITHM,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """Replay labelled transactions through the online features, train on each fold's
    training days, score its test days; AUC ROC, average precision, card precision@100 and
    the latency of a decision (the fraud-detection handbook's protocol)."""
    from contactless.risk import evaluation  # numpy, pyarrow, LightGBM: only when evaluating

    _algorithm(algorithm)
    protocol = evaluation.Protocol(
        train_start=_day(train_start, "--train-start"), folds=folds, train_days=train_days,
        delay_days=delay_days, test_days=test_days, fold_step_days=fold_step_days)
    try:
        report = evaluation.evaluate(transactions, protocol, algorithm=algorithm)
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
    from contactless.risk.registry import Registry, model_folder
    from contactless.settings import Settings

    return Registry(model_folder(Settings()))


@risk_app.command("train")
def train(
    transactions: Annotated[Path | None, typer.Option(
        "--transactions", help="folder of Parquet files", exists=True)] = None,
    from_decisions: Annotated[bool, typer.Option(
        "--from-decisions", help="train on the bank's stored decisions and the analysts' "
                                 "verdicts instead")] = False,
    days: Annotated[int, typer.Option("--days", min=2, max=730,
                                      help="with --from-decisions: days of decisions")] = 90,
    train_days: Annotated[int, typer.Option("--train-days", min=1, max=365)] = 7,
    delay_days: Annotated[int, typer.Option("--delay-days", min=0, max=90)] = 7,
    test_days: Annotated[int, typer.Option("--test-days", min=1, max=365)] = 7,
    promote: Annotated[str | None, typer.Option(
        "--promote", help="champion or challenger: put the new model in that role")] = None,
    algorithm: AlgorithmOption = DEFAULT_ALGORITHM,
) -> None:
    """Train a fraud model on the latest labelled days (measured first on the latest test
    days) and register it in the model registry, with its metrics and training reference:
    from a transactions history, or from the stored decisions (fraud where a case said so,
    genuine where nothing was reported within the delay)."""
    _algorithm(algorithm)
    if promote not in (None, "champion", "challenger"):
        console.print("[red]--promote is champion or challenger[/red]")
        raise typer.Exit(2)
    if (transactions is None) == (not from_decisions):
        console.print("[red]give --transactions DIR or --from-decisions (one of them)[/red]")
        raise typer.Exit(2)
    try:
        if transactions is not None:
            entry = _train_from_history(transactions, train_days=train_days,
                                        delay_days=delay_days, test_days=test_days,
                                        algorithm=algorithm, promote=promote)
        else:
            entry = _train_from_decisions(days=days, delay_days=delay_days,
                                          test_days=test_days, algorithm=algorithm,
                                          promote=promote)
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"version": entry["version"], "algorithm": entry["algorithm"],
                           "metrics": entry["metrics"], "trained_on": entry["trained_on"],
                           "role": promote}))


def _train_from_history(transactions: Path, *, train_days: int, delay_days: int,
                        test_days: int, algorithm: str, promote: str | None) -> Any:
    from contactless.risk import evaluation

    model, report = evaluation.train_latest(transactions, train_days=train_days,
                                            delay_days=delay_days, test_days=test_days,
                                            algorithm=algorithm)
    registry = _registry()
    entry = registry.register(model, metrics=report["metrics"], trained_on=report["trained_on"],
                              reference=report["reference"])
    if promote:
        registry.promote(model.version, role=promote)
    return entry


def _train_from_decisions(*, days: int, delay_days: int, test_days: int, algorithm: str,
                          promote: str | None) -> Any:
    from contactless.platform.cli import cli_kernel
    from contactless.platform.context import SYSTEM
    from contactless.risk import learning, manage

    kernel = cli_kernel()
    actor = SYSTEM.with_channel("cli")
    with kernel.db.session() as session:
        model, report = learning.train_from_decisions(
            session, actor, days=days, delay_days=delay_days, test_days=test_days,
            algorithm=algorithm)
        registry = manage.registry_of(kernel)
        entry = registry.register(model, metrics=report["metrics"],
                                  trained_on=report["trained_on"], reference=report["reference"])
        if promote:  # audited, as from the console
            manage.promote_model(session, actor, version=model.version, role=promote)
    return entry


@risk_app.command("backtest")
def backtest(
    transactions: Annotated[Path, typer.Option("--transactions", help="folder of Parquet files",
                                               exists=True)],
    condition: Annotated[str, typer.Option(
        "--condition", help="the rule's condition as JSON, or @FILE holding it")],
    delay_days: Annotated[int, typer.Option("--delay-days", min=0, max=90)] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """What a rule's condition would have fired on over a labelled transactions history
    (before it goes live): volume, precision and recall. The console and the API backtest
    over the stored decisions instead."""
    from contactless.risk import evaluation
    from contactless.risk.rules import parse_condition

    text = condition
    if condition.startswith("@"):
        try:
            text = Path(condition[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]cannot read {condition[1:]}: {exc}[/red]")
            raise typer.Exit(2) from None
    try:
        report = evaluation.backtest_history(transactions, parse_condition(text),
                                             delay_days=delay_days)
    except ContactlessError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    precision = report["precision"]
    typer.echo(f"fired on {report['fired']} of {report['transactions']} transactions "
               f"({report['volume']:.2%}); caught {report['frauds_caught']} of "
               f"{report['frauds']} frauds; precision "
               f"{'-' if precision is None else f'{precision:.3f}'}")


@risk_app.command("models")
def models() -> None:
    """The model registry: versions with their metrics, champion, challenger."""
    index = _registry().index()
    typer.echo(json.dumps({key: index.get(key) for key in ("champion", "challenger")}
                          | {"versions": [{"version": item["version"],
                                           "algorithm": item["algorithm"],
                                           "metrics": item["metrics"]}
                                          for item in index.get("versions", [])]}))


@risk_app.command("promote")
def promote_model(version: str, role: Annotated[str, typer.Option("--role")] = "champion",
                  ) -> None:
    """Make a registered model the champion (or the challenger); audited, as from the console."""
    from contactless.risk import manage

    _as_cli(lambda session, actor: manage.promote_model(session, actor, version=version,
                                                         role=role))
    typer.echo(f"{version} is the {role}")


@risk_app.command("rollback")
def rollback() -> None:
    """The champion before the current one decides again; audited, as from the console."""
    from contactless.risk import manage

    index = _as_cli(manage.rollback_model)
    typer.echo(f"{index['champion']} is the champion again")


@risk_app.command("rate")
def rate(
    currency: Annotated[str, typer.Argument(help="three letters, e.g. USD")],
    value: Annotated[str, typer.Argument(help="CNY one unit counts for, e.g. 7.1234")],
    since: Annotated[str | None, typer.Option(
        "--from", help="the first day it applies, YYYY-MM-DD (default: today)")] = None,
) -> None:
    """Set the reference rate decisions convert ``currency`` to CNY at; audited."""
    from contactless.risk import rates

    day = _day(since, "--from") if since else None
    view = _as_cli(lambda session, actor: rates.set_rate(
        session, actor, currency=currency, rate=value, effective_from=day))
    typer.echo(f"1 {view.currency} = {view.rate} CNY from {view.effective_from}")


@risk_app.command("rates")
def list_rates() -> None:
    """The reference rates set, by currency, newest day first."""
    from contactless.risk import rates

    views = _as_cli(rates.list_rates)
    for view in views:
        typer.echo(f"{view.currency}\t{view.rate}\t{view.effective_from}\t{view.set_by}")
    if not views:
        typer.echo("no reference rates: amounts in other currencies are decided as numbers")


@risk_app.command("drift")
def drift(
    on: Annotated[str | None, typer.Option(
        "--date", help="the day to report, YYYY-MM-DD in the bank's calendar (default: "
                       "yesterday)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """The champion's drift report for one day (what the daily job does), stored in place of
    one made before: PSI of each feature and of the score against its training rows, and the
    precision of recent review and block decisions whose label is known."""
    from datetime import timedelta

    from contactless.platform.clock import bank_today
    from contactless.platform.kernel import kernel_of
    from contactless.risk import monitoring

    chosen = _day(on, "--date") if on else None

    def report_day(session: Session, actor: Actor) -> Any:
        day = chosen or bank_today(kernel_of(session).settings) - timedelta(days=1)
        return monitoring.report_drift(session, actor, day=day)

    report = _as_cli(report_day)
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"{report['day']}: {report['decisions']} decisions by {report['model_version']}"
               f" ({report['algorithm']}); score PSI {report['score']}")
    for name, value in sorted(report["features"].items(), key=lambda item: -(item[1] or 0)):
        flag = "  shifted" if name in report["shifted"] else ""
        typer.echo(f"  {name:28} {value if value is not None else '-'}{flag}")
    precision = report["precision"]
    typer.echo(f"precision of review/block over {monitoring.PRECISION_DAYS} days: "
               f"{precision['precision']} ({precision['frauds']} fraud of "
               f"{precision['labelled']} labelled, {precision['flagged']} flagged)")


__all__ = ["risk_app"]
