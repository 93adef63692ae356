"""Scheduled core-banking work: the daily maturity run (idempotent, so it runs hourly)."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.corebank import service as corebank
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    @huey.periodic_task(crontab(minute="5"), name="corebank.run_maturities")  # type: ignore[untyped-decorator]
    def run_maturities() -> int:
        """Whatever matures today in the bank's zone; a second run the same day does nothing."""
        with kernel.db.session() as session:
            report = corebank.run_maturities(session, SYSTEM.with_channel("job"),
                                             on=bank_today(kernel.settings))
        return len(report.deposits)

    return {"run_maturities": run_maturities}
