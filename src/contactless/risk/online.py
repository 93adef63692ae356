"""Online features in the real-time store, so every API worker sees the same windows.

A card's and a terminal's state (``features.CardState`` / ``TerminalState``) are read, run
through :func:`features.observe_on` (the very function training replays history with) and
written back. In process (the embedded default) a lock makes that atomic; on Redis each
update is an optimistic transaction (WATCH both keys, write both in MULTI, retry on a
concurrent change), so two workers deciding on one card at once both count.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Protocol

import redis

from contactless.platform.store import RedisStore, Store
from contactless.risk.features import (
    DAY_SECONDS,
    CardState,
    TerminalState,
    Transaction,
    apply_label,
    observe_on,
)

CARD_TTL = 31 * DAY_SECONDS  # longer than the longest card window
RETRIES = 20


class FeatureStore(Protocol):
    def observe(self, tx: Transaction) -> tuple[list[float], list[float]]:
        """The features of ``tx`` and the card's usual amounts before it (30-day mean, std)."""
        ...

    def label(self, transaction_id: str, *, fraud: bool) -> bool:
        """Record a label that arrived late; False when it came after the delay."""
        ...


def _usual(card: CardState) -> list[float]:
    """The card's 30-day mean and count before the transaction being decided."""
    count = len(card.times) - card.start[-1]
    return [card.total[-1] / count if count else 0.0, float(count)]


class MemoryFeatureStore:
    """The windows in this process (one API worker, tests, the embedded bank)."""

    def __init__(self, *, label_delay_days: int) -> None:
        self.delay = label_delay_days * DAY_SECONDS
        self._cards: dict[str, CardState] = {}
        self._terminals: dict[str, TerminalState] = {}
        self._pending: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def observe(self, tx: Transaction) -> tuple[list[float], list[float]]:
        with self._lock:
            card = self._cards.setdefault(str(tx.customer), CardState())
            terminal = self._terminals.setdefault(str(tx.terminal), TerminalState())
            usual = _usual(card)
            row, offset = observe_on(card, terminal, tx, delay=self.delay)
            if offset is not None:
                self._pending[str(tx.transaction_id)] = (str(tx.terminal), offset)
            return row, usual

    def label(self, transaction_id: str, *, fraud: bool) -> bool:
        with self._lock:
            pending = self._pending.pop(transaction_id, None)
            if pending is None:
                return False
            return apply_label(self._terminals[pending[0]], pending[1], fraud=fraud)


class RedisFeatureStore:
    """The same windows in Redis, shared by every worker (keys expire with their windows)."""

    def __init__(self, client: redis.Redis, *, prefix: str, label_delay_days: int) -> None:
        self.client = client
        self.prefix = prefix + "risk:f:"
        self.delay = label_delay_days * DAY_SECONDS
        self.terminal_ttl = int(self.delay + CARD_TTL)

    def observe(self, tx: Transaction) -> tuple[list[float], list[float]]:
        card_key = f"{self.prefix}c:{tx.customer}"
        terminal_key = f"{self.prefix}t:{tx.terminal}"
        for _ in range(RETRIES):
            with self.client.pipeline() as pipe:
                try:
                    pipe.watch(card_key, terminal_key)  # type: ignore[no-untyped-call]
                    raw_card, raw_terminal = pipe.mget(card_key, terminal_key)
                    card = CardState.load(json.loads(raw_card)) if raw_card else CardState()
                    terminal = (TerminalState.load(json.loads(raw_terminal)) if raw_terminal
                                else TerminalState())
                    usual = _usual(card)
                    row, offset = observe_on(card, terminal, tx, delay=self.delay)
                    pipe.multi()
                    pipe.set(card_key, _dumps(card.dump()), ex=CARD_TTL)
                    pipe.set(terminal_key, _dumps(terminal.dump()), ex=self.terminal_ttl)
                    if offset is not None:
                        pipe.set(f"{self.prefix}p:{tx.transaction_id}",
                                 _dumps([str(tx.terminal), offset]), ex=int(self.delay) + 1)
                    pipe.execute()
                    return row, usual
                except redis.WatchError:
                    continue
        raise RuntimeError("the risk features of this card kept changing under this decision")

    def label(self, transaction_id: str, *, fraud: bool) -> bool:
        pending_key = f"{self.prefix}p:{transaction_id}"
        raw = self.client.get(pending_key)
        if raw is None:
            return False
        terminal_name, offset = json.loads(raw)
        terminal_key = f"{self.prefix}t:{terminal_name}"
        for _ in range(RETRIES):
            with self.client.pipeline() as pipe:
                try:
                    pipe.watch(terminal_key)  # type: ignore[no-untyped-call]
                    raw_terminal = pipe.get(terminal_key)
                    if raw_terminal is None:
                        return False
                    terminal = TerminalState.load(json.loads(raw_terminal))
                    applied = apply_label(terminal, offset, fraud=fraud)
                    pipe.multi()
                    pipe.set(terminal_key, _dumps(terminal.dump()), keepttl=True)
                    pipe.delete(pending_key)
                    pipe.execute()
                    return applied
                except redis.WatchError:
                    continue
        return False


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def feature_store_for(store: Store, *, label_delay_days: int) -> FeatureStore:
    """Redis when the platform's real-time store is Redis (same server, same key prefix),
    else in process."""
    if isinstance(store, RedisStore):
        return RedisFeatureStore(store.client, prefix=store.prefix,
                                 label_delay_days=label_delay_days)
    return MemoryFeatureStore(label_delay_days=label_delay_days)


__all__ = ["FeatureStore", "MemoryFeatureStore", "RedisFeatureStore", "feature_store_for"]
