"""The clock: every "now" of the platform, and the demo's travel to past moments."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from contactless.platform import clock
from contactless.platform.db import utcnow


def test_now_is_the_real_time_in_utc_outside_any_travel() -> None:
    moment = utcnow()
    assert moment.tzinfo is not None
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


def test_travel_moves_every_now_and_the_bank_date_and_comes_back() -> None:
    past = datetime(2026, 10, 31, 17, 30, tzinfo=UTC)  # 01:30 on Nov 1 in Shanghai
    with clock.travel_to(past):
        assert utcnow() == past
        assert clock.today_in("Asia/Shanghai").isoformat() == "2026-11-01"
        with clock.travel_to(past + timedelta(minutes=5)):
            assert utcnow() == past + timedelta(minutes=5)
        assert utcnow() == past
    assert utcnow() - past > timedelta(days=1)


def test_travel_keeps_the_moment_in_utc_and_refuses_naive_times() -> None:
    beijing = timezone(timedelta(hours=8))
    with clock.travel_to(datetime(2026, 11, 1, 9, 0, tzinfo=beijing)):
        assert utcnow() == datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
        assert utcnow().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"), clock.travel_to(datetime(2026, 1, 1)):
        pass
