"""Online features in the real-time store: two API workers (two engines on one Redis) share
a card's windows, and the Redis windows equal the in-process ones transaction by transaction."""

from __future__ import annotations

import random
import threading
import uuid

import redis

from contactless.risk.features import FEATURES, FeatureEngine, Transaction
from contactless.risk.online import MemoryFeatureStore, RedisFeatureStore
from tests.conftest import REDIS_URL


def _history(count: int) -> list[Transaction]:
    rng = random.Random(7)
    moment = 0.0
    out = []
    for index in range(count):
        moment += rng.expovariate(1 / 3000)
        out.append(Transaction(f"tx{index}", moment, f"card{rng.randrange(6)}",
                               f"shop{rng.randrange(4)}", round(rng.uniform(1, 300), 2),
                               int(moment // 86400) % 7, int(moment // 3600) % 24,
                               rng.random() < 0.1))
    return out


def test_redis_windows_equal_the_replayed_ones_across_two_workers() -> None:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    workers = [RedisFeatureStore(client, prefix=prefix, label_delay_days=1) for _ in range(2)]
    offline = FeatureEngine(label_delay_days=1)
    try:
        for index, tx in enumerate(_history(800)):
            online, _usual = workers[index % 2].observe(tx)  # alternate workers
            assert online == offline.observe(tx)
    finally:
        keys = client.keys(prefix + "*")
        if keys:
            client.delete(*keys)


def test_a_late_label_counts_in_the_store_as_in_the_replay() -> None:
    day = 86_400.0
    for store in (MemoryFeatureStore(label_delay_days=7),
                  RedisFeatureStore(redis.Redis.from_url(REDIS_URL, decode_responses=True),
                                    prefix=f"t{uuid.uuid4().hex[:8]}:", label_delay_days=7)):
        store.observe(Transaction("a", 0.0, "card-a", "shop", 10.0, 0, 12))
        assert store.label("a", fraud=True)
        row, _ = store.observe(Transaction("b", 8 * day, "card-b", "shop", 10.0, 0, 12, False))
        assert row[FEATURES.index("terminal_frauds_7d")] == 1.0


def test_concurrent_decisions_on_one_card_in_two_workers_all_count() -> None:
    # two stores are two API processes (each its own locks); threads in each race on one
    # card and one terminal: every decision is counted once, none is lost to a lost update
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    workers = [RedisFeatureStore(client, prefix=prefix, label_delay_days=1) for _ in range(2)]

    def decide(worker: RedisFeatureStore, thread: int) -> None:
        for index in range(40):
            worker.observe(Transaction(f"tx{thread}-{index}", 1000.0 + index, "card", "shop",
                                       10.0, 0, 12))

    try:
        threads = [threading.Thread(target=decide, args=(workers[number % 2], number))
                   for number in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        row, usual = workers[0].observe(Transaction("last", 2000.0, "card", "shop", 10.0, 0, 12))
        assert row[FEATURES.index("card_count_1d")] == 6 * 40 + 1
        assert usual[1] == 6 * 40
    finally:
        keys = client.keys(prefix + "*")
        if keys:
            client.delete(*keys)
