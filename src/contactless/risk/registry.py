"""The model registry: every trained model's file, manifest, metrics and training reference
(the distribution of each feature and of the score on its training rows, which the drift report
compares with live decisions) in one folder, and which version is the champion (decides) and
which the challenger (scored beside it, decides nothing), of either algorithm.
``registry.json`` is rewritten whole (write, then rename), so every worker reading it sees one
state; a worker notices a change within the engine's reload interval.

A champion whose file fails its checksum is not loaded: the engine keeps the model it had
(or decides on rules only, and says so in every decision).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import structlog

from contactless.platform import clock
from contactless.risk.algorithms import FraudModel, load_model
from contactless.risk.errors import ModelNotFound, ModelRejected
from contactless.risk.manifest import DEFAULT_ALGORITHM
from contactless.settings import Settings

log = structlog.get_logger(__name__)
INDEX = "registry.json"


def model_folder(settings: Settings) -> Path:
    """Where the registry keeps its files (``CONTACTLESS_RISK_MODEL_DIR``, or HOME/risk/models)."""
    return settings.risk_model_dir or settings.home / "risk" / "models"


class Registry:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._models: dict[str, FraudModel | None] = {"champion": None, "challenger": None}
        self.problem: str | None = None
        self.refresh()

    # -- reading -----------------------------------------------------------------------------

    def index(self) -> dict[str, Any]:
        path = self.folder / INDEX
        if not path.exists():
            return {"champion": None, "challenger": None, "versions": []}
        data: dict[str, Any] = json.loads(path.read_text())
        for item in data.get("versions", []):
            item.setdefault("algorithm", DEFAULT_ALGORITHM)  # listed before there were two
        return data

    def refresh(self) -> None:
        """Load the champion and challenger again if the index changed."""
        path = self.folder / INDEX
        stamp = path.stat().st_mtime_ns if path.exists() else None
        if stamp == self._stamp:
            return
        with self._lock:
            self._stamp = stamp
            index = self.index()
            for role in ("champion", "challenger"):
                self._models[role] = self._load(index, index.get(role), role)

    def _load(self, index: dict[str, Any], version: str | None, role: str) -> FraudModel | None:
        if version is None:
            return None
        try:
            return load_model(self.folder / self.entry(index, version)["file"])
        except (ModelRejected, ModelNotFound, OSError, ValueError) as error:
            self.problem = str(error)
            log.error("risk_model_not_loaded", role=role, version=version, error=str(error))
            return self._models.get(role)  # the previous model stays

    def champion(self) -> FraudModel | None:
        return self._models["champion"]

    def challenger(self) -> FraudModel | None:
        return self._models["challenger"]

    @staticmethod
    def entry(index: dict[str, Any], version: str) -> dict[str, Any]:
        for item in index.get("versions", []):
            if item["version"] == version:
                return dict(item)
        raise ModelNotFound("no model {version} in the registry", version=version)

    def reference(self, version: str) -> dict[str, Any] | None:
        """The training reference of ``version`` (None for a model registered without one)."""
        name = self.entry(self.index(), version).get("reference")
        if not name:
            return None
        reference: dict[str, Any] = json.loads((self.folder / name).read_text())
        return reference

    # -- changing ----------------------------------------------------------------------------

    def register(self, model: FraudModel, *, metrics: dict[str, Any],
                 trained_on: dict[str, Any], reference: dict[str, Any] | None = None,
                 ) -> dict[str, Any]:
        """Save a model (and its training reference) and list it, neither champion nor
        challenger yet."""
        path = model.save(self.folder)
        index = self.index()
        entry = {"version": model.version, "algorithm": model.algorithm, "file": path.name,
                 "metrics": metrics, "trained_on": trained_on, "importance": model.importance(),
                 "registered_at": clock.now().isoformat(timespec="seconds")}
        if reference is not None:
            reference_file = self.folder / f"reference-{model.version}.json"
            reference_file.write_text(json.dumps(reference))
            entry["reference"] = reference_file.name
        index["versions"] = [item for item in index.get("versions", [])
                             if item["version"] != model.version] + [entry]
        self._write(index)
        return entry

    def promote(self, version: str, *, role: str = "champion") -> dict[str, Any]:
        """Make ``version`` the champion (the previous one is kept to roll back to) or the
        challenger."""
        index = self.index()
        self.entry(index, version)
        load_model(self.folder / self.entry(index, version)["file"])  # refuses a bad file
        if role == "champion":
            if index.get("champion") not in (None, version):
                index["previous"] = [*index.get("previous", []), index["champion"]][-10:]
            if index.get("challenger") == version:
                index["challenger"] = None
        index[role] = version
        self._write(index)
        return index

    def rollback(self) -> dict[str, Any]:
        """The champion before this one decides again."""
        index = self.index()
        previous = index.get("previous") or []
        if not previous:
            raise ModelNotFound("no earlier champion to roll back to")
        index["champion"] = previous.pop()
        index["previous"] = previous
        self._write(index)
        return index

    def _write(self, index: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{INDEX}.{os.getpid()}"
        temporary.write_text(json.dumps(index, indent=2))
        temporary.replace(self.folder / INDEX)
        self.refresh()


__all__ = ["Registry", "model_folder"]
