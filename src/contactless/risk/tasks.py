"""Risk control in the worker: the champion model's daily drift and precision report.

The job runs every hour and reports the bank's yesterday once (it skips a day already
reported for the champion), so the worker's own clock and zone do not matter and a worker
that was down at midnight catches up when it starts.
"""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from contactless.risk import monitoring

JOB = SYSTEM.with_channel("job")
HOURLY = crontab(minute="17")


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    @huey.periodic_task(HOURLY, name="risk.report_drift")  # type: ignore[untyped-decorator]
    def report_drift() -> str | None:
        """Yesterday's drift report for the champion; returns the day reported, if any."""
        with kernel.db.session() as session:
            report = monitoring.report_yesterday(session, JOB)
        return None if report is None else str(report["day"])

    return {"report_drift": report_drift}
