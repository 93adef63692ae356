"""Evaluate the risk model on labelled card transactions, by the fraud-detection handbook's
protocol (Le Borgne et al., chapter 5): folds of ``train_days`` of training, ``delay_days`` in
which labels are not yet known, ``test_days`` of test; cards already known to be compromised
(by the test day minus the delay) are dropped from each test day.

Transactions are replayed in time order through the same :class:`FeatureEngine` that serves live
decisions, so what is measured here is what the bank would run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, roc_auc_score

from contactless.risk import drift
from contactless.risk.algorithms import DEFAULT, FraudModel, train_model
from contactless.risk.errors import InvalidTransactions
from contactless.risk.features import FEATURES, FeatureEngine, Transaction
from contactless.risk.rules import compile_condition

REQUIRED = ("TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD")
TOP_CARDS = 100


@dataclass(frozen=True)
class History:
    """Labelled transactions in time order, with their replayed features."""

    transaction_id: np.ndarray
    day: np.ndarray  # calendar day of each transaction, as numpy datetime64[D]
    customer: np.ndarray
    fraud: np.ndarray
    features: np.ndarray
    transactions: list[Transaction]


def read_transactions(folder: Path) -> pa.Table:
    """Every Parquet file of ``folder`` (other columns ignored), each transaction id once,
    sorted by time then id."""
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else [folder]
    if not files:
        raise InvalidTransactions("no Parquet files in {folder}", folder=folder)
    tables = []
    for file in files:
        names = pq.read_schema(file).names
        if not set(REQUIRED) <= set(names):
            continue  # e.g. a features file beside the transactions
        tables.append(pq.read_table(file, columns=list(REQUIRED)))
    if not tables:
        missing = ", ".join(REQUIRED)
        raise InvalidTransactions("no file in {folder} has the columns {missing}",
                                  folder=folder, missing=missing)
    table = pa.concat_tables(tables)
    # a transaction found in two files (say, a features extract beside the raw files) is one
    table = table.append_column("_row", pa.array(range(len(table)), type=pa.int64()))
    first = table.group_by("TRANSACTION_ID").aggregate([("_row", "min")]).column("_row_min")
    table = table.take(first).drop_columns(["_row"])
    order = pc.sort_indices(table, sort_keys=[("TX_DATETIME", "ascending"),
                                              ("TRANSACTION_ID", "ascending")])
    return table.take(order)


def replay_history(table: pa.Table, *, label_delay_days: int) -> History:
    """Features of every transaction, computed one by one as they happened."""
    moments = table.column("TX_DATETIME").to_pylist()
    ids = table.column("TRANSACTION_ID").to_pylist()
    customers = table.column("CUSTOMER_ID").to_pylist()
    terminals = table.column("TERMINAL_ID").to_pylist()
    amounts = table.column("TX_AMOUNT").to_pylist()
    labels = table.column("TX_FRAUD").to_pylist()
    engine = FeatureEngine(label_delay_days=label_delay_days)
    transactions: list[Transaction] = []
    rows: list[list[float]] = []
    for position, moment in enumerate(moments):
        if not isinstance(moment, datetime):
            raise InvalidTransactions("TX_DATETIME must be a timestamp column")
        tx = Transaction(
            transaction_id=int(ids[position]), time=_seconds(moment),
            customer=customers[position], terminal=terminals[position],
            amount=float(amounts[position]), weekday=moment.weekday(), hour=moment.hour,
            fraud=bool(labels[position]),
        )
        transactions.append(tx)
        rows.append(engine.observe(tx))
    days = np.array([moment.date() for moment in moments], dtype="datetime64[D]")
    return History(np.array(ids), days, np.array(customers), np.array(labels, dtype=np.int8),
                   np.array(rows, dtype=np.float64), transactions)


def _seconds(moment: datetime) -> float:
    # naive timestamps are the bank's wall clock; only differences and hours matter here
    return (moment - datetime(1970, 1, 1, tzinfo=moment.tzinfo)).total_seconds()


@dataclass(frozen=True)
class Protocol:
    train_start: date
    folds: int = 4
    train_days: int = 7
    delay_days: int = 7
    test_days: int = 7
    fold_step_days: int = 7


def fold_sets(history: History, protocol: Protocol, fold: int,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of one fold's training set and test set (known compromised cards dropped)."""
    start = np.datetime64(protocol.train_start + timedelta(days=fold * protocol.fold_step_days))
    train_end = start + np.timedelta64(protocol.train_days, "D")
    train = np.flatnonzero((history.day >= start) & (history.day < train_end))
    known = set(history.customer[train][history.fraud[train] == 1].tolist())
    test: list[np.ndarray] = []
    for offset in range(protocol.test_days):
        # labels of the day before the delay window closes are known on the test day
        learnt = train_end + np.timedelta64(offset - 1, "D")
        learnt_rows = np.flatnonzero(history.day == learnt)
        known |= set(history.customer[learnt_rows][history.fraud[learnt_rows] == 1].tolist())
        day = train_end + np.timedelta64(protocol.delay_days + offset, "D")
        rows = np.flatnonzero(history.day == day)
        keep = np.fromiter((customer not in known for customer in history.customer[rows]),
                           dtype=bool, count=len(rows))
        test.append(rows[keep])
    return train, np.concatenate(test) if test else np.array([], dtype=np.int64)


def card_precision_at_k(days: np.ndarray, customers: np.ndarray, labels: np.ndarray,
                        scores: np.ndarray, *, k: int = TOP_CARDS) -> float:
    """The handbook's card precision@k: each day, cards ranked by their highest score (label:
    any fraud that day), top k, precision; cards detected on earlier days are left out."""
    detected: set[Any] = set()
    precisions: list[float] = []
    for day in np.unique(days):
        rows = np.flatnonzero(days == day)
        best: dict[Any, tuple[float, int]] = {}
        for row in rows:
            card = customers[row]
            if card in detected:
                continue
            score, label = best.get(card, (-1.0, 0))
            best[card] = (max(score, float(scores[row])), max(label, int(labels[row])))
        ranked = sorted(best.items(), key=lambda item: item[1][0], reverse=True)[:k]
        found = [card for card, (_, label) in ranked if label == 1]
        detected.update(found)
        precisions.append(len(found) / k)
    return float(np.mean(precisions)) if precisions else 0.0


def scored_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """AUC ROC and average precision of ``scores`` against ``labels`` (1: fraud)."""
    return {"auc_roc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores))}


def _metrics(history: History, rows: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    labels = history.fraud[rows]
    return {**scored_metrics(labels, scores),
            "card_precision_at_100": card_precision_at_k(history.day[rows], history.customer[rows],
                                                         labels, scores)}


def _latency(model: FraudModel, history: History, rows: np.ndarray, *, sample: int = 2_000,
             label_delay_days: int) -> dict[str, float]:
    """Time whole decisions (features from the engine's state, then the model) one by one."""
    first = int(rows[0]) if len(rows) else 0
    engine = FeatureEngine(label_delay_days=label_delay_days)
    warm_from = max(0, first - 60_000)
    for tx in history.transactions[warm_from:first]:
        engine.observe(tx)
    timings: list[float] = []
    for tx in history.transactions[first:first + sample]:
        begin = time.perf_counter()
        model.score_one(engine.observe(tx))
        timings.append(time.perf_counter() - begin)
    if not timings:
        return {"decisions_per_s": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    values = np.array(timings)
    return {"decisions_per_s": float(len(values) / values.sum()),
            "p50_ms": float(np.percentile(values, 50) * 1000),
            "p99_ms": float(np.percentile(values, 99) * 1000)}


def evaluate(folder: Path, protocol: Protocol, *, algorithm: str = DEFAULT, seed: int = 0,
             ) -> dict[str, Any]:
    """Replay, train (a model of ``algorithm``) and test every fold; the JSON the
    ``risk evaluate`` command prints."""
    if protocol.folds < 1 or min(protocol.train_days, protocol.test_days) < 1:
        raise InvalidTransactions("a protocol needs at least one fold, training day and test day")
    history = replay_history(read_transactions(folder), label_delay_days=protocol.delay_days)
    folds: list[dict[str, Any]] = []
    for fold in range(protocol.folds):
        train, test = fold_sets(history, protocol, fold)
        if not len(train) or not len(test):
            raise InvalidTransactions("fold {fold} has no training or no test transactions",
                                      fold=fold + 1)
        if history.fraud[train].min() == history.fraud[train].max():
            raise InvalidTransactions("fold {fold}'s training days have only one label",
                                      fold=fold + 1)
        model = train_model(history.features[train], history.fraud[train],
                            algorithm=algorithm, seed=seed)
        scores = model.score(history.features[test])
        folds.append({
            "train_start": str(protocol.train_start
                               + timedelta(days=fold * protocol.fold_step_days)),
            "train_transactions": int(len(train)), "test_transactions": int(len(test)),
            **_metrics(history, test, scores),
        })
        if fold == protocol.folds - 1:
            latency = _latency(model, history, test, label_delay_days=protocol.delay_days)
            described = model.describe()
    keys = ("auc_roc", "average_precision", "card_precision_at_100")
    mean = {key: float(np.mean([fold[key] for fold in folds])) for key in keys}
    return {"folds": folds, "mean": mean, "features": list(FEATURES), "model": described,
            **latency}


def feature_table(history: History, names: Sequence[str] = FEATURES) -> dict[str, np.ndarray]:
    """Columns of the replayed features by name (for comparisons with offline features)."""
    return {name: history.features[:, FEATURES.index(name)] for name in names}


def train_latest(folder: Path, *, train_days: int = 7, delay_days: int = 7,
                 test_days: int = 7, algorithm: str = DEFAULT, seed: int = 0,
                 ) -> tuple[FraudModel, dict[str, Any]]:
    """A model of ``algorithm`` for production from labelled history: measured first on the
    latest test days (trained on the days before them, the delay respected), then trained
    again on the latest days whose labels are known (the last ``delay_days`` are left out).
    The report holds its metrics, what it was trained on and its training reference (each
    feature's and the score's histogram on the training rows, for the drift report)."""
    history = replay_history(read_transactions(folder), label_delay_days=delay_days)
    last = history.day.max().astype(date)
    start = last - timedelta(days=delay_days + test_days + train_days + delay_days - 1)
    measured = Protocol(train_start=start, folds=1, train_days=train_days,
                        delay_days=delay_days, test_days=test_days)
    train, test = fold_sets(history, measured, 0)
    if not len(train) or not len(test) or history.fraud[train].min() == history.fraud[
            train].max():
        raise InvalidTransactions("not enough labelled days in {folder} to train and measure",
                                  folder=folder)
    probe = train_model(history.features[train], history.fraud[train], algorithm=algorithm,
                        seed=seed)
    metrics = _metrics(history, test, probe.score(history.features[test]))
    final_end = np.datetime64(last - timedelta(days=delay_days - 1))
    final_start = final_end - np.timedelta64(train_days, "D")
    rows = np.flatnonzero((history.day >= final_start) & (history.day < final_end))
    model = train_model(history.features[rows], history.fraud[rows], algorithm=algorithm,
                        seed=seed)
    trained_on = {"transactions": int(len(rows)), "from": str(final_start),
                  "until": str(final_end), "frauds": int(history.fraud[rows].sum()),
                  "measured_on": {"train_start": str(start), "test_transactions": int(len(test))}}
    reference = drift.reference(history.features[rows], FEATURES,
                                model.score(history.features[rows]))
    return model, {"metrics": metrics, "trained_on": trained_on, "reference": reference}


def backtest_history(folder: Path, condition: Any, *, delay_days: int = 7) -> dict[str, Any]:
    """What a rule's condition would have fired on over a transactions history, replayed
    through the online features: volume, and precision and recall against ``TX_FRAUD``. A
    history's transactions are card payments: ``kind`` is ``transfer``, ``channel``
    ``card``, the terminal is the payee (``new_payee`` the first time a card meets it)."""
    check = compile_condition(condition)
    history = replay_history(read_transactions(folder), label_delay_days=delay_days)
    met: set[tuple[Any, Any]] = set()
    fired = frauds_caught = 0
    for row, tx, fraud in zip(history.features, history.transactions, history.fraud,
                              strict=True):
        facts: dict[str, Any] = dict(zip(FEATURES, row.tolist(), strict=True))
        pair = (tx.customer, tx.terminal)
        facts.update(kind="transfer", channel="card", currency=None, hour=float(tx.hour),
                     new_payee=0.0 if pair in met else 1.0, new_device=0.0)
        met.add(pair)
        if check(facts):
            fired += 1
            frauds_caught += int(fraud)
    total, frauds = len(history.fraud), int(history.fraud.sum())
    return {"transactions": total, "fired": fired, "volume": fired / total if total else 0.0,
            "frauds": frauds, "frauds_caught": frauds_caught,
            "precision": frauds_caught / fired if fired else None,
            "recall": frauds_caught / frauds if frauds else None}


__all__ = ["History", "Protocol", "backtest_history", "card_precision_at_k", "evaluate",
           "feature_table", "fold_sets", "read_transactions", "replay_history", "scored_metrics",
           "train_latest"]
