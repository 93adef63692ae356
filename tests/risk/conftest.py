"""The labelled history the registry and model tests train on (the evaluation tests keep
their own, larger one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.risk.simulate import simulate, write_parquet


@pytest.fixture(scope="module")
def history_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    return write_parquet(simulate(customers=200, terminals=200, days=40, seed=5), folder)
