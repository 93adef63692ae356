from sqlalchemy import select

from contactless.app import register_jobs
from contactless.platform.events import OutboxEvent, publish
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel


def test_the_periodic_job_redelivers_events_left_by_a_failed_subscriber(kernel: Kernel) -> None:
    seen: list[dict[str, object]] = []
    kernel.bus.subscribe("thing.done", lambda _s, event: seen.append(event.payload))
    kernel.bus.deliver_inline = False  # as when the process died right after the commit
    with kernel.db.session() as session:
        publish(session, "thing.done", {"n": 1})
    assert seen == []
    huey = build_huey(kernel.settings, immediate=True)
    tasks = register_jobs(huey, kernel)
    tasks["deliver_events"]()
    assert seen == [{"n": 1}]
    with kernel.db.session() as session:
        assert all(e.delivered_at for e in session.scalars(select(OutboxEvent)))
