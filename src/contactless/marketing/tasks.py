"""Marketing in the worker: the morning run (each running campaign on its day), texts and
webhooks out every minute, and the bus's reactions (``app.register_jobs`` calls this)."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.marketing import service as marketing
from contactless.platform.clock import bank_today
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel

# every quarter hour: the run itself waits for 08:00 bank time and skips campaigns whose run
# of the day finished, so the worker's own clock and zone do not matter
MORNING = crontab(minute="*/15")


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    marketing.subscribe(kernel.bus)

    @huey.periodic_task(MORNING, name="marketing.run_daily")  # type: ignore[untyped-decorator]
    def run_daily() -> int:
        """Run the day's campaigns once quiet hours end (08:00 bank time)."""
        if marketing.quiet_hours(kernel, utcnow()):
            return 0
        report = marketing.run_daily(kernel, on=bank_today(kernel.settings))
        return len(report.campaigns)

    @huey.periodic_task(crontab(minute="*"), name="marketing.deliver")  # type: ignore[untyped-decorator]
    def deliver() -> int:
        """Send queued texts and webhooks, a batch each."""
        return marketing.deliver_sms(kernel) + marketing.deliver_webhooks(kernel)

    return {"marketing_run_daily": run_daily, "marketing_deliver": deliver}
