"""The fraud model: gradient-boosted trees (LightGBM) over the online features.

A model file is LightGBM's text format beside a JSON manifest that names the features it was
trained on and the file's SHA-256; a file whose checksum or features do not match is refused,
so a decision never runs on a model that is not the one that was measured.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from contactless.risk.errors import ModelRejected
from contactless.risk.features import FEATURES

# chosen on the training window of the handbook's first fold, never on a test window:
# small, strongly regularised trees, because a week holds only a few hundred frauds
PARAMETERS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
    "num_threads": 2, "deterministic": True, "force_row_wise": True,
}
ROUNDS = 300


@dataclass
class FraudModel:
    """A trained booster and what it was trained on."""

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
        return {"kind": "lightgbm", "version": self.version, "trees": self.booster.num_trees(),
                "features": len(self.features)}

    def importance(self) -> dict[str, float]:
        gains = self.booster.feature_importance(importance_type="gain")
        total = float(gains.sum()) or 1.0
        return {name: float(gain) / total for name, gain in zip(self.features, gains, strict=True)}

    def save(self, folder: Path) -> Path:
        """Write ``model-<version>.txt`` and its manifest; returns the model file."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"model-{self.version}.txt"
        self.booster.save_model(str(path))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest = {"version": self.version, "features": list(self.features), "sha256": digest}
        path.with_suffix(".json").write_text(json.dumps(manifest, indent=2))
        return path


def train_model(features: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> FraudModel:
    """Train on labelled rows of :data:`FEATURES`."""
    dataset = lgb.Dataset(features, label=labels, feature_name=list(FEATURES),
                          free_raw_data=True)
    booster = lgb.train({**PARAMETERS, "seed": seed}, dataset, num_boost_round=ROUNDS)
    digest = hashlib.sha256(booster.model_to_string().encode()).hexdigest()[:12]
    return FraudModel(booster, FEATURES, digest)


def load_model(path: Path) -> FraudModel:
    """Load a model file after checking its manifest; refuses a file that does not match."""
    manifest_path = path.with_suffix(".json")
    if not path.exists() or not manifest_path.exists():
        raise ModelRejected("{path} or its manifest is missing", path=path)
    manifest = json.loads(manifest_path.read_text())
    if hashlib.sha256(path.read_bytes()).hexdigest() != manifest.get("sha256"):
        raise ModelRejected("{path} does not match its checksum", path=path)
    if tuple(manifest.get("features", ())) != FEATURES:
        raise ModelRejected("{path} was trained on other features than this version computes",
                            path=path)
    return FraudModel(lgb.Booster(model_file=str(path)), FEATURES, str(manifest["version"]))


__all__ = ["FraudModel", "load_model", "train_model"]
