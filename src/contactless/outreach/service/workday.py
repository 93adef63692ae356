"""An RM's day in figures (今日工作): scans today on their codes, what they realised this
month, and where they stand on the board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.identity.permissions import Operation, authorize, may
from contactless.outreach import repository
from contactless.outreach import repository_conversions as conversions_repository
from contactless.outreach.service.common import staff_id_of
from contactless.outreach.service.reports import Tally, _rm_outcomes, rm_leaderboard
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of
from contactless.platform.money import DEFAULT_CURRENCY


@dataclass(frozen=True)
class MyDay:
    scans_today: int
    customers_today: int  # distinct customers known among today's scans
    realised_this_month: Tally  # conversions (by share) and money the books realised
    position: int | None  # on the RM board of the last 30 days
    board_size: int


def my_day(session: Session, actor: Actor, *, currency: str = DEFAULT_CURRENCY) -> MyDay:
    """The actor's own figures: accepted scans since midnight (the bank's zone) on the codes
    they own, conversions realised since the first of the month credited to them, and their
    rank among the bank's RMs (the leaderboard's rule: realised money first)."""
    authorize(actor, Operation.OUTREACH_REPORT_READ)
    me = staff_id_of(actor)
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    today = utcnow().astimezone(zone).date()
    midnight = datetime.combine(today, datetime.min.time(), zone)
    month = datetime.combine(today.replace(day=1), datetime.min.time(), zone)
    scans, known = repository.rm_scan_stats(session, [me], since=midnight).get(me, (0, 0))
    tallies = conversions_repository.credit_tallies(session, [me], since=month,
                                                    currency=currency)
    position = None
    if may(actor, Operation.LEADERBOARD_READ):
        board = rm_leaderboard(session, actor, days=30, currency=currency)
        position = next((r.position for r in board if r.staff_id == me), None)
    return MyDay(scans, known, _rm_outcomes(tallies, me).realised, position,
                 len(identity.list_rms(session)))
