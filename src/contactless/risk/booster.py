"""Gradient-boosted trees (LightGBM) over the online features: the default fraud model.

A model file is LightGBM's text format beside its manifest (``manifest.py``); the registry
loads it through ``algorithms.load_model``, which checks the manifest first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np

from contactless.risk.features import FEATURES
from contactless.risk.manifest import write_manifest

# chosen on the training window of the handbook's first fold, never on a test window:
# small, strongly regularised trees, because a week holds only a few hundred frauds
PARAMETERS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
    "num_threads": 2, "deterministic": True, "force_row_wise": True,
}
ROUNDS = 300


@dataclass
class BoostedTrees:
    """A trained booster and what it was trained on."""

    algorithm: ClassVar[str] = "lightgbm"
    booster: lgb.Booster
    features: tuple[str, ...]
    version: str

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Fraud probability of each row of features."""
        return np.asarray(self.booster.predict(rows, num_threads=1))

    def score_one(self, row: list[float]) -> float:
        return float(self.booster.predict(np.array([row]), num_threads=1)[0])

    def contributions(self, row: list[float]) -> list[float]:
        """Each feature's share of this row's score (SHAP values, in log-odds)."""
        values = self.booster.predict(np.array([row]), num_threads=1, pred_contrib=True)[0]
        return [float(value) for value in values[:-1]]

    def describe(self) -> dict[str, Any]:
        return {"kind": self.algorithm, "version": self.version,
                "trees": self.booster.num_trees(), "features": len(self.features)}

    def importance(self) -> dict[str, float]:
        """Each feature's share of the trees' total gain."""
        gains = self.booster.feature_importance(importance_type="gain")
        total = float(gains.sum()) or 1.0
        return {name: float(gain) / total for name, gain in zip(self.features, gains, strict=True)}

    def save(self, folder: Path) -> Path:
        """Write ``model-<version>.txt`` and its manifest; returns the model file."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"model-{self.version}.txt"
        self.booster.save_model(str(path))
        write_manifest(path, version=self.version, algorithm=self.algorithm,
                       features=self.features)
        return path


def train(features: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> BoostedTrees:
    """Train on labelled rows of :data:`FEATURES`."""
    dataset = lgb.Dataset(features, label=labels, feature_name=list(FEATURES),
                          free_raw_data=True)
    booster = lgb.train({**PARAMETERS, "seed": seed}, dataset, num_boost_round=ROUNDS)
    digest = hashlib.sha256(booster.model_to_string().encode()).hexdigest()[:12]
    return BoostedTrees(booster, FEATURES, digest)


def from_file(path: Path, *, version: str) -> BoostedTrees:
    """A booster from a file whose manifest was checked."""
    return BoostedTrees(lgb.Booster(model_file=str(path)), FEATURES, version)


__all__ = ["BoostedTrees", "from_file", "train"]
