"""Background jobs and schedules with huey: on SQLite in HOME, or on Redis at scale.

Domains add jobs in their ``tasks.py`` through ``register(huey, kernel)``, and
``contactless.app.register_jobs`` lists them; nothing is created at import time."""

from __future__ import annotations

from typing import Any

from huey import RedisHuey, SqliteHuey, crontab

from contactless.platform import audit_seal
from contactless.platform.kernel import Kernel
from contactless.settings import Settings


def build_huey(settings: Settings, *, immediate: bool = False) -> Any:
    if settings.redis_url:
        return RedisHuey("contactless", url=settings.redis_url, immediate=immediate)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("contactless", filename=str(settings.home / "jobs.db"), immediate=immediate)


def register_platform(huey: Any, kernel: Kernel) -> dict[str, Any]:
    """The kernel's own jobs: redelivering domain events, sealing and anchoring the audit
    trail (writers seal within seconds while the bank is busy; these catch a quiet bank)."""
    @huey.periodic_task(crontab(minute="*"), name="platform.deliver_events")  # type: ignore[untyped-decorator]
    def deliver_events() -> int:
        """Retry domain events whose delivery failed after their commit."""
        return kernel.bus.deliver_pending()

    @huey.periodic_task(crontab(minute="*"), name="platform.seal_audit")  # type: ignore[untyped-decorator]
    def seal_audit() -> int:
        """Seal the audit entries written since the last seal."""
        return sum(done.entries for done in audit_seal.seal_all(kernel))

    @huey.periodic_task(crontab(minute="*"), name="platform.anchor_audit")  # type: ignore[untyped-decorator]
    def anchor_audit() -> int | None:
        """Seal, then append the sealed head to the anchor file; returns its sequence number."""
        anchor = audit_seal.seal_and_anchor(kernel)
        return None if anchor is None else int(anchor["seq"])

    return {"deliver_events": deliver_events, "seal_audit": seal_audit,
            "anchor_audit": anchor_audit}
