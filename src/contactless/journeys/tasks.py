"""Journey jobs: the sweep every five minutes (expiry → ``journey.abandoned``, cooling-off
actions)."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.journeys import service as journeys
from contactless.platform.kernel import Kernel


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    @huey.periodic_task(crontab(minute="*/5"), name="journeys.sweep")  # type: ignore[untyped-decorator]
    def sweep() -> dict[str, int]:
        with kernel.db.session() as session:
            report = journeys.sweep(session)
        return {"expired": report.expired, "executed": report.executed,
                "rejected": report.rejected}

    return {"journeys_sweep": sweep}
