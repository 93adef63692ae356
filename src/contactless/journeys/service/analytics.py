"""Console analytics per journey: the funnel by step, time to complete (median and p90), how
many steps people actually see, where they leave, and the split by channel and QR code."""

from __future__ import annotations

import math
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.journeys import repository
from contactless.journeys.declaration import Gettext, render_text
from contactless.journeys.models import JourneyInstance, JourneyStatus
from contactless.journeys.plugins import plugins_of
from contactless.journeys.schemas import JourneyAnalytics, SplitRow, StepFunnel
from contactless.journeys.service.engine import STEP_UP, STEP_UP_STEP, effective_status, now
from contactless.platform.context import Actor
from contactless.platform.i18n import Translator

DEFAULT_DAYS = 30


def window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    end = until or now() + timedelta(seconds=1)
    return since or end - timedelta(days=DEFAULT_DAYS), end


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def journey_analytics(session: Session, actor: Actor, *, journey_key: str, translator: Translator,
                      since: datetime | None = None,
                      until: datetime | None = None) -> JourneyAnalytics:
    """One journey's figures for instances started in [since, until) (default: 30 days);
    an RM's are the journeys started from the codes they own."""
    authorize(actor, Operation.JOURNEY_ANALYTICS_READ)
    journey = plugins_of(session).catalog.get(journey_key)
    since, until = window(since, until)
    instances = list(repository.instances_between(session, journey_key=journey.key,
                                                  since=since, until=until))
    if actor.kind == "staff" and actor.role == Role.RM.value:
        mine = plugins_of(session).sources.owned_by(session, staff_id=uuid.UUID(actor.id))
        instances = [i for i in instances if i.source_qr_code_id in mine]
    return _figures(session, journey_key, render_text(journey.title, translator),
                    [(step.key, step.title) for step in journey.steps], instances,
                    since, until, translator)


def overview(session: Session, actor: Actor, *, translator: Translator,
             since: datetime | None = None,
             until: datetime | None = None) -> list[JourneyAnalytics]:
    """Every journey's figures side by side."""
    return [journey_analytics(session, actor, journey_key=journey.key, translator=translator,
                              since=since, until=until)
            for journey in plugins_of(session).catalog.all()]


def _figures(session: Session, key: str, title: str, steps: list[tuple[str, object]],
             instances: list[JourneyInstance], since: datetime, until: datetime,
             gettext: Gettext) -> JourneyAnalytics:
    at = now()
    statuses = Counter(effective_status(instance, at) for instance in instances)
    completed = [i for i in instances if i.status == JourneyStatus.COMPLETED and i.completed_at]
    durations = [(i.completed_at - i.started_at).total_seconds() for i in completed
                 if i.completed_at is not None]
    timings = repository.step_timings(session, [instance.id for instance in instances])
    entered: Counter[str] = Counter()
    done: Counter[str] = Counter()
    seconds: dict[str, list[float]] = defaultdict(list)
    shown: Counter[uuid.UUID] = Counter()
    for instance_id, step_key, entered_at, completed_at in timings:
        entered[step_key] += 1
        if completed_at is not None:
            done[step_key] += 1
            seconds[step_key].append((completed_at - entered_at).total_seconds())
            shown[instance_id] += 1
    completed_ids = {instance.id for instance in completed}
    funnel_steps = list(steps)
    if entered[STEP_UP]:
        funnel_steps.append((STEP_UP, STEP_UP_STEP.title))
    funnel = [StepFunnel(key=step_key, title=render_text(label, gettext),
                         entered=entered[step_key], completed=done[step_key],
                         dropped=entered[step_key] - done[step_key],
                         median_seconds=statistics.median(seconds[step_key])
                         if seconds[step_key] else None)
              for step_key, label in funnel_steps]
    steps_seen = [float(shown[instance_id]) for instance_id in completed_ids]
    return JourneyAnalytics(
        journey=key, title=title, since=since, until=until, steps_declared=len(steps),
        steps_median=statistics.median(steps_seen) if steps_seen else None,
        started=len(instances), completed=statuses[JourneyStatus.COMPLETED],
        rejected=statuses[JourneyStatus.REJECTED],
        abandoned=statuses[JourneyStatus.CANCELLED] + statuses[JourneyStatus.EXPIRED],
        open=sum(statuses[s] for s in JourneyStatus.OPEN | JourneyStatus.WAITING),
        conversion=round(len(completed) / len(instances), 4) if instances else 0.0,
        median_seconds=statistics.median(durations) if durations else None,
        p90_seconds=percentile(durations, 0.9), funnel=funnel,
        by_channel=_split(instances, lambda i: i.channel),
        by_qr_code=_named_codes(session, _split([i for i in instances if i.source_qr_code_id],
                                                lambda i: str(i.source_qr_code_id))[:20]),
    )


def _named_codes(session: Session, rows: list[SplitRow]) -> list[SplitRow]:
    """The QR codes' titles and pages, from the QR-code port (outreach, when installed)."""
    sources = plugins_of(session).sources
    named = []
    for row in rows:
        source = sources.describe(session, qr_code_id=uuid.UUID(row.label))
        named.append(row.model_copy(update={"name": source.title, "link": source.link})
                     if source is not None else row)
    return named


def _split(instances: list[JourneyInstance],
           label: Callable[[JourneyInstance], str]) -> list[SplitRow]:
    started: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    for instance in instances:
        name = label(instance)
        started[name] += 1
        if instance.status == JourneyStatus.COMPLETED:
            completed[name] += 1
    return [SplitRow(label=name, started=count, completed=completed[name],
                     conversion=round(completed[name] / count, 4))
            for name, count in started.most_common()]
