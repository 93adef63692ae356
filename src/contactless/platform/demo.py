"""What every domain's demo seeder shares: the shape of a seeder, the progress callback, and a
moment in the bank's business hours. The demo bank (``contactless.demo``) lists the seeders."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from contactless.platform.db import utcnow

Progress = Callable[[str, int, int], None]
# (session, the demo customers' ids, the build's random generator, the demo's day, progress)
Seeder = Callable[[Session, list[uuid.UUID], random.Random, date, Progress], object]


def daytime(rng: random.Random, day: date) -> datetime:
    """A moment in the bank's business hours of ``day``, never later than two hours ago (so
    what the seeders make follow it, up to an hour later, is in the past too)."""
    at = datetime.combine(day, time(1, 0), UTC) + timedelta(seconds=rng.randint(0, 12 * 3600))
    return min(at, utcnow() - timedelta(hours=2))
