"""What RMs and managers read: the funnel of a code, my conversions, RM and channel
leaderboards (排行榜)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.customers.errors import CustomerNotFound
from contactless.identity import service as identity
from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.outreach import repository
from contactless.outreach.models import ScanResult
from contactless.outreach.service.attribution import get_policy
from contactless.outreach.service.common import code_for_view, staff_id_of
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of
from contactless.platform.money import DEFAULT_CURRENCY


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    # share of the previous step that did not reach this one (None for the first step)
    drop_off: Decimal | None


@dataclass(frozen=True)
class Funnel:
    code_id: uuid.UUID
    steps: list[FunnelStep]
    rejected: dict[str, int]
    pending: int
    amounts: dict[str, Decimal]
    daily: list[tuple[date, int]]


def _drop(previous: int, current: int) -> Decimal | None:
    if previous <= 0:
        return None
    return (Decimal(previous - min(current, previous)) * 100 / previous).quantize(Decimal("0.1"))


def funnel(session: Session, actor: Actor, *, code_id: uuid.UUID, days: int = 30) -> Funnel:
    """Scans → sign-ins → journeys started → completed for a code (with its personal codes).
    Scans count accepted scans; sign-ins count distinct customers known after an accepted
    scan; journeys and completions are those attributed to the code by last touch."""
    code = code_for_view(session, actor, code_id, Operation.OUTREACH_REPORT_READ)
    family = [code.id, *repository.child_code_ids(session, code.id)]
    counts = repository.scan_counts(session, family)
    scans = sum(n for (result, _r), n in counts.items() if result == ScanResult.ACCEPTED)
    rejected = {reason: n for (result, reason), n in counts.items()
                if result == ScanResult.REJECTED}
    pending = sum(n for (result, _r), n in counts.items() if result == ScanResult.PENDING)
    sign_ins = repository.identified_customers(session, family)
    started = repository.journeys_started(session, family)
    completed, amounts = repository.conversion_totals(session, family)
    values = [("scans", "Scans", scans), ("sign_ins", "Sign-ins", sign_ins),
              ("started", "Journeys started", started), ("completed", "Completed", completed)]
    steps = []
    previous: int | None = None
    for key, label, count in values:
        steps.append(FunnelStep(key, label, count,
                                None if previous is None else _drop(previous, count)))
        previous = count
    return Funnel(code.id, steps, rejected, pending, amounts,
                  daily_scans(session, family, days=days))


def daily_scans(session: Session, code_ids: list[uuid.UUID], *, days: int = 30,
                ) -> list[tuple[date, int]]:
    """Accepted scans per day in the bank's time zone, the last ``days`` days, zeros kept."""
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    per_day = {first + timedelta(days=n): 0 for n in range(days)}
    for moment in repository.scan_times(session, code_ids, since=since):
        day = moment.astimezone(zone).date()
        if day in per_day:
            per_day[day] += 1
    return sorted(per_day.items())


@dataclass(frozen=True)
class ScanRow:
    scanned_at: datetime
    result: str
    reason: str | None
    customer: str | None
    ip_prefix: str
    device: str


def recent_scans(session: Session, actor: Actor, *, code_id: uuid.UUID,
                 limit: int = 50) -> list[ScanRow]:
    """The latest scans of a code, the customer masked, the device id shortened."""
    code = code_for_view(session, actor, code_id, Operation.OUTREACH_REPORT_READ)
    family = [code.id, *repository.child_code_ids(session, code.id)]
    rows = []
    for scan in repository.recent_scans(session, family, limit=limit):
        rows.append(ScanRow(scan.scanned_at, scan.result, scan.reason,
                            _masked_customer(session, scan.customer_id), scan.ip_prefix,
                            scan.device_id[:6]))
    return rows


def _masked_customer(session: Session, customer_id: uuid.UUID | None) -> str | None:
    if customer_id is None:
        return None
    try:
        person = customers.get_customer(session, SYSTEM, customer_id=customer_id)
    except CustomerNotFound:
        return None
    return f"{person.name} {person.mobile}"


# ---- my conversions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    completed_at: datetime
    touched_at: datetime
    code_id: uuid.UUID
    code_title: str
    channel: str
    product: str
    customer: str | None
    amount: Decimal
    currency: str
    share: Decimal
    credited: Decimal
    window_days: int


@dataclass(frozen=True)
class MyConversions:
    credits: list[Credit]
    conversions: Decimal
    amounts: dict[str, Decimal]
    window_days: int


def my_conversions(session: Session, actor: Actor, *, limit: int = 200) -> MyConversions:
    """The conversions credited to the actor, newest first, with their share of each."""
    authorize(actor, Operation.OUTREACH_REPORT_READ)
    staff_id = staff_id_of(actor)
    rows = repository.credits_of(session, staff_id, limit=limit)
    credits = [Credit(conversion.completed_at, conversion.touched_at, code.parent_id or code.id,
                      code.title, code.channel, conversion.product,
                      _masked_customer(session, conversion.customer_id), conversion.amount,
                      conversion.currency, credit.share, credit.amount, conversion.window_days)
               for credit, conversion, code in rows]
    conversions, amounts = repository.credit_totals(session, staff_id)
    return MyConversions(credits, conversions, amounts,
                         get_policy(session).attribution_window_days)


# ---- leaderboards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RmRank:
    staff_id: uuid.UUID
    name: str
    branch_code: str
    codes: int
    scans: int
    sign_ins: int
    conversions: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ChannelRank:
    channel: str
    codes: int
    scans: int
    sign_ins: int
    conversions: int
    amount: Decimal


def _since(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def rm_leaderboard(session: Session, actor: Actor, *, days: int = 30,
                   currency: str = DEFAULT_CURRENCY) -> list[RmRank]:
    """RMs in the manager's branch subtree (the whole bank at head office), ranked by
    conversions credited, then amount, then scans, over the last ``days`` days."""
    authorize(actor, Operation.LEADERBOARD_READ)
    staff = identity.list_staff(session, actor, role=Role.RM.value)
    ids = [s.id for s in staff]
    since = _since(days)
    scans = repository.rm_scan_stats(session, ids, since=since)
    codes = repository.rm_code_counts(session, ids)
    credits = repository.rm_credit_stats(session, ids, since=since, currency=currency)
    ranks = [RmRank(s.id, s.display_name, s.branch_code, codes.get(s.id, 0),
                    scans.get(s.id, (0, 0))[0], scans.get(s.id, (0, 0))[1],
                    credits.get(s.id, (Decimal(0), Decimal(0)))[0],
                    credits.get(s.id, (Decimal(0), Decimal(0)))[1]) for s in staff]
    return sorted(ranks, key=lambda r: (-r.conversions, -r.amount, -r.scans, r.name))


def channel_leaderboard(session: Session, actor: Actor, *, days: int = 30,
                        currency: str = DEFAULT_CURRENCY) -> list[ChannelRank]:
    """Channels (chat, SMS, poster, partner, campaigns) of the codes made in the manager's
    subtree, ranked by conversions, then scans."""
    authorize(actor, Operation.LEADERBOARD_READ)
    stats = repository.channel_stats(session, identity.scope_path(actor), since=_since(days),
                                     currency=currency)
    ranks = [ChannelRank(channel, s["codes"], s["scans"], s["customers"], s["conversions"],
                         s["amount"]) for channel, s in stats.items()]
    return sorted(ranks, key=lambda r: (-r.conversions, -r.scans, r.channel))
