"""Model versions under ``HOME/models/assistant``: each training run is a new folder, the
file ``CURRENT`` names the one in use, and rolling back points it at an earlier one.

With no version installed, the model is trained from the data shipped in the package (once
per process: the data is fixed, so is the model)."""

from __future__ import annotations

import csv
import json
import os
import pickle
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from contactless.assistant.nlu import corpus
from contactless.assistant.nlu.model import IntentModel, train

CURRENT = "CURRENT"
MODEL_FILE = "model.pkl"
META_FILE = "meta.json"


@dataclass(frozen=True)
class ModelVersion:
    name: str
    current: bool
    meta: dict[str, Any]


def root_of(home: Path) -> Path:
    return home / "models" / "assistant"


def data_file(name: str) -> Path:
    return Path(str(resources.files("contactless.assistant") / "data" / name))


def taxonomy() -> list[dict[str, str]]:
    """The intents (key, zh, en, what the customer wants, always_human) in the shipped order."""
    with data_file("intents.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def shipped_rows() -> list[tuple[str, str, int]]:
    keys = {row["intent"] for row in taxonomy()}
    rows = corpus.expand()
    unknown = {intent for _text, intent, _group in rows} - keys
    if unknown:
        raise ValueError(f"training data names intents outside the taxonomy: {sorted(unknown)}")
    return rows


@cache
def shipped_model() -> IntentModel:
    rows = shipped_rows()
    return train([r[0] for r in rows], [r[1] for r in rows], groups=[r[2] for r in rows],
                 meta={"version": "shipped", "source": "package data"})


def versions(root: Path) -> list[ModelVersion]:
    current = current_name(root)
    found = []
    for path in sorted(root.glob("v*")):
        if (path / MODEL_FILE).exists():
            meta = json.loads((path / META_FILE).read_text()) if (path / META_FILE).exists() \
                else {}
            found.append(ModelVersion(path.name, path.name == current, meta))
    return found


def current_name(root: Path) -> str | None:
    path = root / CURRENT
    return path.read_text().strip() or None if path.exists() else None


def save(root: Path, model: IntentModel) -> str:
    """Write a new version and make it current; returns its name (v0001, v0002, ...)."""
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[1:]) for p in root.glob("v*") if p.name[1:].isdigit()]
    name = f"v{max(numbers, default=0) + 1:04d}"
    folder = root / name
    folder.mkdir()
    model.meta["version"] = name
    with (folder / MODEL_FILE).open("wb") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    (folder / META_FILE).write_text(json.dumps(model.meta, ensure_ascii=False, indent=2))
    activate(root, name)
    return name


def activate(root: Path, name: str) -> None:
    if not (root / name / MODEL_FILE).exists():
        raise FileNotFoundError(f"no model version {name}")
    temporary = root / f".{CURRENT}.tmp"
    temporary.write_text(name)
    os.replace(temporary, root / CURRENT)  # atomic: a reader sees the old name or the new


def rollback(root: Path, to: str | None = None) -> str:
    """Make ``to`` (default: the version before the current one) current."""
    names = [version.name for version in versions(root)]
    current = current_name(root)
    if to is None:
        earlier = [name for name in names if current is None or name < current]
        if not earlier:
            raise FileNotFoundError("there is no earlier model version to roll back to")
        to = earlier[-1]
    activate(root, to)
    return to


def load(root: Path, name: str) -> IntentModel:
    with (root / name / MODEL_FILE).open("rb") as handle:
        # our own file, written by `contactless assistant train` into the bank's HOME
        model: IntentModel = pickle.load(handle)  # noqa: S301
    return model


class ModelCache:
    """The model in use for one HOME: reloaded when ``CURRENT`` changes (a new training run or
    a rollback in another process), the shipped model while none is installed."""

    def __init__(self, home: Path) -> None:
        self.root = root_of(home)
        self._name: str | None = None
        self._model: IntentModel | None = None

    def model(self) -> IntentModel:
        name = current_name(self.root)
        if name is None:
            return shipped_model()
        if name != self._name or self._model is None:
            self._model = load(self.root, name)
            self._name = name
        return self._model
