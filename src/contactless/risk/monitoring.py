"""Watching the champion model (模型监控): for one day of the bank's calendar, how far the
features and the score of its decisions have moved from its training rows (PSI, ``drift.py``)
and how precise the engine's review and block decisions were, among those whose label is known.

A report is a row of ``risk_drift_report``, not an entry of the model registry: it summarises
decisions, which live in the database, so it is written in the job's transaction with its audit
entry and its history can be queried beside them; and ``registry.json`` is rewritten whole and
reloaded by every worker when it changes, which a daily report has no reason to cause.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.platform import audit
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.kernel import kernel_of
from contactless.risk import drift
from contactless.risk.errors import DriftUnavailable
from contactless.risk.manage import registry_of
from contactless.risk.models import RiskDecision, RiskDriftReport, Verdict
from contactless.risk.registry import Registry

PRECISION_DAYS = 30  # labels come days after a decision: precision looks back this far
MIN_DECISIONS = 100  # fewer decisions than this make a PSI of noise: nothing is flagged
FLAGGED = ("review", "block")
CHUNK = 5_000


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The first moment of ``day`` in the bank's zone and of the day after."""
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    return start, start + timedelta(days=1)


def report_drift(session: Session, actor: Actor, *, day: date,
                 registry: Registry | None = None) -> dict[str, Any]:
    """Measure ``day``'s decisions by the current champion against its training reference
    and store the report (replacing one of the same day and model). Decisions without an
    amount (sign-ins, money-less journeys) are left out: the model was trained on payments."""
    authorize(actor, Operation.RISK_MODELS_MANAGE)
    kernel = kernel_of(session)
    registry = registry or registry_of(kernel)
    version = registry.index().get("champion")
    if version is None:
        raise DriftUnavailable("there is no champion model to report drift on")
    reference = registry.reference(version)
    if reference is None:
        raise DriftUnavailable("the champion {version} was registered without a training "
                               "reference", version=version)
    start, end = day_bounds(day, kernel.settings.timezone)
    tally = drift.Tally(reference)
    query = (select(RiskDecision.features)
             .where(RiskDecision.at >= start, RiskDecision.at < end,
                    RiskDecision.model_version == version, RiskDecision.amount.is_not(None))
             .execution_options(yield_per=CHUNK))
    for rows in session.execute(query).scalars().partitions():
        tally.add(list(rows))
    measured = tally.report()
    enough = tally.rows >= MIN_DECISIONS
    values = [value for value in measured["features"].values() if value is not None]
    report = {
        "day": day.isoformat(), "model_version": version,
        "algorithm": registry.entry(registry.index(), version)["algorithm"],
        "decisions": tally.rows, "enough": enough, "threshold": drift.SHIFTED,
        "features": measured["features"], "score": measured["score"],
        "shifted": measured["shifted"] if enough else [],
        "not_compared": measured["not_compared"],
        "reference_rows": reference.get("rows"),
        "precision": recent_precision(session, until=end),
    }
    _store(session, actor, day=day, report=report, max_psi=max(values, default=None))
    return report


def recent_precision(session: Session, *, until: datetime,
                     days: int = PRECISION_DAYS) -> dict[str, Any]:
    """Of the review and block decisions of the ``days`` before ``until`` whose label is
    known, the share that were fraud."""
    since = until - timedelta(days=days)
    rows = session.execute(
        select(RiskDecision.label, func.count())
        .where(RiskDecision.at >= since, RiskDecision.at < until,
               RiskDecision.outcome.in_(FLAGGED))
        .group_by(RiskDecision.label)).all()
    counts = {label: int(count) for label, count in rows}
    labelled = sum(count for label, count in counts.items() if label is not None)
    frauds = counts.get(Verdict.FRAUD.value, 0)
    return {"since": since.isoformat(), "until": until.isoformat(),
            "flagged": sum(counts.values()), "labelled": labelled, "frauds": frauds,
            "precision": round(frauds / labelled, 6) if labelled else None}


def _store(session: Session, actor: Actor, *, day: date, report: dict[str, Any],
           max_psi: float | None) -> None:
    row = session.scalars(select(RiskDriftReport).where(
        RiskDriftReport.day == day,
        RiskDriftReport.model_version == report["model_version"])).first()
    if row is None:
        row = RiskDriftReport(day=day, model_version=report["model_version"],
                              decisions=0, report={})
        session.add(row)
    row.decisions = report["decisions"]
    row.max_psi = max_psi
    row.report = report
    session.flush()
    audit.record(session, actor, action="risk.drift_reported", target_type="risk_drift_report",
                 target_id=row.id, details={"day": report["day"],
                                            "model": report["model_version"],
                                            "decisions": report["decisions"],
                                            "shifted": report["shifted"]})


def report_yesterday(session: Session, actor: Actor) -> dict[str, Any] | None:
    """The daily job: yesterday's report (in the bank's calendar) for the champion, unless
    it was made already or there is nothing to report on (no champion, no reference)."""
    kernel = kernel_of(session)
    registry = registry_of(kernel)
    day = bank_today(kernel.settings) - timedelta(days=1)
    version = registry.index().get("champion")
    if version is None or registry.reference(version) is None:
        return None
    done = session.scalar(select(func.count()).select_from(RiskDriftReport).where(
        RiskDriftReport.day == day, RiskDriftReport.model_version == version))
    if done:
        return None
    return report_drift(session, actor, day=day, registry=registry)


def drift_reports(session: Session, actor: Actor, *, version: str | None = None,
                  limit: int = 30) -> list[dict[str, Any]]:
    """The newest reports first (of one model version when given)."""
    authorize(actor, Operation.RISK_READ)
    query = select(RiskDriftReport.report).order_by(RiskDriftReport.day.desc(),
                                                    RiskDriftReport.created_at.desc())
    if version is not None:
        query = query.where(RiskDriftReport.model_version == version)
    return [dict(report) for report in session.scalars(query.limit(limit))]


__all__ = ["day_bounds", "drift_reports", "recent_precision", "report_drift",
           "report_yesterday"]
