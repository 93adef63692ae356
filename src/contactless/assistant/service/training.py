"""Training runs: the shipped data plus every agent's correction, saved as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.assistant.nlu import store
from contactless.assistant.nlu.evaluate import benchmark, evaluate, read_labelled
from contactless.assistant.nlu.model import train
from contactless.assistant.service.core import decrypt
from contactless.platform.kernel import kernel_of


@dataclass(frozen=True)
class TrainingRun:
    version: str
    meta: dict[str, Any]


def training_data(session: Session) -> tuple[list[str], list[str], list[int]]:
    """The shipped rows, then the corrections (each its own group)."""
    rows = store.shipped_rows()
    texts = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    groups = [r[2] for r in rows]
    next_group = max(groups, default=0) + 1
    for example in repository.training_examples(session):
        texts.append(decrypt(session, example.text_encrypted))
        labels.append(example.intent)
        groups.append(next_group)
        next_group += 1
    return texts, labels, groups


def train_model(session: Session, *, home: Path | None = None) -> TrainingRun:
    """Train on the shipped data and the agents' corrections; the new version becomes current."""
    root = store.root_of(home or kernel_of(session).settings.home)
    texts, labels, groups = training_data(session)
    corrections = len(texts) - len(store.shipped_rows())
    model = train(texts, labels, groups=groups,
                  meta={"corrections": corrections, "source": "package data + corrections"})
    name = store.save(root, model)
    return TrainingRun(name, model.meta)


def model_versions(home: Path) -> list[store.ModelVersion]:
    return store.versions(store.root_of(home))


def rollback_model(home: Path, *, to: str | None = None) -> str:
    """Make an earlier version current (default: the one before the current one)."""
    return store.rollback(store.root_of(home), to)


def evaluate_installed(home: Path, data: Path, *, threshold: float) -> dict[str, Any]:
    """The model in use (installed version, or the shipped one) on a labelled CSV."""
    model = store.ModelCache(home).model()
    texts, labels = read_labelled(data)
    unknown = sorted(set(labels) - {row["intent"] for row in store.taxonomy()})
    result = evaluate(model, texts, labels, threshold=threshold, latency=True)
    result["model_version"] = model.meta.get("version")
    if unknown:
        result["labels_outside_taxonomy"] = unknown
    return result


def benchmark_files(train_paths: list[Path], test_path: Path, *,
                    threshold: float) -> dict[str, Any]:
    return benchmark(train_paths, test_path, threshold=threshold)
