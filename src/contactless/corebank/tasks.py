"""Scheduled core-banking work: the daily maturity run (idempotent, so it runs hourly) and the
quarterly interest settlement (the day after each settlement date, until complete)."""

from __future__ import annotations

from typing import Any

from huey import crontab

from contactless.corebank import service as corebank
from contactless.corebank.errors import InterestAlreadySettled
from contactless.corebank.interest import previous_settlement_date
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel

SETTLEMENT_BATCH = 5000


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    @huey.periodic_task(crontab(minute="5"), name="corebank.run_maturities")  # type: ignore[untyped-decorator]
    def run_maturities() -> int:
        """Whatever matures today in the bank's zone; a second run the same day does nothing."""
        with kernel.db.session() as session:
            report = corebank.run_maturities(session, SYSTEM.with_channel("job"),
                                             on=bank_today(kernel.settings))
        return len(report.deposits)

    @huey.periodic_task(crontab(minute="20"), name="corebank.settle_interest")  # type: ignore[untyped-decorator]
    def settle_interest() -> int:
        """结息 for the quarter that ended yesterday: on the credit day, batch by batch (each
        its own transaction); a period already complete is left alone."""
        today = bank_today(kernel.settings)
        due = previous_settlement_date(today, kernel.settings.interest_settlement_day)
        if (today - due).days != 1:
            return 0
        settled = 0
        while True:
            try:
                with kernel.db.session() as session:
                    result = corebank.settle_interest(session, SYSTEM.with_channel("job"),
                                                      settlement_date=due,
                                                      max_accounts=SETTLEMENT_BATCH)
            except InterestAlreadySettled:
                return settled
            settled += result.accounts_settled
            if result.complete:
                return settled

    return {"run_maturities": run_maturities, "settle_interest": settle_interest}
