"""The demo bank's journeys: real instances run through the engine as of moments in the last 30
days (``platform.clock.travel_to``), so the journeys console, the ledger and the RMs' credit
agree. Customers renew maturing deposits (some stop half-way), and some buy wealth products
today. Each step is answered from what the step itself offers (its choices, its consent
texts), as a customer on the phone would; a step the demo cannot answer, or an answer the
journey refuses, leaves the instance where it is, like a customer who gave up."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.journeys import service as journeys
from contactless.journeys.models import JourneyStatus
from contactless.journeys.schemas import JourneyView, StepView
from contactless.platform import clock
from contactless.platform.channels import list_messages
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.demo import Progress, daytime
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator
from contactless.platform.kernel import kernel_of

DAYS = 30
LOCALE = "zh-CN"
AMOUNTS = ("10000", "20000", "50000", "100000")
OPEN = (JourneyStatus.ACTIVE, JourneyStatus.STEP_UP)


def _answers(session: Session, step: StepView, rng: random.Random,
             actor: Actor) -> dict[str, Any] | None:
    """What a customer enters on this step; None when the demo cannot answer it."""
    if step.kind == "confirm":
        return {}
    if step.kind == "consent":
        return {"agree": True, "consents": {c.key: c.text_sha256 for c in step.consents}}
    if step.kind == "code":
        code = _last_code(session, actor)
        return {"code": code} if code else None
    data: dict[str, Any] = {}
    for field in step.fields:
        if field.choices and (not field.value or rng.random() < 0.3):
            data[field.name] = rng.choice(field.choices).value  # most keep what is offered
        elif field.value:
            data[field.name] = field.value
        elif field.widget == "amount":
            data[field.name] = rng.choice(AMOUNTS)
        elif field.required:
            return None
    return data


def _last_code(session: Session, actor: Actor) -> str | None:
    person = customers.get_customer(session, SYSTEM, customer_id=uuid.UUID(actor.id),
                                    unmasked=True)
    sent = list_messages(session, kernel_of(session).cipher, to_mobile=person.mobile, limit=1)
    found = re.search(r"\d{6}", sent[0].body) if sent else None
    return found.group(0) if found else None


def run_journey(session: Session, rng: random.Random, actor: Actor, journey_key: str,
                started: datetime, *, give_up_after: int | None,
                params: dict[str, str] | None = None,
                qr_code_id: uuid.UUID | None = None) -> JourneyView | None:
    """Start a journey as of ``started`` (from a QR code's landing page when ``qr_code_id`` is
    given) and answer its steps a few minutes apart; stops after ``give_up_after`` steps, at a
    step it cannot answer, or at a refused answer. None when the journey would not start."""
    moment = started
    try:
        with clock.travel_to(moment):
            view = journeys.start_journey(session, actor, journey_key=journey_key,
                                          params=params or {}, qr_code_id=qr_code_id,
                                          translator=Translator.of(LOCALE))
    except ContactlessError:
        return None
    answered = 0
    while view.status in OPEN and view.current_step is not None:
        if give_up_after is not None and answered >= give_up_after:
            break
        data = _answers(session, view.current_step, rng, actor)
        if data is None:
            break
        moment += timedelta(seconds=rng.randint(20, 240))
        try:
            with clock.travel_to(moment):
                view = journeys.submit_step(
                    session, actor, journey_id=view.id, step=view.current_step.key, data=data,
                    idempotency_key=f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
                    translator=Translator.of(LOCALE), ip="10.0.0.1", user_agent="demo phone")
        except ContactlessError:
            break
        answered += 1
    return view


def seed_journeys(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                  today: date, progress: Progress) -> dict[str, int]:
    """Deposit renewals over the last 30 days and today's wealth purchases, through the engine
    (outreach's seeder, which runs first, listens to their events as the app does)."""
    counts = {"started": 0, "completed": 0}
    renewals = rng.sample(customer_ids, min(len(customer_ids), 120))
    for number, customer_id in enumerate(renewals, start=1):
        actor = customers.customer_actor(customer_id)
        deposits = corebank.deposits_of_customer(session, SYSTEM, customer_id=customer_id)
        # deposits that fell due lately (the maturity run below pays or renews them) too
        upcoming = sorted((d for d in deposits
                           if d.maturity_date >= today - timedelta(days=DAYS - 3)),
                          key=lambda d: (d.maturity_date, str(d.id)))
        if upcoming and not _has_done(session, actor, "deposit_renewal"):
            # customers come when the bank's reminder about their next maturity reaches
            # them, 3–25 days before it, and open the reminder's link to that deposit
            lead = timedelta(days=rng.randint(3, 25))
            soonest = upcoming[0]
            day = max(today - timedelta(days=DAYS - 1),
                      min(today, soonest.maturity_date - lead))
            view = run_journey(session, rng, actor, "deposit_renewal", daytime(rng, day),
                               params={"deposit_id": str(soonest.id)},
                               give_up_after=rng.choice((None, None, None, 1, 2)))
            _count(counts, view)
        progress("journeys: deposit renewals", number, len(renewals))
    buyers = rng.sample(customer_ids, min(len(customer_ids), 40))
    for number, customer_id in enumerate(buyers, start=1):
        actor = customers.customer_actor(customer_id)
        if _has_done(session, actor, "wealth_purchase"):
            continue  # bought today already, from an RM's code: once is what they meant
        # purchases move money, so they happen today, after the books' history
        view = run_journey(session, rng, actor, "wealth_purchase", daytime(rng, today),
                           give_up_after=rng.choice((None, None, 1, 2)))
        _count(counts, view)
        progress("journeys: wealth purchases", number, len(buyers))
    # what the worker would have done meanwhile: left journeys expire, cooling-off ends, and
    # the maturity run catches up with the deposits that fell due (renewed or paid out as
    # their instructions say, which settles the RMs' pending renewals)
    report = journeys.sweep(session)
    counts["expired"] = report.expired
    counts["matured"] = len(corebank.run_maturities(session, SYSTEM, on=today).deposits)
    return counts


def _has_done(session: Session, actor: Actor, journey_key: str) -> bool:
    """Whether this customer has this journey open or finished already (a customer does not
    renew the same deposit twice in a fortnight, or buy the same product twice, unasked)."""
    return any(view.journey == journey_key and view.status != JourneyStatus.CANCELLED
               for view in journeys.my_journeys(session, actor, translator=Translator.of(LOCALE)))


def _count(counts: dict[str, int], view: JourneyView | None) -> None:
    if view is None:
        return
    counts["started"] += 1
    counts["completed"] += view.status == JourneyStatus.COMPLETED

