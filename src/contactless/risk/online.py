"""Online features in the real-time store, so every API worker sees the same windows.

A card's and a terminal's state (``features.CardState`` / ``TerminalState``) are read, run
through :func:`features.observe_on` (the very function training replays history with) and
written back. In process (the embedded default) a lock makes that atomic; on Redis each
update is an optimistic transaction (read both states with their versions, write both with
a script that refuses if a version moved, and read again), so two workers deciding on one
card at once both count.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Protocol

import msgspec
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
RETRIES = 60
# after a write lost to another process, wait a random while (growing, at most 32 ms) before
# reading again, so two busy processes do not keep overtaking one decision
BACKOFF_SECONDS = 0.0005


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


# A card's and a terminal's state are hashes {v: version, s: state}: a decision reads both in
# one round trip and writes both in a second, with this script, only if neither version moved
# meanwhile (else it reads again): an optimistic transaction without WATCH's extra round trip.
_OBSERVE = """
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1]
   or (redis.call('HGET', KEYS[2], 'v') or '0') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 's', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], 'v', tostring(tonumber(ARGV[2]) + 1), 's', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[6])
if ARGV[7] ~= '' then
  redis.call('SET', KEYS[3], ARGV[7], 'EX', ARGV[8])
end
return 1
"""
# a late label: the terminal's new state if its version has not moved, and the pending
# entry gone; -1 when the terminal's state has expired meanwhile
_LABEL = """
local version = redis.call('HGET', KEYS[1], 'v')
if not version then
  redis.call('DEL', KEYS[2])
  return -1
end
if version ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 's', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
"""
STRIPES = 64


class RedisFeatureStore:
    """The same windows in Redis, shared by every worker (keys expire with their windows).

    Within one process, decisions on the same card or terminal take turns on a lock (one of
    ``STRIPES``) instead of racing each other's writes; across processes, the versioned write
    above settles who counts first."""

    def __init__(self, client: redis.Redis, *, prefix: str, label_delay_days: int) -> None:
        self.client = client
        self.prefix = prefix + "risk:f2:"  # f2: hashes with versions (f: held plain JSON)
        self.delay = label_delay_days * DAY_SECONDS
        self.terminal_ttl = int(self.delay + CARD_TTL)
        self._observe = client.register_script(_OBSERVE)
        self._label = client.register_script(_LABEL)
        self._stripes = [threading.Lock() for _ in range(STRIPES)]

    def _locks(self, *keys: str) -> list[threading.Lock]:
        return [self._stripes[index] for index in sorted({hash(key) % STRIPES for key in keys})]

    def observe(self, tx: Transaction) -> tuple[list[float], list[float]]:
        card_key = f"{self.prefix}c:{tx.customer}"
        terminal_key = f"{self.prefix}t:{tx.terminal}"
        pending_key = f"{self.prefix}p:{tx.transaction_id}"
        locks = self._locks(card_key, terminal_key)
        for lock in locks:
            lock.acquire()
        try:
            for attempt in range(RETRIES):
                pipe = self.client.pipeline(transaction=False)
                pipe.hmget(card_key, ["v", "s"])
                pipe.hmget(terminal_key, ["v", "s"])
                (card_version, raw_card), (terminal_version, raw_terminal) = pipe.execute()
                card = CardState.load(_loads(raw_card)) if raw_card else CardState()
                terminal = (TerminalState.load(_loads(raw_terminal)) if raw_terminal
                            else TerminalState())
                usual = _usual(card)
                row, offset = observe_on(card, terminal, tx, delay=self.delay)
                pending = _dumps([str(tx.terminal), offset]) if offset is not None else ""
                if self._observe(keys=[card_key, terminal_key, pending_key], args=[
                        card_version or "0", terminal_version or "0", _dumps(card.dump()),
                        _dumps(terminal.dump()), CARD_TTL, self.terminal_ttl, pending,
                        int(self.delay) + 1]):
                    return row, usual
                _back_off(attempt)
        finally:
            for lock in reversed(locks):
                lock.release()
        raise RuntimeError("the risk features of this card kept changing under this decision")

    def label(self, transaction_id: str, *, fraud: bool) -> bool:
        pending_key = f"{self.prefix}p:{transaction_id}"
        raw = self.client.get(pending_key)
        if raw is None:
            return False
        terminal_name, offset = _loads(raw)
        terminal_key = f"{self.prefix}t:{terminal_name}"
        locks = self._locks(terminal_key)
        for lock in locks:
            lock.acquire()
        try:
            for attempt in range(RETRIES):
                version, raw_terminal = self.client.hmget(terminal_key, ["v", "s"])
                if raw_terminal is None:
                    self.client.delete(pending_key)
                    return False
                terminal = TerminalState.load(_loads(raw_terminal))
                applied = apply_label(terminal, offset, fraud=fraud)
                written = self._label(keys=[terminal_key, pending_key],
                                      args=[version or "0", _dumps(terminal.dump())])
                if written == 1:
                    return applied
                if written == -1:
                    return False
                _back_off(attempt)
        finally:
            for lock in reversed(locks):
                lock.release()
        return False


# msgspec's JSON: the same text as the standard library's, several times faster on the long
# lists of a busy terminal (floats written in their shortest exact form both ways)
_ENCODER = msgspec.json.Encoder()
_loads = msgspec.json.decode


def _back_off(attempt: int) -> None:
    time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** min(attempt, 6)))  # noqa: S311


def _dumps(value: Any) -> bytes:
    return _ENCODER.encode(value)


def feature_store_for(store: Store, *, label_delay_days: int) -> FeatureStore:
    """Redis when the platform's real-time store is Redis (same server, same key prefix),
    else in process."""
    if isinstance(store, RedisStore):
        return RedisFeatureStore(store.client, prefix=store.prefix,
                                 label_delay_days=label_delay_days)
    return MemoryFeatureStore(label_delay_days=label_delay_days)


__all__ = ["FeatureStore", "MemoryFeatureStore", "RedisFeatureStore", "feature_store_for"]
