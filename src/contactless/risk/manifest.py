"""A model file's manifest: ``model-<version>.json`` beside it, naming the algorithm that made
it, the features it reads and the file's SHA-256.

The one rule of this module: a file is trusted only when its bytes hash to what the manifest
says and its features are the ones this version computes, so a decision never runs on a model
that is not the one that was measured.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contactless.risk.errors import ModelRejected
from contactless.risk.features import FEATURES

ALGORITHMS = ("lightgbm", "logistic")  # gradient-boosted trees, logistic regression
# the one trained unless asked; manifests written before there was a second name none
DEFAULT_ALGORITHM = "lightgbm"


def manifest_path(model_file: Path) -> Path:
    return model_file.with_suffix(".json")


def write_manifest(model_file: Path, *, version: str, algorithm: str,
                   features: Sequence[str]) -> None:
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    manifest = {"version": version, "algorithm": algorithm, "features": list(features),
                "sha256": digest}
    manifest_path(model_file).write_text(json.dumps(manifest, indent=2))


def verified_manifest(model_file: Path) -> dict[str, Any]:
    """The manifest of a file that matches it; refuses (``risk_model_rejected``) otherwise."""
    path = manifest_path(model_file)
    if not model_file.exists() or not path.exists():
        raise ModelRejected("{path} or its manifest is missing", path=model_file)
    manifest: dict[str, Any] = json.loads(path.read_text())
    if hashlib.sha256(model_file.read_bytes()).hexdigest() != manifest.get("sha256"):
        raise ModelRejected("{path} does not match its checksum", path=model_file)
    if tuple(manifest.get("features", ())) != FEATURES:
        raise ModelRejected("{path} was trained on other features than this version computes",
                            path=model_file)
    manifest.setdefault("algorithm", DEFAULT_ALGORITHM)
    return manifest


__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "manifest_path", "verified_manifest",
           "write_manifest"]
