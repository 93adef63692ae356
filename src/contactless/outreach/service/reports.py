"""What RMs and managers read: the funnel of a code, my conversions, RM and channel
leaderboards (排行榜)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.customers.errors import CustomerNotFound
from contactless.identity import service as identity
from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.outreach import repository
from contactless.outreach import repository_conversions as conversions_repository
from contactless.outreach.models import ConversionStatus, QrCode, QrConversion, QrCredit, ScanResult
from contactless.outreach.service.attribution import get_policy
from contactless.outreach.service.common import code_for_view, staff_id_of, staff_name
from contactless.platform import audit
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
class Tally:
    """Conversions of one status (by share, for an RM) and their money: realised, the
    amount the books moved or kept; pending, what it would bring; lost, what left."""

    conversions: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Outcomes:
    pending: Tally
    realised: Tally
    lost: Tally


ZERO = Tally(Decimal(0), Decimal(0))


def _by_status(tallies: dict[str, Tally]) -> Outcomes:
    return Outcomes(tallies.get(ConversionStatus.PENDING, ZERO),
                    tallies.get(ConversionStatus.REALISED, ZERO),
                    tallies.get(ConversionStatus.LOST, ZERO))


@dataclass(frozen=True)
class Funnel:
    code_id: uuid.UUID
    steps: list[FunnelStep]
    rejected: dict[str, int]
    pending: int
    outcomes: Outcomes
    daily: list[tuple[date, int]]


def _drop(previous: int, current: int) -> Decimal | None:
    if previous <= 0:
        return None
    return (Decimal(previous - min(current, previous)) * 100 / previous).quantize(Decimal("0.1"))


def funnel(session: Session, actor: Actor, *, code_id: uuid.UUID, days: int = 30) -> Funnel:
    """Scans → sign-ins → journeys started → completed for a code (with its personal codes).
    Scans count accepted scans; sign-ins count distinct customers known after an accepted
    scan; journeys and completions are those attributed to the code by last touch."""
    code = code_for_view(session, actor, code_id)
    family = [code.id, *repository.child_code_ids(session, code.id)]
    counts = repository.scan_counts(session, family)
    scans = sum(n for (result, _r), n in counts.items() if result == ScanResult.ACCEPTED)
    rejected = {reason: n for (result, reason), n in counts.items()
                if result == ScanResult.REJECTED}
    pending = sum(n for (result, _r), n in counts.items() if result == ScanResult.PENDING)
    sign_ins = repository.identified_customers(session, family)
    started = conversions_repository.journeys_started(session, family)
    completed = conversions_repository.completed_journeys(session, family)
    outcomes = {status: Tally(Decimal(count), amount if status == ConversionStatus.REALISED
                              else expected)
                for status, (count, amount, expected)
                in conversions_repository.conversion_totals(session, family).items()}
    values = [("scans", "Scans", scans), ("sign_ins", "Sign-ins", sign_ins),
              ("started", "Journeys started", started), ("completed", "Completed", completed)]
    steps = []
    previous: int | None = None
    for key, label, count in values:
        steps.append(FunnelStep(key, label, count,
                                None if previous is None else _drop(previous, count)))
        previous = count
    return Funnel(code.id, steps, rejected, pending, _by_status(outcomes),
                  daily_scans(session, family, days=days, created_at=code.created_at))


def daily_scans(session: Session, code_ids: list[uuid.UUID], *, days: int = 30,
                created_at: datetime | None = None) -> list[tuple[date, int]]:
    """Accepted scans per day in the bank's time zone, the last ``days`` days, zeros kept;
    a code made since starts on the day it was made (or of its first scan, if earlier)."""
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    moments = [moment.astimezone(zone).date()
               for moment in repository.scan_times(session, code_ids, since=since)]
    if created_at is not None:
        born = min([created_at.astimezone(zone).date(), *moments])
        first = min(max(first, born), today)
    per_day = {first + timedelta(days=n): 0 for n in range((today - first).days + 1)}
    for day in moments:
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
    code = code_for_view(session, actor, code_id)
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
    settled_at: datetime | None
    status: str
    kind: str
    journeys: int
    code_id: uuid.UUID
    code_title: str
    channel: str
    product: str
    customer: str | None
    amount: Decimal
    expected: Decimal
    currency: str
    share: Decimal
    credited: Decimal
    credited_expected: Decimal
    window_days: int


@dataclass(frozen=True)
class MyConversions:
    credits: list[Credit]
    outcomes: Outcomes
    window_days: int

    @property
    def conversions(self) -> Decimal:
        """Realised conversions credited (by share)."""
        return self.outcomes.realised.conversions

    @property
    def amount(self) -> Decimal:
        return self.outcomes.realised.amount


def _credit(session: Session, credit: QrCredit, conversion: QrConversion, code: QrCode) -> Credit:
    return Credit(conversion.completed_at, conversion.touched_at, conversion.settled_at,
                  conversion.status, conversion.kind, conversion.journeys,
                  code.parent_id or code.id, code.title, code.channel, conversion.product,
                  _masked_customer(session, conversion.customer_id), conversion.amount,
                  conversion.expected_amount, conversion.currency, credit.share,
                  credit.amount, credit.expected, conversion.window_days)


def _rm_outcomes(tallies: dict[tuple[uuid.UUID, str], tuple[Decimal, Decimal, Decimal]],
                 staff_id: uuid.UUID) -> Outcomes:
    found: dict[str, Tally] = {}
    for status in (ConversionStatus.PENDING, ConversionStatus.REALISED, ConversionStatus.LOST):
        shares, amount, expected = tallies.get((staff_id, status),
                                               (Decimal(0), Decimal(0), Decimal(0)))
        money = amount if status == ConversionStatus.REALISED else expected
        found[status] = Tally(shares / 100, money)
    return _by_status(found)


def my_conversions(session: Session, actor: Actor, *, limit: int = 200,
                   currency: str = DEFAULT_CURRENCY) -> MyConversions:
    """The conversions credited to the actor, latest first, with their share of each, and
    the pending, realised and lost totals (all time)."""
    authorize(actor, Operation.OUTREACH_REPORT_READ)
    staff_id = staff_id_of(actor)
    rows = conversions_repository.credits_of(session, [staff_id], limit=limit)
    credits = [_credit(session, credit, conversion, code) for credit, conversion, code in rows]
    tallies = conversions_repository.credit_tallies(session, [staff_id], currency=currency)
    return MyConversions(credits, _rm_outcomes(tallies, staff_id),
                         get_policy(session).attribution_window_days)


# ---- leaderboards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RmRank:
    staff_id: uuid.UUID
    name: str
    branch_code: str
    branch_name: str
    codes: int
    scans: int
    sign_ins: int
    outcomes: Outcomes
    position: int = 0  # 1 for the first of the board

    @property
    def conversions(self) -> Decimal:
        """Realised conversions credited (by share): what the board ranks by, with money."""
        return self.outcomes.realised.conversions

    @property
    def amount(self) -> Decimal:
        return self.outcomes.realised.amount


@dataclass(frozen=True)
class BranchRank:
    branch_code: str
    branch_name: str
    rms: int
    outcomes: Outcomes


@dataclass(frozen=True)
class ChannelRank:
    channel: str
    codes: int
    scans: int
    sign_ins: int
    outcomes: Outcomes

    @property
    def conversions(self) -> int:
        return int(self.outcomes.realised.conversions)

    @property
    def amount(self) -> Decimal:
        return self.outcomes.realised.amount


@dataclass(frozen=True)
class CodeRank:
    code_id: uuid.UUID
    title: str
    channel: str
    owner: str
    outcomes: Outcomes


def _since(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def _rank(outcomes: Outcomes) -> tuple[Decimal, Decimal, Decimal]:
    """Realised money first, then realised conversions, then what is pending."""
    return (-outcomes.realised.amount, -outcomes.realised.conversions,
            -outcomes.pending.amount)


RM_BOARD_TOP = 10


def is_rm(actor: Actor) -> bool:
    return actor.kind == "staff" and actor.role == Role.RM.value


def rm_leaderboard(session: Session, actor: Actor, *, days: int = 30,
                   currency: str = DEFAULT_CURRENCY, top: int = RM_BOARD_TOP) -> list[RmRank]:
    """RMs in the manager's branch subtree (the whole bank at head office), ranked by the
    money their realised conversions brought or kept, then realised conversions, then
    pending money, over the last ``days`` days (a conversion counts in the period it was
    realised or lost, a pending one in the period of its latest journey). An RM is ranked
    among the bank's RMs and reads the top of the board and their own row only."""
    authorize(actor, Operation.LEADERBOARD_READ)
    board = _ranked_rms(session, SYSTEM if is_rm(actor) else actor, days=days,
                        currency=currency)
    if not is_rm(actor):
        return board
    return [r for r in board if r.position <= top or str(r.staff_id) == actor.id]


def _ranked_rms(session: Session, actor: Actor, *, days: int,
                currency: str) -> list[RmRank]:
    staff = identity.list_staff(session, actor, role=Role.RM.value)
    ids = [s.id for s in staff]
    since = _since(days)
    scans = repository.rm_scan_stats(session, ids, since=since)
    codes = repository.rm_code_counts(session, ids)
    tallies = conversions_repository.credit_tallies(session, ids, since=since, currency=currency)
    ranks = [RmRank(s.id, s.display_name, s.branch_code, s.branch_name, codes.get(s.id, 0),
                    scans.get(s.id, (0, 0))[0], scans.get(s.id, (0, 0))[1],
                    _rm_outcomes(tallies, s.id)) for s in staff]
    ordered = sorted(ranks, key=lambda r: (*_rank(r.outcomes), -r.scans, r.name))
    return [replace(rank, position=n) for n, rank in enumerate(ordered, start=1)]


def branch_leaderboard(ranks: list[RmRank]) -> list[BranchRank]:
    """The RMs' figures summed per branch, ranked like the RMs."""
    branches: dict[str, list[RmRank]] = {}
    for rank in ranks:
        branches.setdefault(rank.branch_code, []).append(rank)

    def total(rows: list[RmRank], status: str) -> Tally:
        tallies = [getattr(r.outcomes, status) for r in rows]
        return Tally(sum((t.conversions for t in tallies), Decimal(0)),
                     sum((t.amount for t in tallies), Decimal(0)))

    found = [BranchRank(code, rows[0].branch_name, len(rows), Outcomes(total(rows, "pending"),
                                                  total(rows, "realised"), total(rows, "lost")))
             for code, rows in branches.items()]
    return sorted(found, key=lambda b: (*_rank(b.outcomes), b.branch_code))


def _group_outcomes(rows: dict[tuple[Any, str], tuple[int, Decimal, Decimal]],
                    key: Any) -> Outcomes:
    found: dict[str, Tally] = {}
    for status in (ConversionStatus.PENDING, ConversionStatus.REALISED, ConversionStatus.LOST):
        count, amount, expected = rows.get((key, status), (0, Decimal(0), Decimal(0)))
        found[status] = Tally(Decimal(count),
                              amount if status == ConversionStatus.REALISED else expected)
    return _by_status(found)


def channel_leaderboard(session: Session, actor: Actor, *, days: int = 30,
                        currency: str = DEFAULT_CURRENCY) -> list[ChannelRank]:
    """Channels (chat, SMS, poster, partner, campaigns) of the codes made in the manager's
    subtree, ranked by realised money, then realised conversions, then scans (an RM reads
    none: the channels are the branch's figures)."""
    authorize(actor, Operation.LEADERBOARD_READ)
    if is_rm(actor):
        return []
    path = identity.scope_path(actor)
    since = _since(days)
    stats = repository.channel_stats(session, path, since=since)
    tallies = conversions_repository.conversion_tallies(session, path, by_code=False,
                                                        since=since, currency=currency)
    for channel, _status in tallies:
        stats.setdefault(channel, {"codes": 0, "scans": 0, "customers": 0})
    ranks = [ChannelRank(channel, s["codes"], s["scans"], s["customers"],
                         _group_outcomes(tallies, channel)) for channel, s in stats.items()]
    return sorted(ranks, key=lambda r: (*_rank(r.outcomes), -r.scans, r.channel))


def code_leaderboard(session: Session, actor: Actor, *, days: int = 30, limit: int = 20,
                     currency: str = DEFAULT_CURRENCY) -> list[CodeRank]:
    """The codes of the manager's subtree (an RM: the codes they own) with conversions in
    the period, best first."""
    authorize(actor, Operation.LEADERBOARD_READ)
    tallies = conversions_repository.conversion_tallies(
        session, None if is_rm(actor) else identity.scope_path(actor), by_code=True,
        since=_since(days), currency=currency)
    wanted = {code_id for code_id, _status in tallies}
    if is_rm(actor):
        wanted &= set(repository.owned_code_family(session, staff_id_of(actor)))
    codes = {code.id: code for code in repository.codes_by_ids(session, wanted)}
    ranks = [CodeRank(code.id, code.title, code.channel, staff_name(session, code.created_by),
                      _group_outcomes(tallies, code.id)) for code in codes.values()]
    return sorted(ranks, key=lambda r: (*_rank(r.outcomes), r.title, str(r.code_id)))[:limit]


# ---- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("conversion", "status", "kind", "product", "customer", "code", "channel",
                  "rm", "branch", "share_percent", "credited", "credited_expected", "currency",
                  "journeys", "completed_at", "settled_at")


def export_conversions(session: Session, actor: Actor, *, days: int = 90,
                       limit: int = 50_000) -> list[dict[str, str]]:
    """One row per credit in the actor's scope with activity in the last ``days`` days: an
    RM's own; a branch manager's RMs; the whole bank for an admin. Customers are masked."""
    authorize(actor, Operation.CONVERSIONS_EXPORT)
    if actor.kind == "staff" and actor.role == Role.RM.value:
        me = staff_id_of(actor)
        own_branch = (actor.branch_path or "").strip("/").rsplit("/", 1)[-1]
        staff = {me: (actor.display or "", own_branch)}
    else:
        staff = {s.id: (s.display_name, s.branch_code)
                 for s in identity.list_staff(session, actor, role=Role.RM.value)}
    rows = conversions_repository.credits_of(session, list(staff), limit=limit, since=_since(days))
    export = []
    for credit, conversion, code in rows:
        name, branch = staff.get(credit.staff_id, ("", ""))
        export.append({
            "conversion": str(conversion.id), "status": conversion.status,
            "kind": conversion.kind, "product": conversion.product,
            "customer": _masked_customer(session, conversion.customer_id) or "",
            "code": code.title, "channel": code.channel, "rm": name, "branch": branch,
            "share_percent": str(credit.share), "credited": str(credit.amount),
            "credited_expected": str(credit.expected), "currency": credit.currency,
            "journeys": str(conversion.journeys),
            "completed_at": conversion.completed_at.isoformat(),
            "settled_at": conversion.settled_at.isoformat() if conversion.settled_at else ""})
    audit.record(session, actor, action="outreach.conversions_exported",
                 target_type="qr_conversion", target_id="export",
                 details={"rows": len(export), "days": days})
    return export
