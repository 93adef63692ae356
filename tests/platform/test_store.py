import time
import uuid

import pytest

from contactless.platform.store import MemoryStore, RedisStore, Store
from tests.conftest import REDIS_URL, SteppedClock


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore(monotonic=SteppedClock())
    return RedisStore(REDIS_URL, prefix=f"t{uuid.uuid4().hex[:8]}:")


def _let_pass(store: Store, seconds: float) -> None:
    # the in-process store's clock moves on; Redis expires keys on its own server's clock
    if isinstance(store, MemoryStore) and isinstance(store.monotonic, SteppedClock):
        store.monotonic.advance(seconds)
    else:
        time.sleep(seconds)


def test_counters_expire_from_their_first_increment(store: Store) -> None:
    assert store.incr("hits", ttl=1) == 1
    assert store.incr("hits", ttl=100) == 2
    assert 0 < store.ttl("hits") <= 1
    _let_pass(store, 1.2)
    assert store.get("hits") is None
    assert store.incr("hits", ttl=1) == 1


def test_values_can_be_set_read_and_deleted(store: Store) -> None:
    store.set("k", "v", ttl=30)
    assert store.get("k") == "v"
    store.delete("k")
    assert store.get("k") is None
    assert store.ttl("k") == 0


def test_add_sets_only_an_absent_key_and_keeps_its_first_lifetime(store: Store) -> None:
    assert store.add("seen", "first", ttl=1) is True
    assert store.add("seen", "second", ttl=100) is False
    assert store.get("seen") == "first"
    assert 0 < store.ttl("seen") <= 1
    _let_pass(store, 1.2)
    assert store.add("seen", "third", ttl=30) is True
    assert store.get("seen") == "third"


def test_scored_sets_keep_one_entry_per_member_and_drop_the_old(store: Store) -> None:
    store.add_scored({"w:a": {"e1": 10.0, "e2": 20.0}, "w:b": {"e9": 5.0}}, ttl=60,
                     drop_below=0)
    store.add_scored({"w:a": {"e2": 20.0, "e3": 30.0}}, ttl=60, drop_below=15)
    assert store.scored(["w:a", "w:b", "w:none"], low=0, high=100) == [
        [("e2", 20.0), ("e3", 30.0)], [("e9", 5.0)], []]
    assert store.scored(["w:a"], low=25, high=30) == [[("e3", 30.0)]]
    assert 0 < store.ttl("w:a") <= 60
    assert store.delete_prefix("w:") == 2
    assert store.scored(["w:a", "w:b"], low=0, high=100) == [[], []]
