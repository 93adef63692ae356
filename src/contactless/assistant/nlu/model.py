"""The intent classifier: character and word n-grams, a linear model, calibrated probabilities.

Character n-grams (1-4, inside word boundaries) read Chinese without a word segmenter and
survive typos in English; word uni- and bigrams add the English phrases. A linear
support-vector machine learns on them; its scores become probabilities through one
temperature fitted on held-back folds, so calibration costs one multiplication at prediction
time. Folds keep the variants of one written phrasing together (``groups``): a fold that saw
a sentence's twin would make the model look surer than it is. The confidence is the top
probability: the handoff threshold compares with it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import hstack, spmatrix
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from contactless.assistant.nlu.text import normalise


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # the three likeliest intents with their probabilities, likeliest first
    ranking: list[tuple[str, float]] = field(default_factory=list)


def _features() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True,
                                  min_df=1, dtype=np.float32)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - not a secret
                                  dtype=np.float32)),
    ])


class ScaledSvm:
    """A linear SVM with a softmax over its scores, sharpened or softened by ``temperature``."""

    def __init__(self, svm: LinearSVC, temperature: float) -> None:
        self.svm = svm
        self.temperature = temperature
        self.classes_ = svm.classes_

    def predict_proba(self, matrix: spmatrix) -> np.ndarray[Any, np.dtype[np.float64]]:
        scores = np.asarray(self.svm.decision_function(matrix), dtype=np.float64)
        if scores.ndim == 1:  # two intents: one score for the second
            scores = np.column_stack([-scores, scores])
        return np.asarray(softmax(scores * self.temperature, axis=1))


def _temperature(scores: np.ndarray[Any, np.dtype[np.float64]],
                 truth: np.ndarray[Any, np.dtype[np.int64]]) -> float:
    """The factor that makes the softmax of held-back scores most likely (least log loss)."""
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    rows = np.arange(len(truth))

    def loss(value: float) -> float:
        return float(-log_softmax(scores * value, axis=1)[rows, truth].mean())

    result = minimize_scalar(loss, bounds=(0.1, 100.0), method="bounded")
    return float(result.x)


def _scaled_svm(matrix: spmatrix, target: np.ndarray[Any, Any], folds: int,
                groups: Sequence[int] | None) -> ScaledSvm:
    svm = LinearSVC(C=0.5)
    splitter = (StratifiedGroupKFold(folds, shuffle=True, random_state=15) if groups is not None
                else StratifiedKFold(folds, shuffle=True, random_state=15))
    held_back = cross_val_predict(LinearSVC(C=0.5), matrix, target, method="decision_function",
                                  cv=splitter, groups=groups)
    svm.fit(matrix, target)
    index = {label: position for position, label in enumerate(svm.classes_)}
    truth = np.asarray([index[label] for label in target], dtype=np.int64)
    return ScaledSvm(svm, _temperature(np.asarray(held_back, dtype=np.float64), truth))


class IntentModel:
    """A trained classifier with what it was trained on (``meta``)."""

    def __init__(self, features: FeatureUnion, models: list[Any], labels: list[str],
                 meta: dict[str, Any]) -> None:
        self.features = features
        self.models = models
        self.labels = labels
        self.meta = meta

    def probabilities(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        clean = [normalise(text) for text in texts]
        # each vectorizer directly: the union's parallel machinery costs more than the work
        # for the one message of a request
        matrix: spmatrix = hstack([vectorizer.transform(clean)
                                   for _name, vectorizer in self.features.transformer_list],
                                  format="csr")
        total = sum(model.predict_proba(matrix) for model in self.models)
        return np.asarray(total / len(self.models), dtype=np.float64)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        results = []
        for row in self.probabilities(texts):
            order = np.argsort(row)[::-1][:3]
            ranking = [(self.labels[i], float(row[i])) for i in order]
            results.append(Prediction(ranking[0][0], ranking[0][1], ranking))
        return results

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]


def _groups_per_label(labels: Sequence[str], groups: Sequence[int]) -> dict[str, int]:
    seen: dict[str, set[int]] = {}
    for label, group in zip(labels, groups, strict=True):
        seen.setdefault(label, set()).add(group)
    return {label: len(members) for label, members in seen.items()}


def train(texts: Sequence[str], labels: Sequence[str], *, groups: Sequence[int] | None = None,
          meta: dict[str, Any] | None = None) -> IntentModel:
    """Fit the features and the model. Calibration folds shrink for intents with few
    examples; with an intent of a single example, a logistic regression learns instead."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("training needs texts and as many labels")
    started = time.perf_counter()
    features = _features()
    matrix = features.fit_transform([normalise(text) for text in texts])
    target = np.asarray(labels)
    counts = Counter(labels)
    smallest = min(counts.values())
    if groups is not None:
        smallest = min(smallest, *_groups_per_label(labels, groups).values())
    models: list[Any] = []
    if smallest >= 2:
        models.append(_scaled_svm(matrix, target, min(3, smallest), groups))
    else:
        models.append(LogisticRegression(C=20.0, max_iter=2000).fit(matrix, target))
    classes = [str(label) for label in models[0].classes_]
    info = dict(meta or {})
    info.update({"examples": len(texts), "intents": len(classes),
                 "train_seconds": round(time.perf_counter() - started, 2)})
    return IntentModel(features, models, classes, info)
