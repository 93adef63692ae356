"""Partner jobs: sending the webhooks that are due, every minute. The worker delivers retried
domain events too, so it follows partners' journeys as the web processes do."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.partners import service as partners
from contactless.platform.kernel import Kernel


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    partners.subscribe_journeys(kernel.bus)
    partners.register_event_type(kernel)

    @huey.periodic_task(crontab(minute="*"), name="partners.deliver_webhooks")  # type: ignore[untyped-decorator]
    def deliver_webhooks() -> dict[str, int]:
        """Send every webhook delivery that is due; record each attempt and what comes next."""
        report = partners.deliver_due(kernel)
        return {"sent": report.sent, "delivered": report.delivered,
                "retrying": report.retrying, "failed": report.failed}

    return {"partners_deliver_webhooks": deliver_webhooks}
