"""Logistic regression beside the boosted trees: `contactless risk train --algorithm logistic`
registers a measured model with its reference; the engine decides with it as champion or
scores it as challenger exactly as it does a LightGBM model; it is rolled back, and a changed
file is refused by its checksum."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from contactless.cli import app
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from contactless.risk.algorithms import load_model, train_model
from contactless.risk.errors import ModelRejected
from contactless.risk.evaluation import read_transactions, replay_history
from contactless.risk.features import FEATURES
from contactless.risk.logistic import LogisticModel
from contactless.risk.models import RiskDecision
from contactless.risk.registry import Registry
from tests.conftest import TEST_AUDIT_KEY, TEST_DATA_KEY, TEST_SECRET
from tests.risk.simulate import train_by_cli


def _decide(kernel: Kernel) -> risk.Decision:
    with kernel.db.session() as session:
        return risk.assess(session, SYSTEM, kind="transfer", channel="api", payee="shop:1",
                           amount=Decimal("99.00"), currency="CNY")


def test_a_logistic_model_is_trained_registered_served_promoted_and_rolled_back(
        history_folder: Path, sqlite_kernel: Kernel) -> None:
    home = sqlite_kernel.settings.home
    trees = train_by_cli(home, history_folder, "--promote", "champion")
    linear = train_by_cli(home, history_folder, "--algorithm", "logistic",
                          "--promote", "challenger")
    assert trees["algorithm"] == "lightgbm"
    assert linear["algorithm"] == "logistic"
    metrics = linear["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["auc_roc"] > 0.6
    registry = Registry(home / "risk" / "models")
    entry = Registry.entry(registry.index(), str(linear["version"]))
    assert entry["file"].endswith(".logistic")
    assert sum(entry["importance"].values()) == pytest.approx(1.0)
    assert set(registry.reference(str(linear["version"]))["features"]) == set(FEATURES)

    engine = risk.engine_of(sqlite_kernel)
    assert engine is not None
    engine.registry.refresh()
    challenged = _decide(sqlite_kernel)
    assert challenged.model_version == trees["version"]
    risk.flush(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        stored = session.get(RiskDecision, challenged.decision_id)
        assert stored is not None
        version, score = stored.features["challenger"]
    assert version == linear["version"]  # scored beside the champion, deciding nothing
    assert 0.0 <= score <= 1.0

    registry.promote(str(linear["version"]))
    engine.registry.refresh()
    decided = _decide(sqlite_kernel)
    assert decided.mode == "model_and_rules"
    assert decided.model_version == linear["version"]
    assert "model_unavailable" not in decided.reasons
    assert len(decided.contributions) == 3
    assert all(item.feature in FEATURES for item in decided.contributions)

    registry.rollback()
    engine.registry.refresh()
    assert _decide(sqlite_kernel).model_version == trees["version"]


def test_contributions_are_coefficient_times_standardised_value(
        history_folder: Path, tmp_path: Path) -> None:
    history = replay_history(read_transactions(history_folder), label_delay_days=7)
    model = train_model(history.features, history.fraud, algorithm="logistic")
    assert isinstance(model, LogisticModel)
    row = [float(value) for value in history.features[123]]
    standardised = (np.array(row) - model.means) / model.scales
    assert model.contributions(row) == pytest.approx(list(model.coefficients * standardised))
    logit = sum(model.contributions(row)) + model.intercept
    assert model.score_one(row) == pytest.approx(1 / (1 + math.exp(-logit)))
    # balanced class weights, then the intercept moved back: scores stay probabilities at the
    # training rows' fraud rate, so the engine's thresholds mean the same for both algorithms
    assert model.score(history.features).mean() == pytest.approx(history.fraud.mean(), rel=0.2)

    path = model.save(tmp_path)
    loaded = load_model(path)
    assert loaded.version == model.version
    assert loaded.algorithm == "logistic"
    assert np.allclose(loaded.score(history.features[:50]), model.score(history.features[:50]))
    path.write_text(path.read_text().replace('"intercept": ', '"intercept": 1', 1))
    with pytest.raises(ModelRejected, match="checksum"):
        load_model(path)


def test_a_tampered_logistic_champion_is_refused_and_the_engine_keeps_its_model(
        history_folder: Path, sqlite_kernel: Kernel) -> None:
    home = sqlite_kernel.settings.home
    first = train_by_cli(home, history_folder, "--algorithm", "logistic", "--promote", "champion")
    second = train_by_cli(home, history_folder, "--algorithm", "logistic", "--train-days", "5")
    assert second["version"] != first["version"]
    model_file = home / "risk" / "models" / f"model-{second['version']}.logistic"
    model_file.write_text(model_file.read_text().replace("[", "[0.5, ", 1))
    registry = Registry(home / "risk" / "models")
    with pytest.raises(ModelRejected, match="checksum"):
        registry.promote(str(second["version"]))
    assert registry.index()["champion"] == first["version"]
    engine = risk.engine_of(sqlite_kernel)
    assert engine is not None
    engine.registry.refresh()
    assert engine.model is not None
    assert engine.model.version == first["version"]


def test_an_unknown_algorithm_is_refused_before_anything_is_read(history_folder: Path,
                                                                  tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["risk", "train", "--transactions", str(history_folder),
                                      "--algorithm", "forest"],
                                env={"CONTACTLESS_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert "lightgbm, logistic" in result.output
    assert not (tmp_path / "risk").exists()


def test_evaluate_measures_the_logistic_regression_by_the_same_protocol(
        history_folder: Path) -> None:
    result = CliRunner().invoke(app, [
        "risk", "evaluate", "--transactions", str(history_folder), "--train-start",
        "2024-01-10", "--folds", "1", "--algorithm", "logistic", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"]["kind"] == "logistic"
    assert report["mean"]["auc_roc"] > 0.7


def test_promoting_and_rolling_back_from_the_command_line_is_audited(
        history_folder: Path, sqlite_kernel: Kernel) -> None:
    home = sqlite_kernel.settings.home
    first = train_by_cli(home, history_folder, "--algorithm", "logistic", "--promote", "champion")
    second = train_by_cli(home, history_folder, "--algorithm", "logistic", "--train-days", "5")
    env = {"CONTACTLESS_HOME": str(home), "CONTACTLESS_MODE": "test",
           "CONTACTLESS_SECRET_KEY": TEST_SECRET, "CONTACTLESS_DATA_KEY": TEST_DATA_KEY,
           "CONTACTLESS_AUDIT_KEY": TEST_AUDIT_KEY}
    promoted = CliRunner().invoke(app, ["risk", "promote", str(second["version"])], env=env)
    assert promoted.exit_code == 0, promoted.output
    rolled = CliRunner().invoke(app, ["risk", "rollback"], env=env)
    assert rolled.exit_code == 0, rolled.output
    assert Registry(home / "risk" / "models").index()["champion"] == first["version"]
    with sqlite_kernel.db.session() as session:
        entries = session.execute(select(AuditEntry.action, AuditEntry.target_id,
                                         AuditEntry.channel)
                                  .where(AuditEntry.action.like("risk.model_%"))
                                  .order_by(AuditEntry.seq)).all()
    assert [(action, target) for action, target, _channel in entries] == [
        ("risk.model_promoted", str(second["version"])),
        ("risk.model_rolled_back", str(first["version"]))]
    assert {channel for _action, _target, channel in entries} == {"cli"}
