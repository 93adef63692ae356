"""The assistant's figures: how much it solves alone, how much goes to a person, how long
people wait, and which intents it misses most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.identity.permissions import Operation, authorize
from contactless.platform.context import Actor
from contactless.platform.db import utcnow


@dataclass(frozen=True)
class Dashboard:
    since: datetime
    conversations: int  # with at least one customer message
    contained: int  # solved without a person
    handed_off: int
    waiting_now: int
    containment_rate: float | None
    handoff_rate: float | None
    mean_wait_seconds: float | None
    p90_wait_seconds: float | None
    handoff_reasons: dict[str, int]
    most_missed: list[tuple[str, int]]  # the right intent of corrected messages, most first
    confusions: list[tuple[str, str, int]]  # (predicted, right, count)


def dashboard(session: Session, actor: Actor, *, days: int = 30) -> Dashboard:
    authorize(actor, Operation.ASSISTANT_DASHBOARD_READ)
    since = utcnow() - timedelta(days=days)
    conversations = repository.conversations_since(session, since)
    counts = repository.customer_message_counts(session, [c.id for c in conversations])
    spoken = [c for c in conversations if counts.get(c.id, 0) > 0]
    handed = [c for c in spoken if c.handed_off]
    waits = sorted((c.claimed_at - c.queued_at).total_seconds() for c in handed
                   if c.claimed_at and c.queued_at)
    corrections = repository.corrections_since(session, since)
    missed = Counter(example.intent for example in corrections)
    confusions = Counter((example.predicted_intent or "-", example.intent)
                         for example in corrections)
    total = len(spoken)
    return Dashboard(
        since=since, conversations=total, contained=total - len(handed), handed_off=len(handed),
        waiting_now=sum(1 for c in spoken if c.status == "queued"),
        containment_rate=round((total - len(handed)) / total, 4) if total else None,
        handoff_rate=round(len(handed) / total, 4) if total else None,
        mean_wait_seconds=round(sum(waits) / len(waits), 1) if waits else None,
        p90_wait_seconds=waits[min(len(waits) - 1, int(0.9 * len(waits)))] if waits else None,
        handoff_reasons=dict(Counter(c.handoff_reason or "-" for c in handed)),
        most_missed=missed.most_common(10),
        confusions=[(p, r, n) for (p, r), n in confusions.most_common(10)],
    )
