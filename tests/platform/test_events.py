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


def test_events_nobody_listens_to_are_kept_as_delivered_records(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        publish(session, "nobody.listens", {"n": 1})
    with kernel.db.session() as session:
        [row] = session.scalars(select(OutboxEvent)).all()
    assert row.delivered_at is not None
    assert kernel.bus.deliver_pending() == 0


def test_a_handlers_effects_and_the_delivery_mark_commit_together(kernel: Kernel) -> None:
    from contactless.platform import audit
    from contactless.platform.context import SYSTEM

    def write_then_fail(session: object, event: DomainEvent) -> None:
        audit.record(session, SYSTEM, action="handler.wrote", target_type="event",  # type: ignore[arg-type]
                     target_id=event.id)
        raise ValueError("after writing")

    kernel.bus.subscribe("thing.done", write_then_fail)
    with kernel.db.session() as session:
        publish(session, "thing.done", {"n": 1})
    with kernel.db.session() as session:
        assert audit.search(session, action="handler.wrote") == []
        [row] = session.scalars(select(OutboxEvent)).all()
    assert row.delivered_at is None
    assert row.attempts == 1


def test_a_batch_handler_gets_every_event_of_a_delivery_in_one_call(kernel: Kernel) -> None:
    calls: list[list[int]] = []
    one_by_one: list[int] = []
    kernel.bus.subscribe("thing.done", lambda _s, events: calls.append(
        [e.payload["n"] for e in events]), batch=True)
    kernel.bus.subscribe("thing.other", lambda _s, events: calls.append(
        [e.payload["n"] for e in events]), batch=True)
    kernel.bus.subscribe("thing.done", lambda _s, event: one_by_one.append(event.payload["n"]))
    with kernel.db.session() as session:
        for n in range(5):
            publish(session, "thing.done", {"n": n})
        publish(session, "thing.other", {"n": 99})
    # two subscriptions, two calls; each with its own topic's events, in order
    assert sorted(calls) == [[0, 1, 2, 3, 4], [99]]
    assert one_by_one == [0, 1, 2, 3, 4]
    assert kernel.bus.deliver_pending() == 0


def test_one_failing_event_of_a_batch_waits_and_the_others_are_delivered(kernel: Kernel) -> None:
    taken: list[int] = []

    def picky(_session: object, events: list[DomainEvent]) -> None:
        if any(event.payload["n"] == 2 for event in events):
            raise ValueError("not this one")
        taken.extend(event.payload["n"] for event in events)

    kernel.bus.subscribe("thing.done", picky, batch=True)
    with kernel.db.session() as session:
        for n in range(4):
            publish(session, "thing.done", {"n": n})
    assert taken == [0, 1, 3]  # the batch failed, then went one by one
    with kernel.db.session() as session:
        waiting = session.scalars(select(OutboxEvent).where(
            OutboxEvent.delivered_at.is_(None))).all()
    assert [row.payload["n"] for row in waiting] == [2]
    assert "not this one" in str(waiting[0].last_error)
