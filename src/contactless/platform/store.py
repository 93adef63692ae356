"""Real-time store for counters, rate limits, one-time codes and time-ordered sets (sliding
windows): in-process, or Redis at scale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, *, ttl: int) -> None: ...

    def add(self, key: str, value: str, *, ttl: int) -> bool:
        """Set ``key`` only if it is absent (its lifetime starts now); True when it was set,
        False when the key was already there (it keeps its value and lifetime)."""
        ...

    def incr(self, key: str, *, ttl: int) -> int:
        """Add one; the key's lifetime starts at its first increment."""
        ...

    def delete(self, key: str) -> None: ...

    def ttl(self, key: str) -> int:
        """Seconds left, or 0 when the key is absent."""
        ...

    def add_scored(self, items: dict[str, dict[str, float]], *, ttl: int,
                   drop_below: float) -> None:
        """Add members with their scores to each key's sorted set (a member already there
        keeps one entry), drop the members scored below ``drop_below``, and let each key
        live ``ttl`` seconds from now."""
        ...

    def scored(self, keys: list[str], *, low: float, high: float
               ) -> list[list[tuple[str, float]]]:
        """Each key's members scored within [low, high], lowest first."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``; returns how many."""
        ...


class MemoryStore:
    """A thread-safe in-process store with expiry: the embedded default. Lifetimes are counted
    on ``monotonic`` (seconds), which a test may replace with a clock it moves on."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._data: dict[str, tuple[str, float]] = {}
        self._sets: dict[str, tuple[dict[str, float], float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> tuple[str, float] | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= self.monotonic():
            del self._data[key]
            return None
        return item

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._live(key)
            return item[0] if item else None

    def set(self, key: str, value: str, *, ttl: int) -> None:
        with self._lock:
            self._data[key] = (value, self.monotonic() + ttl)

    def add(self, key: str, value: str, *, ttl: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, self.monotonic() + ttl)
            return True

    def incr(self, key: str, *, ttl: int) -> int:
        with self._lock:
            item = self._live(key)
            if item is None:
                self._data[key] = ("1", self.monotonic() + ttl)
                return 1
            value = int(item[0]) + 1
            self._data[key] = (str(value), item[1])
            return value

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def ttl(self, key: str) -> int:
        with self._lock:
            item = self._live(key) or self._sets.get(key)
            return max(int(item[1] - self.monotonic() + 0.999), 0) if item else 0

    def add_scored(self, items: dict[str, dict[str, float]], *, ttl: int,
                   drop_below: float) -> None:
        with self._lock:
            expires = self.monotonic() + ttl
            for key, members in items.items():
                found = self._sets.get(key)
                current = found[0] if found and found[1] > self.monotonic() else {}
                current.update(members)
                kept = {m: score for m, score in current.items() if score >= drop_below}
                self._sets[key] = (kept, expires)

    def scored(self, keys: list[str], *, low: float, high: float
               ) -> list[list[tuple[str, float]]]:
        with self._lock:
            now = self.monotonic()
            out = []
            for key in keys:
                found = self._sets.get(key)
                members = found[0] if found and found[1] > now else {}
                out.append(sorted(((m, score) for m, score in members.items()
                                   if low <= score <= high), key=lambda item: item[1]))
            return out

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            doomed = [key for key in (*self._data, *self._sets) if key.startswith(prefix)]
            for key in doomed:
                self._data.pop(key, None)
                self._sets.pop(key, None)
            return len(doomed)


class RedisStore:
    """The same contract on Redis, shared by every API worker."""

    def __init__(self, url: str, *, prefix: str = "cl:") -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return None if value is None else str(value)

    def set(self, key: str, value: str, *, ttl: int) -> None:
        self.client.set(self.prefix + key, value, ex=ttl)

    def add(self, key: str, value: str, *, ttl: int) -> bool:
        return bool(self.client.set(self.prefix + key, value, ex=ttl, nx=True))

    def incr(self, key: str, *, ttl: int) -> int:
        pipe = self.client.pipeline()
        pipe.incr(self.prefix + key)
        pipe.expire(self.prefix + key, ttl, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def ttl(self, key: str) -> int:
        left = int(self.client.ttl(self.prefix + key))
        return max(left, 0)

    def add_scored(self, items: dict[str, dict[str, float]], *, ttl: int,
                   drop_below: float) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key, members in items.items():
            name = self.prefix + key
            pipe.zadd(name, members)
            pipe.zremrangebyscore(name, "-inf", f"({drop_below}")
            pipe.expire(name, ttl)
        pipe.execute()

    def scored(self, keys: list[str], *, low: float, high: float
               ) -> list[list[tuple[str, float]]]:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.zrangebyscore(self.prefix + key, low, high, withscores=True)
        return [[(str(member), float(score)) for member, score in found]
                for found in pipe.execute()]

    def delete_prefix(self, prefix: str) -> int:
        doomed = list(self.client.scan_iter(match=self.prefix + prefix + "*", count=1000))
        for start in range(0, len(doomed), 1000):
            self.client.delete(*doomed[start:start + 1000])
        return len(doomed)


def build_store(redis_url: str | None, *, prefix: str = "cl:") -> Store:
    return RedisStore(redis_url, prefix=prefix) if redis_url else MemoryStore()
