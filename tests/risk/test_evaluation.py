"""`contactless risk evaluate`: the handbook's protocol on a simulated history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from contactless.cli import app
from contactless.risk.algorithms import load_model, train_model
from contactless.risk.errors import InvalidTransactions, ModelRejected
from contactless.risk.evaluation import (
    Protocol,
    backtest_history,
    card_precision_at_k,
    fold_sets,
    read_transactions,
    replay_history,
)
from contactless.risk.features import FEATURES
from tests.risk.simulate import simulate, write_parquet


@pytest.fixture(scope="module")
def history_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("transactions")
    return write_parquet(simulate(customers=300, terminals=400, days=60, seed=11), folder)


def test_card_precision_counts_each_card_once_a_day_and_drops_cards_found_earlier() -> None:
    days = np.array(["2024-01-01"] * 4 + ["2024-01-02"] * 2, dtype="datetime64[D]")
    cards = np.array([1, 1, 2, 3, 1, 4])
    labels = np.array([0, 1, 0, 0, 1, 1])
    scores = np.array([0.9, 0.1, 0.8, 0.2, 0.99, 0.5])
    # day 1: card 1 (max score 0.9, max label 1) found; day 2: card 1 is dropped, card 4 found
    assert card_precision_at_k(days, cards, labels, scores, k=2) == pytest.approx(
        (1 / 2 + 1 / 2) / 2)


def test_a_test_day_leaves_out_cards_already_known_to_be_compromised(
        history_folder: Path) -> None:
    history = replay_history(read_transactions(history_folder), label_delay_days=7)
    protocol = Protocol(train_start=date(2024, 1, 20), folds=1)
    train, test = fold_sets(history, protocol, 0)
    known = set(history.customer[train][history.fraud[train] == 1].tolist())
    assert known
    assert not known & set(history.customer[test].tolist())
    assert history.day[train].min() == np.datetime64("2024-01-20")
    assert history.day[test].min() >= np.datetime64("2024-02-03")


def test_evaluate_prints_the_handbook_figures_per_fold_and_on_average(
        history_folder: Path) -> None:
    result = CliRunner().invoke(app, [
        "risk", "evaluate", "--transactions", str(history_folder), "--train-start",
        "2024-01-15", "--folds", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["folds"]) == 2
    assert set(report["mean"]) == {"auc_roc", "average_precision", "card_precision_at_100"}
    # the planted patterns are learnable: far better than chance, on unseen days
    assert report["mean"]["auc_roc"] > 0.8
    assert report["decisions_per_s"] > 0
    assert report["p99_ms"] >= report["p50_ms"] > 0


def test_files_without_the_transaction_columns_are_refused_with_what_is_missing(
        tmp_path: Path) -> None:
    pq.write_table(pa.table({"TX_DATETIME": [1], "AMOUNT": [2.0]}), tmp_path / "x.parquet")
    with pytest.raises(InvalidTransactions, match="TX_FRAUD"):
        read_transactions(tmp_path)
    result = CliRunner().invoke(app, ["risk", "evaluate", "--transactions", str(tmp_path),
                                      "--train-start", "2024-01-01"])
    assert result.exit_code == 1
    assert "TX_FRAUD" in result.output


def test_a_training_start_that_is_not_a_date_is_refused(history_folder: Path) -> None:
    result = CliRunner().invoke(app, ["risk", "evaluate", "--transactions", str(history_folder),
                                      "--train-start", "next week"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_a_model_file_that_was_changed_is_not_loaded(history_folder: Path,
                                                     tmp_path: Path) -> None:
    history = replay_history(read_transactions(history_folder), label_delay_days=7)
    model = train_model(history.features[:5_000], history.fraud[:5_000])
    path = model.save(tmp_path)
    loaded = load_model(path)
    assert loaded.version == model.version
    assert np.allclose(loaded.score(history.features[:50]), model.score(history.features[:50]))
    path.write_text(path.read_text().replace("Tree=0", "Tree=0 ", 1))
    with pytest.raises(ModelRejected, match="checksum"):
        load_model(path)


def test_a_transaction_found_in_two_files_is_read_once(history_folder: Path,
                                                       tmp_path: Path) -> None:
    once = read_transactions(history_folder)
    for file in history_folder.glob("*.parquet"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    first = pq.read_table(next(history_folder.glob("*.parquet")))
    pq.write_table(first.append_column("EXTRA_FEATURE", pa.array([1.0] * len(first))),
                   tmp_path / "features-extract.parquet")
    twice = read_transactions(tmp_path)
    assert len(twice) == len(once)
    assert twice.column("TRANSACTION_ID").to_pylist() == once.column("TRANSACTION_ID").to_pylist()


def test_a_condition_is_backtested_over_a_transactions_history(
        history_folder: Path, tmp_path: Path) -> None:
    history = replay_history(read_transactions(history_folder), label_delay_days=7)
    amounts = history.features[:, FEATURES.index("amount")]
    large = amounts >= 150
    report = backtest_history(history_folder, {"field": "amount", "op": ">=", "value": 150})
    assert report["transactions"] == len(amounts)
    assert report["fired"] == int(large.sum())
    assert report["frauds_caught"] == int(history.fraud[large].sum())
    assert report["precision"] == report["frauds_caught"] / report["fired"]
    assert report["recall"] == report["frauds_caught"] / int(history.fraud.sum())

    condition = tmp_path / "rule.json"
    condition.write_text(json.dumps({"all": [
        {"field": "amount", "op": ">=", "value": 150}, {"field": "new_payee", "op": "==",
                                                        "value": 1}]}))
    result = CliRunner().invoke(app, ["risk", "backtest", "--transactions", str(history_folder),
                                      "--condition", f"@{condition}", "--json"])
    assert result.exit_code == 0, result.output
    both = json.loads(result.output)
    assert 0 < both["fired"] < report["fired"]  # new payees only: fewer
    refused = CliRunner().invoke(app, ["risk", "backtest", "--transactions",
                                       str(history_folder), "--condition",
                                       '{"field": "no_such_feature", "op": ">", "value": 1}'])
    assert refused.exit_code == 1
    assert "no_such_feature" in refused.output
