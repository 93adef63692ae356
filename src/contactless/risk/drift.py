"""Population stability (PSI) of the features and the score: how far live decisions have moved
from the rows a model was trained on.

At training, each feature's and the score's distribution on the training rows is kept as a
histogram over that distribution's own deciles (``reference``): equal-mass bins, so a feature
that is mostly 0 gets one wide bin for the zeros and fine bins for the rest. A day's values are
counted into the same bins (``counts``, chunk by chunk, so a day of any size is read in constant
memory) and compared with :func:`psi`:
``sum((live - reference) * ln(live / reference))`` over the bins. Customary reading: below 0.1
stable, 0.1-0.2 moving, above 0.2 shifted. ``weekend`` is not compared: a day is all weekend or
none, so against a week its PSI would only say which day it was (about 2.4 every day).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

BINS = 10
SHIFTED = 0.2  # a PSI above this is flagged
# an empty bin would make the logarithm infinite: it counts as this share instead
FLOOR = 1e-4
FIXED_BY_THE_DAY = frozenset({"weekend"})


def histogram(values: np.ndarray, *, bins: int = BINS) -> dict[str, list[float]]:
    """Cut points at the deciles of ``values`` (repeated ones merged) and each bin's share.

    Bin ``i`` holds ``edges[i-1] < x <= edges[i]``; the first is everything up to the first
    edge, the last everything above the last."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"edges": [], "fractions": [1.0]}
    inner = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])
    edges = np.unique(inner)
    counts = bin_counts(finite, edges.tolist())
    return {"edges": edges.tolist(), "fractions": (counts / counts.sum()).tolist()}


def bin_counts(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """How many finite ``values`` fall in each bin of ``edges`` (see :func:`histogram`)."""
    finite = values[np.isfinite(values)]
    positions = np.searchsorted(np.asarray(edges, dtype=np.float64), finite, side="left")
    return np.bincount(positions, minlength=len(edges) + 1).astype(np.float64)


def psi(reference: list[float], counts: np.ndarray) -> float | None:
    """The population stability index of observed ``counts`` against reference shares
    (None when nothing was observed)."""
    total = float(counts.sum())
    if not total:
        return None
    expected = np.maximum(np.asarray(reference, dtype=np.float64), FLOOR)
    observed = np.maximum(counts / total, FLOOR)
    return float(np.sum((observed - expected) * np.log(observed / expected)))


def reference(features: np.ndarray, names: Iterable[str], scores: np.ndarray,
              ) -> dict[str, Any]:
    """The histograms a model is registered with: one per feature (columns of ``features``
    in the order of ``names``) and one of the model's scores on the same rows."""
    return {"rows": int(len(features)), "bins": BINS,
            "features": {name: histogram(features[:, column])
                         for column, name in enumerate(names)},
            "score": histogram(np.asarray(scores, dtype=np.float64))}


class Tally:
    """A day's values counted into a reference's bins, chunk by chunk."""

    def __init__(self, model_reference: dict[str, Any]) -> None:
        self.reference = model_reference
        self.names = [name for name in model_reference["features"]
                      if name not in FIXED_BY_THE_DAY]
        self.rows = 0
        self.features = {name: np.zeros(len(self.reference["features"][name]["edges"]) + 1)
                         for name in self.names}
        self.score = np.zeros(len(self.reference["score"]["edges"]) + 1)

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Count decisions' stored features (a missing or non-numeric value is skipped) and
        their model score (``model_score``)."""
        if not rows:
            return
        self.rows += len(rows)
        for name in self.names:
            edges = self.reference["features"][name]["edges"]
            self.features[name] += bin_counts(_column(rows, name), edges)
        self.score += bin_counts(_column(rows, "model_score"), self.reference["score"]["edges"])

    def report(self) -> dict[str, Any]:
        """PSI of every feature and of the score, and which features are over :data:`SHIFTED`."""
        features = {name: psi(self.reference["features"][name]["fractions"], counts)
                    for name, counts in self.features.items()}
        score = psi(self.reference["score"]["fractions"], self.score)
        return {"features": {name: _rounded(value) for name, value in features.items()},
                "score": _rounded(score), "not_compared": sorted(FIXED_BY_THE_DAY),
                "shifted": sorted(name for name, value in features.items()
                                  if value is not None and value > SHIFTED)}


def _column(rows: list[dict[str, Any]], name: str) -> np.ndarray:
    values = [row.get(name) for row in rows]
    return np.array([value if isinstance(value, int | float) else np.nan for value in values],
                    dtype=np.float64)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


__all__ = ["BINS", "FIXED_BY_THE_DAY", "SHIFTED", "Tally", "bin_counts", "histogram",
           "psi", "reference"]
