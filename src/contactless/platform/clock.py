"""The bank's clock and calendar: business dates are days in the bank's time zone, not UTC.

Every "now" in the platform comes from :func:`now`. The demo bank builds its history by running
the real services as of past moments (:func:`travel_to`); nothing else moves the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from contactless.settings import Settings

_as_of: ContextVar[datetime | None] = ContextVar("contactless_as_of", default=None)


def now() -> datetime:
    """The current moment in UTC (or the moment travelled to)."""
    return _as_of.get() or datetime.now(UTC)


@contextmanager
def travel_to(moment: datetime) -> Iterator[None]:
    """Run the block as of ``moment`` (timezone-aware), in this thread or task only."""
    if moment.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware moment")
    token = _as_of.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _as_of.reset(token)


def today_in(zone: str) -> date:
    return now().astimezone(ZoneInfo(zone)).date()


def bank_today(settings: Settings) -> date:
    return today_in(settings.timezone)
