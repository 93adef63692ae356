"""The bank's calendar: business dates are days in the bank's time zone, not UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from contactless.settings import Settings


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def bank_today(settings: Settings) -> date:
    return today_in(settings.timezone)
