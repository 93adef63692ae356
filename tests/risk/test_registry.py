"""`contactless risk train` registers a measured model; the engine decides with the champion,
scores the challenger beside it, rolls back, and keeps the previous model when a file fails
its checksum (rules only, and says so, when there is none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from contactless.risk.registry import Registry
from tests.risk.simulate import train_by_cli


def test_train_promote_challenge_roll_back_and_refuse_a_tampered_file(
        history_folder: Path, sqlite_kernel: Kernel) -> None:
    home = sqlite_kernel.settings.home
    first = train_by_cli(home, history_folder, "--promote", "champion")
    metrics = first["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["auc_roc"] > 0.6
    engine = risk.engine_of(sqlite_kernel)
    assert engine is not None
    engine.registry.refresh()
    assert engine.model is not None
    assert engine.model.version == first["version"]
    with sqlite_kernel.db.session() as session:
        decision = risk.assess(session, SYSTEM, kind="transfer", channel="api",
                               customer_id=None, payee="shop:1",
                               amount=__import__("decimal").Decimal("99.00"), currency="CNY")
    assert decision.mode == "model_and_rules"
    assert decision.model_version == first["version"]
    assert "model_unavailable" not in decision.reasons
    assert len(decision.contributions) == 3
    second = train_by_cli(home, history_folder, "--train-days", "5", "--promote", "champion")
    assert second["version"] != first["version"]
    registry = Registry(home / "risk" / "models")
    assert registry.index()["champion"] == second["version"]
    registry.rollback()
    assert registry.index()["champion"] == first["version"]
    model_file = home / "risk" / "models" / f"model-{second['version']}.txt"
    model_file.write_text(model_file.read_text() + "\n# tampered\n")
    registry.promote(str(first["version"]), role="champion")  # the good one still promotes
    with pytest.raises(Exception, match="checksum"):
        registry.promote(str(second["version"]))
    engine.registry.refresh()
    assert engine.model is not None
    assert engine.model.version == first["version"]
