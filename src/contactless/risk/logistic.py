"""Logistic regression over the online features, beside the boosted trees: a model whose score
can be read off its coefficients (one weight per standardised feature).

Each feature is standardised on the training rows (mean 0, variance 1) and the two classes are
weighted equally while fitting, since a week holds few frauds. Weighting moves the fitted
log-odds up by log(w_fraud / w_genuine); the intercept is moved back by as much, so the output
is again a probability at the bank's own fraud rate and the engine's thresholds (step up 0.5,
review 0.7, block 0.9) mean for this model what they mean for the trees.

The file is JSON (means, scales, coefficients, intercept) beside its manifest: a model file is
data to be checked, never code to be unpickled. Scoring needs numpy only; scikit-learn is
imported when a model is trained.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from contactless.risk.errors import InvalidTransactions, ModelRejected
from contactless.risk.features import FEATURES
from contactless.risk.manifest import write_manifest

# fixed before any test window was scored, like the trees' parameters
REGULARISATION = 1.0  # scikit-learn's C: inverse strength of the L2 penalty
MAX_ITERATIONS = 2_000


@dataclass(frozen=True)
class LogisticModel:
    """Standardisation and coefficients learnt on labelled rows of :data:`FEATURES`."""

    algorithm: ClassVar[str] = "logistic"
    features: tuple[str, ...]
    version: str
    means: np.ndarray
    scales: np.ndarray
    coefficients: np.ndarray
    intercept: float

    def _standardised(self, rows: np.ndarray) -> np.ndarray:
        standardised: np.ndarray = (np.asarray(rows, dtype=np.float64) - self.means) / self.scales
        return standardised

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Fraud probability of each row of features."""
        return _sigmoid(self._standardised(rows) @ self.coefficients + self.intercept)

    def score_one(self, row: list[float]) -> float:
        logit = float(self._standardised(np.array(row)) @ self.coefficients) + self.intercept
        return float(_sigmoid(np.array([logit]))[0])

    def contributions(self, row: list[float]) -> list[float]:
        """Each feature's share of this row's log-odds: coefficient × standardised value."""
        return [float(value) for value in self.coefficients * self._standardised(np.array(row))]

    def describe(self) -> dict[str, Any]:
        return {"kind": self.algorithm, "version": self.version, "features": len(self.features),
                "class_weight": "balanced", "regularisation": REGULARISATION}

    def importance(self) -> dict[str, float]:
        """Each feature's share of the coefficients' total size (|coefficient| on the
        standardised scale, so features measured in yuan and in counts compare)."""
        sizes = np.abs(self.coefficients)
        total = float(sizes.sum()) or 1.0
        return {name: float(size) / total
                for name, size in zip(self.features, sizes, strict=True)}

    def text(self) -> str:
        return json.dumps({"features": list(self.features), "means": self.means.tolist(),
                           "scales": self.scales.tolist(),
                           "coefficients": self.coefficients.tolist(),
                           "intercept": self.intercept}, indent=1)

    def save(self, folder: Path) -> Path:
        """Write ``model-<version>.logistic`` (JSON) and its manifest; returns the file."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"model-{self.version}.logistic"
        path.write_text(self.text())
        write_manifest(path, version=self.version, algorithm=self.algorithm,
                       features=self.features)
        return path


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    # exp of minus the size only underflows to 0, it never overflows
    small = np.exp(-np.abs(logits))
    return np.asarray(np.where(logits >= 0, 1.0 / (1.0 + small), small / (1.0 + small)))


def train(features: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> LogisticModel:
    """Standardise, fit with balanced class weights, then correct the intercept back to the
    training rows' fraud rate."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(features)
    fitted = LogisticRegression(C=REGULARISATION, class_weight="balanced",
                                max_iter=MAX_ITERATIONS, random_state=seed)
    fitted.fit(scaler.transform(features), labels)
    frauds = float(np.sum(labels == 1))
    genuine = float(len(labels)) - frauds
    if not frauds or not genuine:
        raise InvalidTransactions("the training rows have only one label")
    # balanced weights are n / (2 n_class): their ratio is genuine / frauds
    intercept = float(fitted.intercept_[0]) - math.log(genuine / frauds)
    unversioned = LogisticModel(FEATURES, "", np.asarray(scaler.mean_, dtype=np.float64),
                                np.asarray(scaler.scale_, dtype=np.float64),
                                np.asarray(fitted.coef_[0], dtype=np.float64), intercept)
    digest = hashlib.sha256(unversioned.text().encode()).hexdigest()[:12]
    return LogisticModel(FEATURES, digest, unversioned.means, unversioned.scales,
                         unversioned.coefficients, intercept)


def from_file(path: Path, *, version: str) -> LogisticModel:
    """A model from a file whose manifest was checked."""
    try:
        data = json.loads(path.read_text())
        arrays = [np.asarray(data[key], dtype=np.float64)
                  for key in ("means", "scales", "coefficients")]
        intercept = float(data["intercept"])
    except (ValueError, KeyError, TypeError) as error:
        raise ModelRejected("{path} is not a logistic regression model", path=path) from error
    if any(array.shape != (len(FEATURES),) for array in arrays) or not np.all(arrays[1] > 0):
        raise ModelRejected("{path} is not a logistic regression model", path=path)
    return LogisticModel(FEATURES, version, arrays[0], arrays[1], arrays[2], intercept)


__all__ = ["LogisticModel", "from_file", "train"]
