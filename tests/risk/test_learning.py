"""Training from the bank's own decisions: what analysts marked as fraud and what went by
without a report feed a new model (`contactless risk train --from-decisions`); decisions
younger than the label delay are left out, and a window without frauds is refused."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from contactless.cli import app
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import learning
from contactless.risk.errors import InvalidTransactions
from contactless.risk.evaluation import read_transactions, replay_history
from contactless.risk.features import FEATURES
from contactless.risk.recorder import write
from contactless.risk.registry import Registry
from tests.conftest import TEST_AUDIT_KEY, TEST_DATA_KEY, TEST_SECRET

END = datetime(2026, 11, 20, tzinfo=UTC)  # the window's end: older than the label delay


def _row(at: datetime, values: np.ndarray, customer: str, *, fraud: bool) -> dict[str, Any]:
    facts = dict(zip(FEATURES, (float(value) for value in values), strict=True))
    return {
        "id": uuid.uuid4(), "at": at, "kind": "transfer", "channel": "api",
        "customer_id": uuid.uuid5(uuid.NAMESPACE_URL, customer), "payee": "shop:1",
        "device": None, "amount": f"{facts['amount']:.2f}", "currency": "CNY",
        "outcome": "review" if fraud else "approve", "score": 0.0, "mode": "rules_only",
        "model_version": None, "rules": [], "shadow_rules": [], "reasons": [],
        "contributions": [], "features": {**facts, "kind": "transfer", "model_score": 0.0},
        "inputs": {}, "actor_kind": "system", "actor_id": "system",
        "label": "fraud" if fraud else None, "labelled_at": None}


def _store_history(kernel: Kernel, folder: Path, *, days: int = 30, end: datetime = END,
                   ) -> int:
    """The simulator's transactions as decisions of the 30 days before ``end``, the frauds
    marked by an analyst's verdict, the rest never reported."""
    history = replay_history(read_transactions(folder), label_delay_days=7)
    last = history.day.max()
    rows = []
    for index in np.flatnonzero(history.day > last - np.timedelta64(days, "D")):
        back = int((last - history.day[index]) / np.timedelta64(1, "D"))
        at = end - timedelta(days=back + 1, seconds=-int(index % 80_000))
        rows.append(_row(at, history.features[index], str(history.customer[index]),
                         fraud=bool(history.fraud[index])))
    write(kernel, rows)
    return len(rows)


def test_a_model_learns_from_stored_decisions_and_their_verdicts(
        sqlite_kernel: Kernel, history_folder: Path) -> None:
    stored = _store_history(sqlite_kernel, history_folder)
    young = [_row(END + timedelta(days=2), np.full(len(FEATURES), 9e6), "late", fraud=True)]
    write(sqlite_kernel, young)  # inside the delay: its label may still change
    with sqlite_kernel.db.session() as session:
        model, report = learning.train_from_decisions(
            session, SYSTEM, days=30, test_days=7, until=END, algorithm="logistic")
    assert report["trained_on"]["decisions"] == stored
    assert report["trained_on"]["frauds"] > 0
    assert report["metrics"]["auc_roc"] > 0.7
    assert 0 < report["metrics"]["card_precision_at_100"] <= 1
    assert model.algorithm == "logistic"


def test_a_window_without_frauds_is_refused(sqlite_kernel: Kernel) -> None:
    write(sqlite_kernel, [_row(END - timedelta(days=day), np.ones(len(FEATURES)), "c",
                               fraud=False) for day in range(1, 20)])
    with sqlite_kernel.db.session() as session, pytest.raises(InvalidTransactions,
                                                               match="need frauds"):
        learning.train_from_decisions(session, SYSTEM, days=30, until=END)


def test_risk_train_from_decisions_registers_and_promotes_with_an_audit_entry(
        sqlite_kernel: Kernel, history_folder: Path) -> None:
    # the command's window ends where the label delay starts, on the real clock
    _store_history(sqlite_kernel, history_folder, end=datetime.now(UTC) - timedelta(days=8))
    home = sqlite_kernel.settings.home
    env = {"CONTACTLESS_HOME": str(home), "CONTACTLESS_MODE": "test",
           "CONTACTLESS_SECRET_KEY": TEST_SECRET, "CONTACTLESS_DATA_KEY": TEST_DATA_KEY,
           "CONTACTLESS_AUDIT_KEY": TEST_AUDIT_KEY}
    both = CliRunner().invoke(app, ["risk", "train", "--from-decisions", "--transactions",
                                    str(history_folder)], env=env)
    assert both.exit_code == 2  # one source or the other
    trained = CliRunner().invoke(app, [
        "risk", "train", "--from-decisions", "--days", "60", "--test-days", "10",
        "--algorithm", "logistic",
        "--promote", "champion"], env=env)
    assert trained.exit_code == 0, trained.output
    report = json.loads(trained.stdout.strip().splitlines()[-1])
    assert report["trained_on"]["decisions"] > 0
    assert Registry(home / "risk" / "models").index()["champion"] == report["version"]
    with sqlite_kernel.db.session() as session:
        promoted = session.scalars(select(AuditEntry.target_id).where(
            AuditEntry.action == "risk.model_promoted")).all()
    assert promoted == [report["version"]]
