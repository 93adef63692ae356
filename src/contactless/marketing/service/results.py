"""A campaign's results (活动效果): audience, reached, converted, the conversion rate against
the control group, uplift with a 95 % confidence interval (two proportions, normal
approximation), the money the conversions kept or brought in, per RM and per branch."""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.marketing.models import (
    CallTask,
    CampaignMember,
    CampaignSend,
    InboxMessage,
    SendStatus,
    TaskOutcome,
)
from contactless.marketing.service.campaigns import get_campaign
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import kernel_of

Z95 = 1.959964
REACHED = (TaskOutcome.REACHED.value, TaskOutcome.INTERESTED.value,
           TaskOutcome.DECLINED.value, TaskOutcome.CONVERTED.value)


@dataclass(frozen=True)
class Group:
    """One part of the audience (treatment or control, an RM's, a branch's)."""

    key: str
    name: str
    members: int
    converted: int
    money: Decimal

    @property
    def rate(self) -> float:
        return self.converted / self.members if self.members else 0.0


@dataclass(frozen=True)
class Results:
    audience: int
    treatment: Group
    control: Group
    sent: int
    reached: int
    messages_read: int
    tasks: int
    uplift: float
    low: float
    high: float
    by_rm: list[Group]
    by_branch: list[Group]
    days: list[tuple[str, int]]


def uplift(treated: Group, control: Group) -> tuple[float, float, float]:
    """p(treated) − p(control) and its 95 % interval; no control group: no interval."""
    difference = treated.rate - control.rate
    if not treated.members or not control.members:
        return difference, difference, difference
    spread = math.sqrt(treated.rate * (1 - treated.rate) / treated.members
                       + control.rate * (1 - control.rate) / control.members)
    return difference, difference - Z95 * spread, difference + Z95 * spread


def _groups(session: Session, campaign_id: uuid.UUID, column: Any) -> list[Any]:
    converted = func.sum(case((CampaignMember.converted_at.is_not(None), 1), else_=0))
    money = func.sum(case((CampaignMember.converted_at.is_not(None),
                           CampaignMember.conversion_amount), else_=None))
    return list(session.execute(
        select(column, func.count(), func.coalesce(converted, 0).cast(Integer), money)
        .where(CampaignMember.campaign_id == campaign_id)
        .group_by(column)))


def _count(session: Session, query: object) -> int:
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def campaign_results(session: Session, actor: Actor, *, campaign_id: uuid.UUID) -> Results:
    """Everything the dashboard shows, read in a handful of grouped queries."""
    get_campaign(session, actor, campaign_id=campaign_id)
    parts = {bool(key): Group("control" if key else "treatment", "", n, c, money or Decimal(0))
             for key, n, c, money in _groups(session, campaign_id, CampaignMember.control)}
    treated = parts.get(False, Group("treatment", "", 0, 0, Decimal(0)))
    control = parts.get(True, Group("control", "", 0, 0, Decimal(0)))
    tasks = _count(session, select(func.count()).select_from(CallTask)
                   .where(CallTask.campaign_id == campaign_id))
    reached_calls = _count(session, select(func.count()).select_from(CallTask).where(
        CallTask.campaign_id == campaign_id, CallTask.outcome.in_(REACHED)))
    read = _count(session, select(func.count()).select_from(InboxMessage).where(
        InboxMessage.campaign_id == campaign_id, InboxMessage.read_at.is_not(None)))
    sent = _count(session, select(func.count(func.distinct(CampaignSend.customer_id))).where(
        CampaignSend.campaign_id == campaign_id, CampaignSend.status == SendStatus.SENT.value))
    difference, low, high = uplift(treated, control)
    names = {str(ref.id): ref.display_name for ref in identity.list_rms(session)}
    branches = {str(b.id): b.name for b in identity.list_branches(session, SYSTEM)}
    by_rm = _named(_groups(session, campaign_id, CampaignMember.rm_id), names)
    by_branch = _named(_groups(session, campaign_id, CampaignMember.branch_id), branches)
    days = _by_bank_day(session, campaign_id)
    return Results(treated.members + control.members, treated, control, sent,
                   reached_calls + read, read, tasks,
                   difference, low, high, by_rm, by_branch, days)


def _by_bank_day(session: Session, campaign_id: uuid.UUID) -> list[tuple[str, int]]:
    """The treatment's conversions per day in the bank's zone (a renewal at 07:00 in
    Shanghai is that day's, not the UTC day before)."""
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    moments = session.scalars(select(CampaignMember.converted_at).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.converted_at.is_not(None),
        CampaignMember.control.is_(False)))
    counted = Counter(moment.astimezone(zone).date().isoformat() for moment in moments
                      if moment is not None)
    return sorted(counted.items())


def _named(rows: list[Any], names: dict[str, str]) -> list[Group]:
    groups = [Group(str(key), names.get(str(key), str(key)[:8]), n, c, money or Decimal(0))
              for key, n, c, money in rows]
    return sorted(groups, key=lambda group: (-group.money, -group.converted, group.name))


def results_csv(results: Results) -> str:
    """The results as CSV: the two groups, then every RM and branch."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["part", "key", "name", "members", "converted", "rate", "money"])
    rows = [("group", results.treatment), ("group", results.control),
            *(("rm", g) for g in results.by_rm), *(("branch", g) for g in results.by_branch)]
    for part, group in rows:
        writer.writerow([part, group.key, group.name, group.members, group.converted,
                         f"{group.rate:.4f}", f"{group.money:.2f}"])
    writer.writerow(["uplift", "", "", "", "", f"{results.uplift:.4f}",
                     f"[{results.low:.4f}, {results.high:.4f}]"])
    return out.getvalue()
