"""Models trained on the simulator's history, and stored decisions made of its rows, for the
tests of the model registry, the drift report and the model page."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from contactless.platform.kernel import Kernel
from contactless.risk import drift
from contactless.risk.algorithms import FraudModel, train_model
from contactless.risk.evaluation import History, read_transactions, replay_history
from contactless.risk.features import FEATURES
from contactless.risk.recorder import write
from contactless.risk.registry import Registry
from tests.risk.simulate import simulate, write_parquet


def simulated_history(folder: Path, *, days: int = 30, seed: int = 3) -> History:
    write_parquet(simulate(customers=200, terminals=300, days=days, seed=seed), folder)
    return replay_history(read_transactions(folder), label_delay_days=7)


def halves(history: History, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two random halves of the rows: one to train on, one drawn from the same population."""
    order = np.random.default_rng(seed).permutation(len(history.fraud))
    return np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])


def register_trained(registry: Registry, history: History, rows: np.ndarray, *,
                     algorithm: str = "logistic", metrics: dict[str, float] | None = None,
                     ) -> FraudModel:
    """Train on ``rows`` and register the model with its training reference."""
    model = train_model(history.features[rows], history.fraud[rows], algorithm=algorithm)
    reference = drift.reference(history.features[rows], FEATURES,
                                model.score(history.features[rows]))
    registry.register(model, metrics=metrics or {"auc_roc": 0.9, "average_precision": 0.7,
                                                 "card_precision_at_100": 0.3},
                      trained_on={"transactions": len(rows)}, reference=reference)
    return model


def store_decisions(kernel: Kernel, model: FraudModel, features: np.ndarray, *,
                    at: datetime, outcome: str = "approve", label: str | None = None) -> int:
    """Write one stored decision per row of ``features``, as the engine would have made it
    with ``model`` (its score in ``model_score``), a second apart from ``at``."""
    scores = model.score(features)
    rows: list[dict[str, Any]] = []
    for position, (values, score) in enumerate(zip(features, scores, strict=True)):
        facts = dict(zip(FEATURES, (float(value) for value in values), strict=True))
        rows.append({
            "id": uuid.uuid4(), "at": at + timedelta(seconds=position), "kind": "transfer",
            "channel": "api", "customer_id": None, "payee": "shop:1", "device": None,
            "amount": f"{facts['amount']:.2f}", "currency": "CNY", "outcome": outcome,
            "score": float(score), "mode": "model_and_rules", "model_version": model.version,
            "rules": [], "shadow_rules": [], "reasons": [], "contributions": [],
            "features": {**facts, "kind": "transfer", "model_score": float(score),
                         "challenger": None},
            "inputs": {}, "actor_kind": "system", "actor_id": "system", "label": label,
            "labelled_at": None})
    write(kernel, rows)
    return len(rows)


def shifted(features: np.ndarray, name: str, factor: float) -> np.ndarray:
    """The rows with one feature multiplied by ``factor``."""
    moved = features.copy()
    moved[:, FEATURES.index(name)] *= factor
    return moved
