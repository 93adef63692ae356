"""Background jobs and schedules with huey: on SQLite in HOME, or on Redis at scale.

Domains add jobs in their ``tasks.py`` through ``register(huey, kernel)``, and
``contactless.app.register_jobs`` lists them; nothing is created at import time."""

from __future__ import annotations

from typing import Any

from huey import RedisHuey, SqliteHuey, crontab

from contactless.platform.kernel import Kernel
from contactless.settings import Settings


def build_huey(settings: Settings, *, immediate: bool = False) -> Any:
    if settings.redis_url:
        return RedisHuey("contactless", url=settings.redis_url, immediate=immediate)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("contactless", filename=str(settings.home / "jobs.db"), immediate=immediate)


def register_platform(huey: Any, kernel: Kernel) -> dict[str, Any]:
    """The kernel's own jobs: redelivering domain events."""
    @huey.periodic_task(crontab(minute="*"), name="platform.deliver_events")  # type: ignore[untyped-decorator]
    def deliver_events() -> int:
        """Retry domain events whose delivery failed after their commit."""
        return kernel.bus.deliver_pending()

    return {"deliver_events": deliver_events}
