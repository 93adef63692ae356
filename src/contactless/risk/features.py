"""Online transaction features (风控特征), computed one transaction at a time in event time.

The one design decision of this module: the same engine answers a live decision and replays
history for training, so the features a model learns from are the features it is served.
Every window is ``(t - w, t]`` in event time. A terminal's (or payee's) fraud rate counts only
labels known at decision time: a transaction's label enters the counts once it is older than
the label delay (7 days by default), which is when a bank has usually heard of the fraud.

State is kept per card (customer) and per terminal as two short lists with one read pointer per
window, so each transaction costs a few list steps whatever the history length.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DAY_SECONDS = 86_400
CUSTOMER_WINDOWS = (1, 7, 14, 30)
TERMINAL_WINDOWS = (1, 7, 14, 30)
NIGHT_LAST_HOUR = 6  # 00:00-06:59 counts as night, as in the fraud-detection handbook
ANOMALY_RATIO = 2.0  # an amount at least twice the card's 30-day average is unusual
ANOMALY_WINDOW_DAYS = 14


def feature_names() -> tuple[str, ...]:
    """The model's inputs, in the order :meth:`FeatureEngine.observe` returns them."""
    names = ["amount", "weekend", "night"]
    for days in CUSTOMER_WINDOWS:
        names += [f"card_count_{days}d", f"card_mean_amount_{days}d", f"card_std_amount_{days}d"]
    for days in TERMINAL_WINDOWS:
        names += [f"terminal_count_{days}d", f"terminal_fraud_rate_{days}d",
                  f"terminal_frauds_{days}d"]
    names += ["terminal_days_since_fraud", "terminal_fraud_streak_days",
              "terminal_fraud_streak"]
    names += [f"amount_to_mean_{days}d" for days in CUSTOMER_WINDOWS]
    names += ["amount_zscore_30d", "mean_1d_to_30d", "mean_7d_to_30d", "count_7d_to_30d",
              "amount_to_baseline",
              f"unusual_amounts_{ANOMALY_WINDOW_DAYS}d", f"max_zscore_{ANOMALY_WINDOW_DAYS}d"]
    return tuple(names)


FEATURES = feature_names()
_INDEX = {name: position for position, name in enumerate(FEATURES)}
NO_FRAUD_SEEN = 999.0


@dataclass(frozen=True)
class Transaction:
    """One card transaction as the features see it; ``time`` is UNIX seconds (UTC)."""

    transaction_id: int | str
    time: float
    customer: int | str
    terminal: int | str
    amount: float
    weekday: int  # 0 = Monday, in the bank's zone
    hour: int
    fraud: bool | None = None  # the label, when history is replayed; None while unknown


@dataclass
class CardState:
    """A card's (customer's) recent amounts, with one read pointer and running sums per
    window."""

    times: list[float] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    start: list[int] = field(default_factory=lambda: [0] * len(CUSTOMER_WINDOWS))
    total: list[float] = field(default_factory=lambda: [0.0] * len(CUSTOMER_WINDOWS))
    squares: list[float] = field(default_factory=lambda: [0.0] * len(CUSTOMER_WINDOWS))
    unusual: deque[tuple[float, float, float]] = field(default_factory=deque)  # time, flag, z

    def dump(self) -> list[Any]:
        return [self.times, self.amounts, self.start, self.total, self.squares,
                [list(item) for item in self.unusual]]

    @classmethod
    def load(cls, data: list[Any]) -> CardState:
        times, amounts, start, total, squares, unusual = data
        if len(start) != len(CUSTOMER_WINDOWS):
            # kept by a version with other windows: every window counted afresh from the
            # amounts kept (at least the longest window's), the next transaction drops the
            # ones each window has left behind
            windows = len(CUSTOMER_WINDOWS)
            start = [0] * windows
            total = [float(sum(amounts))] * windows
            squares = [float(sum(amount * amount for amount in amounts))] * windows
        return cls(times, amounts, start, total, squares,
                   deque(tuple(item) for item in unusual))


@dataclass
class TerminalState:
    """A terminal's (payee's) recent transactions and labels: the ones older than the label
    delay are counted in every window."""

    times: list[float] = field(default_factory=list)
    labels: list[bool | None] = field(default_factory=list)
    known: int = 0  # entries older than the delay, already counted in every window
    start: list[int] = field(default_factory=lambda: [0] * len(TERMINAL_WINDOWS))
    count: list[int] = field(default_factory=lambda: [0] * len(TERMINAL_WINDOWS))
    frauds: list[int] = field(default_factory=lambda: [0] * len(TERMINAL_WINDOWS))
    last_fraud: float | None = None
    dropped: int = 0  # entries trimmed from the front so far: absolute offset of times[0]
    # when the known frauds since the last known genuine transaction began (None: the latest
    # known transaction was genuine): how long the terminal has been compromised
    streak_start: float | None = None
    streak: int = 0  # how many known frauds in a row, the latest known transaction's included

    def dump(self) -> list[Any]:
        return [self.times, self.labels, self.known, self.start, self.count, self.frauds,
                self.last_fraud, self.dropped, self.streak_start, self.streak]

    @classmethod
    def load(cls, data: list[Any]) -> TerminalState:
        return cls(*data)


class FeatureEngine:
    """Per-card and per-terminal sliding windows, fed in event-time order.

    The windows are computed by :func:`observe_on` on a card's and a terminal's state; this
    engine keeps those states in process (training, evaluation, one worker). The online
    engine (``risk/online.py``) keeps the same states in the real-time store and runs the same
    function on them, so serving and training cannot drift."""

    def __init__(self, *, label_delay_days: int = 7) -> None:
        self.delay = label_delay_days * DAY_SECONDS
        self._cards: dict[int | str, CardState] = {}
        self._terminals: dict[int | str, TerminalState] = {}
        self._pending: dict[int | str, tuple[TerminalState, int]] = {}

    def observe(self, tx: Transaction) -> list[float]:
        """Features of ``tx`` (the transaction itself included), then remember it."""
        card = self._cards.get(tx.customer)
        if card is None:
            card = self._cards[tx.customer] = CardState()
        terminal = self._terminals.get(tx.terminal)
        if terminal is None:
            terminal = self._terminals[tx.terminal] = TerminalState()
        row, offset = observe_on(card, terminal, tx, delay=self.delay)
        if offset is not None:
            self._pending[tx.transaction_id] = (terminal, offset)
        return row

    def label(self, transaction_id: int | str, *, fraud: bool) -> None:
        """Record a label that arrived after the transaction (a case marked by an analyst).

        A label that arrives after the delay has passed is not counted: the windows were
        built on what was known then, exactly as a replay of history would build them."""
        pending = self._pending.pop(transaction_id, None)
        if pending is not None:
            apply_label(pending[0], pending[1], fraud=fraud)


def observe_on(card: CardState, terminal: TerminalState, tx: Transaction, *, delay: float,
               ) -> tuple[list[float], int | None]:
    """The features of ``tx`` from its card's and terminal's state, which it then updates;
    with the offset to label it by later when its label is not known yet."""
    row = [0.0] * len(FEATURES)
    row[0] = tx.amount
    row[1] = 1.0 if tx.weekday >= 5 else 0.0
    row[2] = 1.0 if tx.hour <= NIGHT_LAST_HOUR else 0.0
    _card_windows(card, tx, row)
    offset = _terminal_windows(terminal, tx, row, delay)
    _ratios(row)
    _card_history(card, tx, row)
    return row, offset


def apply_label(terminal: TerminalState, offset: int, *, fraud: bool) -> bool:
    """Set a late label on the terminal's entry at ``offset``, if still inside the delay."""
    index = offset - terminal.dropped
    if 0 <= index < len(terminal.labels) and index >= terminal.known:
        terminal.labels[index] = fraud
        return True
    return False


def _card_windows(card: CardState, tx: Transaction, row: list[float]) -> None:
    times, amounts = card.times, card.amounts
    times.append(tx.time)
    amounts.append(tx.amount)
    for position, days in enumerate(CUSTOMER_WINDOWS):
        start, limit = card.start[position], tx.time - days * DAY_SECONDS
        total = card.total[position] + tx.amount
        squares = card.squares[position] + tx.amount * tx.amount
        while times[start] <= limit:
            old = amounts[start]
            total -= old
            squares -= old * old
            start += 1
        card.start[position], card.total[position] = start, total
        card.squares[position] = squares
        count = len(times) - start
        mean = total / count
        base = 3 + 3 * position
        row[base], row[base + 1] = float(count), mean
        row[base + 2] = math.sqrt(max(squares / count - mean * mean, 0.0))
    _trim(card.times, card.amounts, card.start)


def _terminal_windows(terminal: TerminalState, tx: Transaction, row: list[float],
                      delay: float) -> int | None:
    times, labels = terminal.times, terminal.labels
    known_until = tx.time - delay
    while terminal.known < len(times) and times[terminal.known] <= known_until:
        fraud = 1 if labels[terminal.known] else 0
        if fraud:
            terminal.last_fraud = times[terminal.known]
            if terminal.streak_start is None:
                terminal.streak_start = times[terminal.known]
            terminal.streak += 1
        else:
            terminal.streak_start, terminal.streak = None, 0
        for position in range(len(TERMINAL_WINDOWS)):
            terminal.count[position] += 1
            terminal.frauds[position] += fraud
        terminal.known += 1
    base = 3 + 3 * len(CUSTOMER_WINDOWS)
    for position, days in enumerate(TERMINAL_WINDOWS):
        start, limit = terminal.start[position], known_until - days * DAY_SECONDS
        while start < terminal.known and times[start] <= limit:
            terminal.count[position] -= 1
            terminal.frauds[position] -= 1 if labels[start] else 0
            start += 1
        terminal.start[position] = start
        count, frauds = terminal.count[position], terminal.frauds[position]
        cell = base + 3 * position
        row[cell] = float(count)
        row[cell + 1] = frauds / count if count else 0.0
        row[cell + 2] = float(frauds)
    last = terminal.last_fraud
    row[_INDEX["terminal_days_since_fraud"]] = (
        (tx.time - last) / DAY_SECONDS if last is not None else NO_FRAUD_SEEN)
    streak = terminal.streak_start
    row[_INDEX["terminal_fraud_streak_days"]] = (
        (tx.time - streak) / DAY_SECONDS if streak is not None else NO_FRAUD_SEEN)
    row[_INDEX["terminal_fraud_streak"]] = float(terminal.streak)
    times.append(tx.time)
    labels.append(tx.fraud)
    offset = terminal.dropped + len(times) - 1 if tx.fraud is None else None
    dropped = _trim(times, labels, terminal.start)
    terminal.known -= dropped
    terminal.dropped += dropped
    return offset


def _ratios(row: list[float]) -> None:
    amount = row[0]
    first = _INDEX["amount_to_mean_1d"]
    for position in range(len(CUSTOMER_WINDOWS)):
        row[first + position] = _ratio(amount, row[4 + 3 * position])
    mean_30, std_30 = row[_INDEX["card_mean_amount_30d"]], row[_INDEX["card_std_amount_30d"]]
    row[_INDEX["amount_zscore_30d"]] = (amount - mean_30) / (std_30 + 1.0)
    row[_INDEX["mean_1d_to_30d"]] = _ratio(row[_INDEX["card_mean_amount_1d"]], mean_30)
    row[_INDEX["mean_7d_to_30d"]] = _ratio(row[_INDEX["card_mean_amount_7d"]], mean_30)
    row[_INDEX["count_7d_to_30d"]] = (row[_INDEX["card_count_7d"]]
                                      / row[_INDEX["card_count_30d"]])
    # the card's usual amount before the last 14 days (a card whose details leaked spends
    # unusually for days: its recent days would lift its own yardstick)
    count_30, count_14 = row[_INDEX["card_count_30d"]], row[_INDEX["card_count_14d"]]
    before = count_30 - count_14
    baseline = ((count_30 * mean_30 - count_14 * row[_INDEX["card_mean_amount_14d"]]) / before
                if before > 0 else mean_30)
    row[_INDEX["amount_to_baseline"]] = _ratio(amount, baseline)


def _card_history(card: CardState, tx: Transaction, row: list[float]) -> None:
    """How many unusual amounts the card made in the last 14 days (before this one)."""
    recent = card.unusual
    limit = tx.time - ANOMALY_WINDOW_DAYS * DAY_SECONDS
    while recent and recent[0][0] <= limit:
        recent.popleft()
    row[_INDEX[f"unusual_amounts_{ANOMALY_WINDOW_DAYS}d"]] = sum(item[1] for item in recent)
    row[_INDEX[f"max_zscore_{ANOMALY_WINDOW_DAYS}d"]] = max(
        (item[2] for item in recent), default=0.0)
    ratio = row[_INDEX["amount_to_mean_30d"]]
    recent.append((tx.time, 1.0 if ratio > ANOMALY_RATIO else 0.0,
                   row[_INDEX["amount_zscore_30d"]]))


def _ratio(part: float, whole: float) -> float:
    # a mean of zero means every amount in the window was zero, the current one included
    return part / whole if whole else 1.0


def _trim(times: list[float], values: list[Any], starts: list[int]) -> int:
    """Drop entries every window has left behind, once there are enough to be worth it."""
    drop = min(starts)
    if drop < 256:
        return 0
    del times[:drop]
    del values[:drop]
    for position in range(len(starts)):
        starts[position] -= drop
    return drop


def replay(transactions: Iterable[Transaction], *, label_delay_days: int = 7,
           ) -> list[list[float]]:
    """Features of every transaction of a history, in the order given (event time)."""
    engine = FeatureEngine(label_delay_days=label_delay_days)
    return [engine.observe(tx) for tx in transactions]


__all__ = ["FEATURES", "CardState", "FeatureEngine", "TerminalState", "Transaction",
           "apply_label", "feature_names", "observe_on", "replay"]
