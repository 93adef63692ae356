"""The champion's daily drift and precision report: a feature whose distribution moved is
flagged (PSI over 0.2), the same population is not (below 0.1); the precision of review and
block decisions counts those whose label is known; the job reports yesterday once; the
command runs it for a given day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from contactless.app import register_jobs
from contactless.cli import app
from contactless.platform.audit import AuditEntry
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel
from contactless.risk import drift, monitoring
from contactless.risk.errors import DriftUnavailable
from contactless.risk.evaluation import History
from contactless.risk.manage import registry_of
from contactless.risk.models import RiskDriftReport
from tests.risk.training import (
    halves,
    register_trained,
    shifted,
    simulated_history,
    store_decisions,
)

DAY = date(2026, 11, 30)
NOON = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return simulated_history(tmp_path_factory.mktemp("drift"))


def test_psi_is_near_zero_for_the_same_population_and_large_for_a_moved_one() -> None:
    rng = np.random.default_rng(1)
    reference = drift.histogram(rng.lognormal(3, 1, 20_000))
    same = drift.bin_counts(rng.lognormal(3, 1, 5_000), reference["edges"])
    moved = drift.bin_counts(rng.lognormal(3.5, 1, 5_000), reference["edges"])
    assert drift.psi(reference["fractions"], same) < 0.01
    assert drift.psi(reference["fractions"], moved) > 0.2
    assert drift.psi(reference["fractions"], np.zeros(len(reference["edges"]) + 1)) is None
    # a feature that is mostly zero keeps its zeros in one bin
    sparse = drift.histogram(np.array([0.0] * 90 + list(range(1, 11))))
    assert sparse["fractions"][0] == pytest.approx(0.9)


def test_a_shifted_feature_is_flagged_and_the_same_population_is_not(
        sqlite_kernel: Kernel, history: History) -> None:
    trained, unseen = halves(history)
    registry = registry_of(sqlite_kernel)
    model = register_trained(registry, history, trained)
    registry.promote(model.version)
    store_decisions(sqlite_kernel, model, history.features[unseen], at=NOON)
    with sqlite_kernel.db.session() as session:
        report = monitoring.report_drift(session, SYSTEM, day=DAY)
    assert report["decisions"] == len(unseen)
    assert report["model_version"] == model.version
    assert report["algorithm"] == "logistic"
    assert report["enough"]
    assert max(report["features"].values()) < 0.1, report["features"]
    assert report["score"] < 0.1
    assert report["shifted"] == []
    assert "weekend" not in report["features"]  # a day is all weekend or none

    store_decisions(sqlite_kernel, model, shifted(history.features[unseen], "amount", 2.0),
                    at=NOON + timedelta(days=1))
    with sqlite_kernel.db.session() as session:
        moved = monitoring.report_drift(session, SYSTEM, day=DAY + timedelta(days=1))
    assert moved["features"]["amount"] > 0.2
    assert "amount" in moved["shifted"]
    assert moved["features"]["card_count_7d"] < 0.1  # what did not move is not flagged
    with sqlite_kernel.db.session() as session:
        stored = monitoring.drift_reports(session, SYSTEM)
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "risk.drift_reported"))
    assert [item["day"] for item in stored] == ["2026-12-01", "2026-11-30"]
    assert audited == 2


def test_precision_counts_review_and_block_decisions_whose_label_is_known(
        sqlite_kernel: Kernel, history: History) -> None:
    trained, unseen = halves(history)
    registry = registry_of(sqlite_kernel)
    model = register_trained(registry, history, trained)
    registry.promote(model.version)
    rows = history.features[unseen]
    earlier = NOON - timedelta(days=3)
    store_decisions(sqlite_kernel, model, rows[:3], at=earlier, outcome="block", label="fraud")
    store_decisions(sqlite_kernel, model, rows[3:4], at=earlier, outcome="review",
                    label="not_fraud")
    store_decisions(sqlite_kernel, model, rows[4:6], at=earlier, outcome="review")
    store_decisions(sqlite_kernel, model, rows[6:20], at=earlier, outcome="approve",
                    label="not_fraud")
    store_decisions(sqlite_kernel, model, rows[20:22], at=NOON - timedelta(days=40),
                    outcome="block", label="not_fraud")  # older than the window
    with sqlite_kernel.db.session() as session:
        report = monitoring.report_drift(session, SYSTEM, day=DAY)
    assert report["decisions"] == 0  # none that day: nothing measured, nothing flagged
    assert report["score"] is None
    assert not report["enough"]
    assert report["precision"] | {"since": None, "until": None} == {
        "since": None, "until": None, "flagged": 6, "labelled": 4, "frauds": 3,
        "precision": 0.75}


def test_the_daily_job_reports_yesterday_once_and_waits_for_a_champion(
        sqlite_kernel: Kernel, history: History) -> None:
    tasks = register_jobs(build_huey(sqlite_kernel.settings, immediate=True), sqlite_kernel)
    tasks["report_drift"]()  # no champion yet: nothing to report, nothing fails
    assert _reports(sqlite_kernel) == []
    with sqlite_kernel.db.session() as session, pytest.raises(DriftUnavailable):
        monitoring.report_drift(session, SYSTEM, day=DAY)
    trained, unseen = halves(history)
    registry = registry_of(sqlite_kernel)
    model = register_trained(registry, history, trained)
    registry.promote(model.version)
    yesterday = bank_today(sqlite_kernel.settings) - timedelta(days=1)
    start, _ = monitoring.day_bounds(yesterday, sqlite_kernel.settings.timezone)
    store_decisions(sqlite_kernel, model, history.features[unseen[:500]],
                    at=start + timedelta(hours=2))
    tasks["report_drift"]()
    tasks["report_drift"]()  # done for the day: not made again
    assert _reports(sqlite_kernel) == [(yesterday, model.version, 500)]
    with sqlite_kernel.db.session() as session:
        assert monitoring.report_yesterday(session, SYSTEM) is None


def _reports(kernel: Kernel) -> list[tuple[date, str, int]]:
    with kernel.db.session() as session:
        return [(row.day, row.model_version, row.decisions)
                for row in session.scalars(select(RiskDriftReport))]


def test_the_command_reports_a_given_day_and_replaces_its_earlier_report(
        sqlite_kernel: Kernel, history: History) -> None:
    trained, unseen = halves(history)
    registry = registry_of(sqlite_kernel)
    model = register_trained(registry, history, trained)
    registry.promote(model.version)
    store_decisions(sqlite_kernel, model, history.features[unseen[:300]], at=NOON)
    env = {"CONTACTLESS_HOME": str(sqlite_kernel.settings.home), "CONTACTLESS_DATABASE_URL": ""}
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["risk", "drift", "--date", DAY.isoformat(), "--json"],
                               env=env)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["day"] == DAY.isoformat()
        assert report["decisions"] == 300
    with sqlite_kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(RiskDriftReport)) == 1
    text = runner.invoke(app, ["risk", "drift", "--date", DAY.isoformat()], env=env)
    assert "300 decisions" in text.stdout
    refused = runner.invoke(app, ["risk", "drift", "--date", "yesterday"], env=env)
    assert refused.exit_code == 2
    assert "YYYY-MM-DD" in refused.output


def test_the_report_is_refused_without_a_training_reference(
        sqlite_kernel: Kernel, history: History, tmp_path: Path) -> None:
    from contactless.risk.algorithms import train_model

    trained, _ = halves(history)
    registry = registry_of(sqlite_kernel)
    model = train_model(history.features[trained], history.fraud[trained],
                        algorithm="logistic")
    registry.register(model, metrics={}, trained_on={})
    registry.promote(model.version)
    with sqlite_kernel.db.session() as session, pytest.raises(
            DriftUnavailable, match="training reference"):
        monitoring.report_drift(session, SYSTEM, day=DAY)
