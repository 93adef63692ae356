"""Real-time store for counters, rate limits and one-time codes: in-process, or Redis at scale."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, *, ttl: int) -> None: ...

    def incr(self, key: str, *, ttl: int) -> int:
        """Add one; the key's lifetime starts at its first increment."""
        ...

    def delete(self, key: str) -> None: ...

    def ttl(self, key: str) -> int:
        """Seconds left, or 0 when the key is absent."""
        ...


class MemoryStore:
    """A thread-safe in-process store with expiry: the embedded default."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> tuple[str, float] | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._live(key)
            return item[0] if item else None

    def set(self, key: str, value: str, *, ttl: int) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl)

    def incr(self, key: str, *, ttl: int) -> int:
        with self._lock:
            item = self._live(key)
            if item is None:
                self._data[key] = ("1", time.monotonic() + ttl)
                return 1
            value = int(item[0]) + 1
            self._data[key] = (str(value), item[1])
            return value

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def ttl(self, key: str) -> int:
        with self._lock:
            item = self._live(key)
            return max(int(item[1] - time.monotonic() + 0.999), 0) if item else 0


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


def build_store(redis_url: str | None, *, prefix: str = "cl:") -> Store:
    return RedisStore(redis_url, prefix=prefix) if redis_url else MemoryStore()
