"""Online features equal their definitions, computed the slow way over the whole history."""

from __future__ import annotations

import json
import math
import random

import pytest

from contactless.risk.features import (
    CUSTOMER_WINDOWS,
    DAY_SECONDS,
    FEATURES,
    NO_FRAUD_SEEN,
    TERMINAL_WINDOWS,
    CardState,
    FeatureEngine,
    TerminalState,
    Transaction,
    observe_on,
    replay,
)
from tests.risk.simulate import START, simulate


def _transactions(rows: list[dict[str, object]]) -> list[Transaction]:
    out = []
    for row in rows:
        moment = row["TX_DATETIME"]
        out.append(Transaction(
            transaction_id=int(row["TRANSACTION_ID"]),  # type: ignore[call-overload]
            time=(moment - START).total_seconds(),  # type: ignore[operator]
            customer=row["CUSTOMER_ID"], terminal=row["TERMINAL_ID"],  # type: ignore[arg-type]
            amount=float(row["TX_AMOUNT"]),  # type: ignore[arg-type]
            weekday=moment.weekday(), hour=moment.hour,  # type: ignore[attr-defined]
            fraud=bool(row["TX_FRAUD"])))
    return out


def _tolerance(name: str) -> float:
    # a standard deviation comes from running sums of squares: the square root of a variance
    # that should be 0 may be the root of a rounding error (1e-12 -> 1e-6); all else is exact
    return 1e-5 if "std" in name or "zscore" in name or "to_mean" in name \
        or "baseline" in name else 1e-9


def _slow(history: list[Transaction], index: int, delay_days: int, *,
          with_history: bool = True) -> dict[str, float]:
    """Every feature of history[index] from its definition (windows (t - w, t])."""
    tx = history[index]
    seen = history[: index + 1]
    expected: dict[str, float] = {"amount": tx.amount, "weekend": float(tx.weekday >= 5),
                                  "night": float(tx.hour <= 6)}
    for days in CUSTOMER_WINDOWS:
        amounts = [o.amount for o in seen
                   if o.customer == tx.customer and o.time > tx.time - days * DAY_SECONDS]
        mean = sum(amounts) / len(amounts)
        expected[f"card_count_{days}d"] = len(amounts)
        expected[f"card_mean_amount_{days}d"] = mean
        expected[f"card_std_amount_{days}d"] = math.sqrt(
            max(sum(a * a for a in amounts) / len(amounts) - mean * mean, 0.0))
        expected[f"amount_to_mean_{days}d"] = tx.amount / mean
    mean_30, std_30 = expected["card_mean_amount_30d"], expected["card_std_amount_30d"]
    expected["amount_zscore_30d"] = (tx.amount - mean_30) / (std_30 + 1.0)
    expected["mean_1d_to_30d"] = expected["card_mean_amount_1d"] / mean_30
    expected["mean_7d_to_30d"] = expected["card_mean_amount_7d"] / mean_30
    expected["count_7d_to_30d"] = expected["card_count_7d"] / expected["card_count_30d"]
    before = [o.amount for o in seen if o.customer == tx.customer
              and tx.time - 30 * DAY_SECONDS < o.time <= tx.time - 14 * DAY_SECONDS]
    baseline = sum(before) / len(before) if before else mean_30
    expected["amount_to_baseline"] = tx.amount / baseline
    earlier = [position for position in range(index) if history[position].customer == tx.customer
               and history[position].time > tx.time - 14 * DAY_SECONDS]
    if with_history:
        previous = [_slow(history, position, delay_days, with_history=False)
                    for position in earlier]
        expected["unusual_amounts_14d"] = sum(
            1.0 for p in previous if p["amount_to_mean_30d"] > 2.0)
        expected["max_zscore_14d"] = max((p["amount_zscore_30d"] for p in previous), default=0.0)
    known_until = tx.time - delay_days * DAY_SECONDS
    for days in TERMINAL_WINDOWS:
        window = [o for o in history[:index] if o.terminal == tx.terminal
                  and known_until - days * DAY_SECONDS < o.time <= known_until]
        frauds = sum(1 for o in window if o.fraud)
        expected[f"terminal_count_{days}d"] = len(window)
        expected[f"terminal_frauds_{days}d"] = frauds
        expected[f"terminal_fraud_rate_{days}d"] = frauds / len(window) if window else 0.0
    known_frauds = [o.time for o in history[:index]
                    if o.terminal == tx.terminal and o.fraud and o.time <= known_until]
    expected["terminal_days_since_fraud"] = (
        (tx.time - max(known_frauds)) / DAY_SECONDS if known_frauds else NO_FRAUD_SEEN)
    # the known frauds after the terminal's last known genuine transaction
    known = [o for o in history[:index] if o.terminal == tx.terminal and o.time <= known_until]
    streak = []
    for o in reversed(known):
        if not o.fraud:
            break
        streak.append(o)
    expected["terminal_fraud_streak"] = float(len(streak))
    expected["terminal_fraud_streak_days"] = (
        (tx.time - streak[-1].time) / DAY_SECONDS if streak else NO_FRAUD_SEEN)
    return expected


def test_every_feature_equals_its_definition_over_a_simulated_history() -> None:
    history = _transactions(simulate(customers=25, terminals=30, days=50, seed=3))
    rows = replay(history, label_delay_days=7)
    checked = random.Random(1).sample(range(len(history)), 150) + [len(history) - 1]
    for index in checked:
        expected = _slow(history, index, 7)
        assert set(expected) == set(FEATURES)
        for name, value in expected.items():
            assert rows[index][FEATURES.index(name)] == pytest.approx(
                value, rel=1e-9, abs=_tolerance(name)), (name, index)


def test_a_long_history_is_trimmed_without_changing_any_window() -> None:
    # one card and one terminal with 2,000 transactions: the lists are trimmed many times
    history = [Transaction(transaction_id=i, time=i * 3_000.0, customer=1, terminal=1,
                           amount=float(1 + i % 17), weekday=0, hour=12, fraud=i % 50 == 0)
               for i in range(2_000)]
    rows = replay(history)
    for index in (300, 1_000, 1_999):
        for name, value in _slow(history, index, 7, with_history=False).items():
            assert rows[index][FEATURES.index(name)] == pytest.approx(
                value, rel=1e-9, abs=_tolerance(name)), name


def test_a_label_counts_only_once_it_is_older_than_the_delay() -> None:
    engine = FeatureEngine(label_delay_days=7)
    day = float(DAY_SECONDS)
    engine.observe(Transaction(1, 0.0, "card-a", "shop", 10.0, 0, 12))  # label unknown yet
    engine.label(1, fraud=True)  # an analyst marks it a day later
    six_days = engine.observe(Transaction(2, 6 * day, "card-b", "shop", 10.0, 0, 12, False))
    eight_days = engine.observe(Transaction(3, 8 * day, "card-c", "shop", 10.0, 0, 12, False))
    rate = FEATURES.index("terminal_fraud_rate_7d")
    assert six_days[rate] == 0.0  # not known yet at decision time
    assert eight_days[rate] == 1.0
    assert eight_days[FEATURES.index("terminal_days_since_fraud")] == pytest.approx(8.0)


def test_a_label_that_comes_after_the_delay_changes_nothing_already_counted() -> None:
    engine = FeatureEngine(label_delay_days=1)
    engine.observe(Transaction(1, 0.0, "card-a", "shop", 10.0, 0, 12))
    before = engine.observe(Transaction(2, 2.0 * DAY_SECONDS, "card-b", "shop", 1.0, 0, 12))
    engine.label(1, fraud=True)
    after = engine.observe(Transaction(3, 2.5 * DAY_SECONDS, "card-c", "shop", 1.0, 0, 12))
    frauds = FEATURES.index("terminal_frauds_7d")
    assert before[frauds] == after[frauds] == 0.0


def test_a_card_kept_by_a_version_with_other_windows_is_counted_afresh() -> None:
    everyone = _transactions(simulate(customers=25, terminals=30, days=40, seed=5))
    history = [tx for tx in everyone if tx.customer == everyone[0].customer]
    assert len(history) > 20
    card, terminal = CardState(), TerminalState()
    for tx in history[:-1]:
        observe_on(card, terminal, tx, delay=7 * DAY_SECONDS)
    kept = json.loads(json.dumps(card.dump()))  # as the real-time store keeps it
    kept[2:5] = [values[:3] for values in kept[2:5]]  # three windows' pointers and sums
    older, _ = observe_on(CardState.load(kept),
                          TerminalState.load(json.loads(json.dumps(terminal.dump()))),
                          history[-1], delay=7 * DAY_SECONDS)
    same, _ = observe_on(card, terminal, history[-1], delay=7 * DAY_SECONDS)
    assert older == pytest.approx(same, rel=1e-9, abs=1e-6)
