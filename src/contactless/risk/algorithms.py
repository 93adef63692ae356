"""The fraud models the engine serves, behind one protocol: gradient-boosted trees
(``booster.py``, the default) and logistic regression (``logistic.py``).

The engine, the registry and the evaluation ask a model for a score, its features'
contributions and its importance, never which algorithm it is: a model file's manifest names
the algorithm, and :func:`load_model` reads the file with it once the checksum matched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from contactless.risk import booster, logistic
from contactless.risk.errors import ModelRejected
from contactless.risk.manifest import ALGORITHMS, verified_manifest
from contactless.risk.manifest import DEFAULT_ALGORITHM as DEFAULT


class FraudModel(Protocol):
    """What the engine needs of a trained model."""

    @property
    def algorithm(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]: ...

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Fraud probability (0-1) of each row of features."""

    def score_one(self, row: list[float]) -> float: ...

    def contributions(self, row: list[float]) -> list[float]:
        """Each feature's push on this row's score, in log-odds (positive: towards fraud)."""

    def describe(self) -> dict[str, Any]: ...

    def importance(self) -> dict[str, float]:
        """Each feature's share of the model (the shares sum to 1)."""

    def save(self, folder: Path) -> Path:
        """Write the model file and its manifest in ``folder``; returns the model file."""


def train_model(features: np.ndarray, labels: np.ndarray, *, algorithm: str = DEFAULT,
                seed: int = 0) -> FraudModel:
    """Train a model of ``algorithm`` on labelled rows of the online features."""
    if algorithm == "lightgbm":
        return booster.train(features, labels, seed=seed)
    if algorithm == "logistic":
        return logistic.train(features, labels, seed=seed)
    raise ValueError(f"no algorithm {algorithm!r}: one of {', '.join(ALGORITHMS)}")


def load_model(path: Path) -> FraudModel:
    """Load a model file after checking its manifest; refuses a file that does not match."""
    manifest = verified_manifest(path)
    version = str(manifest["version"])
    if manifest["algorithm"] == "lightgbm":
        return booster.from_file(path, version=version)
    if manifest["algorithm"] == "logistic":
        return logistic.from_file(path, version=version)
    raise ModelRejected("{path} was made by an algorithm this version does not serve",
                        path=path)


__all__ = ["ALGORITHMS", "DEFAULT", "FraudModel", "load_model", "train_model"]
