import pytest
from sqlalchemy import select

from contactless.platform.events import DomainEvent, OutboxEvent, publish
from contactless.platform.kernel import Kernel


def test_events_are_delivered_only_after_commit(kernel: Kernel) -> None:
    seen: list[DomainEvent] = []
    kernel.bus.subscribe("thing.done", lambda _session, event: seen.append(event))
    with kernel.db.session() as session:
        publish(session, "thing.done", {"n": 1})
        assert seen == []
    assert [e.payload for e in seen] == [{"n": 1}]


def test_a_rolled_back_transaction_publishes_nothing(kernel: Kernel) -> None:
    seen: list[DomainEvent] = []
    kernel.bus.subscribe("thing.done", lambda _session, event: seen.append(event))
    def fail_after_publishing() -> None:
        with kernel.db.session() as session:
            publish(session, "thing.done", {"n": 1})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_after_publishing()
    assert seen == []
    with kernel.db.session() as session:
        assert session.scalars(select(OutboxEvent)).all() == []


def test_a_failing_subscriber_leaves_the_event_for_a_retry(kernel: Kernel) -> None:
    calls: list[int] = []

    def flaky(_session: object, event: DomainEvent) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("down")

    kernel.bus.subscribe("thing.done", flaky)
    with kernel.db.session() as session:
        publish(session, "thing.done", {"n": 1})
    assert len(calls) == 1
    assert kernel.bus.deliver_pending() == 1
    assert kernel.bus.deliver_pending() == 0
    assert len(calls) == 2
