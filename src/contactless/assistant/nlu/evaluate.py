"""Figures for a model on labelled messages: what ``assistant eval`` and ``benchmark`` print.

At the handoff threshold a message is *answered* when the model's confidence reaches it; the
rest go to a person. Test labels the model never learnt (an out-of-scope set's ``oos``) count
as handled when they are handed off or classified ``out_of_scope``."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from contactless.assistant.nlu.model import IntentModel, Prediction, train

REFUSING_INTENTS = {"out_of_scope"}
# other thresholds the same predictions are shown at, to choose one on a validation set
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Rows of a CSV with a ``text`` column and a ``label`` (or ``category``) column."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        column = "label" if "label" in fields else "category" if "category" in fields else None
        if "text" not in fields or column is None:
            raise ValueError(f"{path}: the header must be text,label or text,category")
        texts, labels = [], []
        for row in reader:
            text = (row["text"] or "").strip()
            if text:
                texts.append(text)
                labels.append((row[column] or "").strip())
    if not texts:
        raise ValueError(f"{path}: no labelled rows")
    return texts, labels


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[index]


def _refused(unknown: list[Prediction], threshold: float) -> float:
    handled = sum(p.confidence < threshold or p.intent in REFUSING_INTENTS for p in unknown)
    return round(handled / len(unknown), 4)


def _at(pairs: list[tuple[str, Prediction]], unknown: list[Prediction], threshold: float,
        ) -> dict[str, float | None]:
    answered = [(label, p) for label, p in pairs if p.confidence >= threshold]
    return {"threshold": threshold,
            "answered_share": round(len(answered) / len(pairs), 4) if pairs else None,
            "answered_accuracy": round(sum(label == p.intent for label, p in answered) /
                                       len(answered), 4) if answered else None,
            "unknown_handed_off_or_refused": _refused(unknown, threshold) if unknown else None}


def evaluate(model: IntentModel, texts: list[str], labels: list[str], *,
             threshold: float, latency: bool = False) -> dict[str, Any]:
    """Accuracy and macro-F1 over the known labels, coverage and accuracy at ``threshold``,
    per-intent errors; with ``latency``, each message is classified alone and timed."""
    timings: list[float] = []
    if latency:
        predictions = []
        for text in texts:
            started = time.perf_counter()
            predictions.append(model.predict(text))
            timings.append((time.perf_counter() - started) * 1000)
    else:
        predictions = model.predict_many(texts)
    known = set(model.labels)
    pairs = [(label, p) for label, p in zip(labels, predictions, strict=True) if label in known]
    unknown = [p for label, p in zip(labels, predictions, strict=True) if label not in known]
    truth = [label for label, _p in pairs]
    guessed = [p.intent for _label, p in pairs]
    answered = [(label, p) for label, p in pairs if p.confidence >= threshold]
    errors: dict[str, dict[str, Any]] = {}
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for label, p in pairs:
        if p.intent != label:
            confusion[label][p.intent] += 1
    support = Counter(truth)
    for label in sorted(confusion, key=lambda key: -sum(confusion[key].values())):
        errors[label] = {"support": support[label], "errors": sum(confusion[label].values()),
                         "confused_with": dict(confusion[label].most_common(5))}
    result: dict[str, Any] = {
        "messages": len(texts),
        "in_scope": len(pairs),
        "threshold": threshold,
        "accuracy": round(sum(t == g for t, g in zip(truth, guessed, strict=True)) / len(pairs), 4)
        if pairs else None,
        "macro_f1": round(float(f1_score(truth, guessed, average="macro", labels=sorted(support),
                                         zero_division=0)), 4) if pairs else None,
        "answered_share": round(len(answered) / len(pairs), 4) if pairs else None,
        "answered_accuracy": round(sum(label == p.intent for label, p in answered) /
                                   len(answered), 4) if answered else None,
        "per_intent_errors": errors,
    }
    if unknown:
        result["unknown_labels"] = len(unknown)
        result["unknown_handed_off_or_refused"] = _refused(unknown, threshold)
    result["by_threshold"] = [_at(pairs, unknown, value) for value in SWEEP]
    if timings:
        result["latency_ms"] = {"p50": round(_percentile(timings, 0.50), 3),
                                "p99": round(_percentile(timings, 0.99), 3)}
    return result


def benchmark(train_paths: list[Path], test_path: Path, *, threshold: float) -> dict[str, Any]:
    """Train a fresh model with the production pipeline on ``train_paths`` and measure it on
    ``test_path``: the figures of ``evaluate`` plus training time and per-message latency."""
    texts: list[str] = []
    labels: list[str] = []
    for path in train_paths:
        more_texts, more_labels = read_labelled(path)
        texts += more_texts
        labels += more_labels
    test_texts, test_labels = read_labelled(test_path)
    started = time.perf_counter()
    model = train(texts, labels, meta={"source": [str(p) for p in train_paths]})
    seconds = time.perf_counter() - started
    result = evaluate(model, test_texts, test_labels, threshold=threshold, latency=True)
    result.update({"train_examples": len(texts), "train_seconds": round(seconds, 2),
                   "intents": len(model.labels)})
    return result
