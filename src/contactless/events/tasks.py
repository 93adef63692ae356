"""Scheduled behaviour-data work: profiles and tags rebuilt in full each night, queued
profile updates every minute, and saved segments' membership refreshed after them (the
stale ones) and every hour (all)."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.events import service as events
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel

JOB = SYSTEM.with_channel("job")


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    @huey.periodic_task(crontab(hour="2", minute="30"), name="events.rebuild_profiles")  # type: ignore[untyped-decorator]
    def rebuild_profiles() -> int:
        """Every profile and tag from the core and the lake, then every segment."""
        with kernel.db.session() as session:
            report = events.rebuild_profiles(session, JOB)
        with kernel.db.session() as session:
            events.refresh_segments(session, JOB, stale_only=False)
        return report.profiles

    @huey.periodic_task(crontab(minute="*"), name="events.update_profiles")  # type: ignore[untyped-decorator]
    def update_profiles() -> int:
        """The profiles domain events queued, then the segments they made stale."""
        with kernel.db.session() as session:
            report = events.update_pending(session)
        with kernel.db.session() as session:
            events.refresh_segments(session, JOB, stale_only=True)
        return report.profiles

    @huey.periodic_task(crontab(minute="40"), name="events.refresh_segments")  # type: ignore[untyped-decorator]
    def refresh_segments() -> int:
        """Every saved segment, as behaviour in the lake moves on without any profile change."""
        with kernel.db.session() as session:
            return len(events.refresh_segments(session, JOB, stale_only=False))

    return {"rebuild_profiles": rebuild_profiles, "update_profiles": update_profiles,
            "refresh_segments": refresh_segments}
