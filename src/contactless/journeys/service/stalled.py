"""Journeys an RM's customers left half-way (办理中断): what the RM calls about today."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.journeys import repository
from contactless.journeys.declaration import render_text
from contactless.journeys.plugins import plugins_of
from contactless.journeys.service.engine import now
from contactless.platform.context import Actor
from contactless.platform.i18n import Translator

IDLE = timedelta(hours=2)


@dataclass(frozen=True)
class StalledJourney:
    journey_id: uuid.UUID
    title: str
    customer_id: uuid.UUID
    customer: str  # masked, as the console shows customers
    step: str
    position: int
    steps: int
    updated_at: datetime


def stalled_journeys(session: Session, actor: Actor, *, translator: Translator,
                     idle: timedelta = IDLE, limit: int = 20) -> list[StalledJourney]:
    """Open journeys of the customers the actor may see (an RM: their own) that got past the
    first step and then nobody touched for ``idle``, the longest waiting first."""
    people, _total = customers.list_customers(session, actor, limit=1000)
    names = {person.id: person.name for person in people}
    at = now()
    gettext = translator
    catalog = plugins_of(session).catalog
    found = []
    for instance in repository.idle_open_instances(
            session, customer_ids=list(names), idle_since=at - idle, now=at, limit=limit * 3):
        journey = catalog.get(instance.journey_key)
        keys = [step.key for step in journey.steps]
        if instance.customer_id is None or instance.current_step not in keys[1:]:
            continue  # never got past the first step: a look, not a stall
        step = journey.steps[keys.index(instance.current_step)]
        found.append(StalledJourney(
            instance.id, render_text(journey.title, gettext), instance.customer_id,
            names[instance.customer_id], render_text(step.title, gettext),
            keys.index(instance.current_step) + 1, len(keys), instance.updated_at))
    return found[:limit]
