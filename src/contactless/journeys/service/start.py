"""Starting and reading journeys: the catalog, starting (or resuming) an instance, entering a
step, and what a person has open; shared by the /m pages and the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.catalog import default_catalog
from contactless.journeys.declaration import (
    Journey,
    Step,
    StepContext,
    StepKind,
)
from contactless.journeys.errors import (
    JourneyNotFound,
    SignInRequired,
)
from contactless.journeys.forms import field_errors, invalid
from contactless.journeys.models import (
    JourneyInstance,
    JourneyStatus,
    JourneyStep,
)
from contactless.journeys.plugins import plugins_of
from contactless.journeys.schemas import CatalogEntry, JourneyView
from contactless.journeys.service.engine import (
    PROSPECT,
    Loaded,
    build_view,
    code_purpose,
    context,
    emit,
    encrypt_json,
    load,
    next_step,
    now,
    read,
    save_facts,
    source_fact,
)
from contactless.journeys.sources import PartnerSource, QrSource
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.i18n import Translator


def journey_catalog(session: Session, *, translator: Translator) -> list[CatalogEntry]:
    """The journeys a customer can start, in the caller's language (public)."""
    gettext = translator
    return [
        CatalogEntry(key=journey.key, version=journey.version, title=journey.title.render(gettext),
                     summary=journey.summary.render(gettext),
                     steps=[step.title.render(gettext) for step in journey.steps],
                     prospects=journey.prospects, start_url=f"/m/journeys/{journey.key}/start")
        for journey in plugins_of(session).catalog.all()
    ]


def _person(actor: Actor) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if actor.kind == "customer":
        return uuid.UUID(actor.id), None
    if actor.kind == PROSPECT:
        return None, uuid.UUID(actor.id)
    raise SignInRequired("sign in to continue")


def start_journey(
    session: Session, actor: Actor, *, journey_key: str, params: dict[str, str] | None = None,
    qr_code_id: uuid.UUID | None = None, campaign_id: str | None = None,
    translator: Translator, device_id: str | None = None, partner: PartnerSource | None = None,
) -> JourneyView:
    """Start (or resume, if the same person has the same journey open with the same
    parameters) an instance; it records the source QR code and campaign, and the channel
    (``qr`` when started from a code). The code counts only if this person (or this device,
    ``device_id`` from the scan's cookie) really scanned it: otherwise the journey starts
    without a source, and the refused code is audited. A journey a partner platform starts
    for its customer (``partner``) has the channel ``partner``, carries the partner's branding
    and is the partner's conversion. Publishes ``journey.started``."""
    with session.begin_nested():
        return _start(session, actor, journey_key=journey_key, params=params or {},
                      qr_code_id=None if partner else qr_code_id, campaign_id=campaign_id,
                      translator=translator, device_id=device_id, partner=partner)


def _verified_source(session: Session, actor: Actor, *, journey_key: str,
                     qr_code_id: uuid.UUID | None, customer_id: uuid.UUID | None,
                     device_id: str | None, at: datetime) -> QrSource | None:
    """The start link's code if the scans on record prove it; a code that fails is audited
    (``journey.qr_unverified`` with the reason) and the journey starts uncredited."""
    if qr_code_id is None:
        return None
    check = plugins_of(session).sources.verify(session, qr_code_id=qr_code_id,
                                               customer_id=customer_id,
                                               device_id=device_id or None, at=at)
    if check.source is None:
        audit.record(session, actor, action="journey.qr_unverified", target_type="qr_code",
                     target_id=qr_code_id, details={"journey": journey_key,
                                                    "reason": check.reason})
    return check.source


def _start(session: Session, actor: Actor, *, journey_key: str, params: dict[str, str],
           qr_code_id: uuid.UUID | None, campaign_id: str | None, translator: Translator,
           device_id: str | None, partner: PartnerSource | None) -> JourneyView:
    plugins = plugins_of(session)
    journey = plugins.catalog.get(journey_key)
    customer_id, prospect_id = _person(actor)
    if prospect_id is not None and not journey.prospects:
        raise SignInRequired("sign in as a customer to start this journey")
    clean = _check_params(journey, params)
    at = now()
    source = _verified_source(session, actor, journey_key=journey.key, qr_code_id=qr_code_id,
                              customer_id=customer_id, device_id=device_id, at=at)
    qr_code_id = source.qr_code_id if source else None
    partner_id = partner.partner_id if partner else None
    for existing in repository.open_instances(session, customer_id=customer_id,
                                              prospect_id=prospect_id, now=at,
                                              journey_key=journey.key):
        if existing.params == clean and existing.source_qr_code_id == qr_code_id \
                and existing.source_partner_id == partner_id \
                and existing.status in JourneyStatus.OPEN:
            return build_view(session, actor, read(session, existing), translator=translator,
                              at=at)
    facts: dict[str, Any] = {"_source": source_fact(source)} if source else {}
    if partner:
        facts["_partner"] = partner.fact()
    instance = JourneyInstance(
        id=uuid.uuid4(), journey_key=journey.key, journey_version=journey.version,
        status=JourneyStatus.ACTIVE, customer_id=customer_id, prospect_id=prospect_id,
        channel="partner" if partner else "qr" if qr_code_id else actor.channel,
        source_qr_code_id=qr_code_id, source_partner_id=partner_id,
        campaign_id=campaign_id or (source.campaign_id if source else None) or
        clean.get("campaign"), params=clean,
        facts_encrypted=encrypt_json(session, facts, context="journey.facts"),
        started_at=at, updated_at=at, expires_at=at + journey.ttl,
    )
    loaded = Loaded(instance, journey, plugins, [], facts, {})
    ctx = context(session, actor, loaded, at)
    for guard in journey.guards:
        guard(ctx)
    session.add(instance)
    session.flush()
    first = next_step(ctx, None)
    if first is None:
        raise RuntimeError(f"journey {journey.key} has no step")
    enter_step(session, loaded, ctx, first, at)
    save_facts(session, loaded, ctx)
    audit.record(session, actor, action="journey.started", target_type="journey_instance",
                 target_id=instance.id, details={"journey": journey.key,
                                                 "qr_code_id": str(qr_code_id) if qr_code_id
                                                 else None, "channel": instance.channel,
                                                 "partner_id": str(partner_id) if partner_id
                                                 else None})
    emit(session, "journey.started", instance, at, params=clean,
         qr_scan_id=str(source.scan_id) if source and source.scan_id else None,
         partner_channel_code=partner.channel_code if partner else None)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, translator=translator, at=at)


def start_params() -> dict[str, dict[str, Any]]:
    """Every start parameter a journey of the catalog reads, with its JSON schema (a name
    means the same to every journey that reads it): what another system may preset."""
    found: dict[str, dict[str, Any]] = {}
    for journey in default_catalog().all():
        if journey.params is None:
            continue
        for name, schema in journey.params.model_json_schema()["properties"].items():
            kept = [branch for branch in schema.get("anyOf", [schema])
                    if branch.get("type") != "null"]
            found.setdefault(name, kept[0] if len(kept) == 1 else {"anyOf": kept})
    return found


def check_start_params(session: Session, params: dict[str, str]) -> None:
    """Refuse a value that a journey reading that parameter would refuse, whichever journey
    it is for (``step_invalid``), so a preset means the same for every product."""
    for journey in plugins_of(session).catalog.all():
        if journey.params is None:
            continue
        known = {key: value for key, value in params.items()
                 if key in journey.params.model_fields}
        if known:
            _check_params(journey, known)


def _check_params(journey: Journey, params: dict[str, str]) -> dict[str, str]:
    """Start parameters (from a QR code's preset): validated by the journey's model; values
    the journey does not know are dropped."""
    clean = {str(key)[:64]: str(value)[:200] for key, value in params.items()}
    if journey.params is None:
        return {key: value for key, value in clean.items() if key == "campaign"}
    try:
        model = journey.params.model_validate(clean)
    except ValidationError as error:
        raise invalid(field_errors(error)) from None
    values = {key: str(value) for key, value in model.model_dump(mode="json").items()
              if value is not None}
    if "campaign" in clean:
        values["campaign"] = clean["campaign"]
    return values


def enter_step(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
           at: datetime) -> None:
    """Make ``step`` current: record when it was entered and run its entry hook (a CODE step
    sends its one-time code)."""
    instance = loaded.instance
    instance.current_step = step.key
    position = next(i for i, s in enumerate(loaded.journey.steps) if s.key == step.key) + 1
    earlier = loaded.record(step.key)
    if earlier is not None:  # reached again after going back: to be done again
        earlier.completed_at = None
        loaded.data.pop(step.key, None)
    else:
        session.add(JourneyStep(instance_id=instance.id, step_key=step.key, position=position,
                                entered_at=at))
    for guard in step.guards:
        guard(ctx)
    if step.enter is not None:
        step.enter(ctx)
    if step.kind is StepKind.CODE:
        send_step_code(session, loaded, ctx, step)


def send_step_code(session: Session, loaded: Loaded, ctx: StepContext, step: Step) -> int:
    mobile = step.code_to(ctx) if step.code_to is not None else ctx.mobile()
    return identity.send_one_time_code(
        session, mobile=mobile, purpose=code_purpose(loaded.instance.journey_key, step.key))


def get_journey(session: Session, actor: Actor, *, journey_id: uuid.UUID,
                translator: Translator) -> JourneyView:
    """The instance with its current step, for its owner only (404 for anyone else)."""
    instance = load(session, actor, journey_id)
    return build_view(session, actor, read(session, instance), translator=translator)


def journey_for_partner(session: Session, *, journey_id: uuid.UUID, partner_id: uuid.UUID,
                        translator: Translator) -> JourneyView:
    """A journey as the partner that started it may follow it (the open platform checks the
    customer's consent first); any other journey is the same 404 as none."""
    instance = repository.instance(session, journey_id)
    if instance is None or instance.source_partner_id != partner_id \
            or instance.customer_id is None:
        raise JourneyNotFound("this journey was not found")
    owner = Actor(kind="customer", id=str(instance.customer_id), channel="partner")
    return build_view(session, owner, read(session, instance), translator=translator)


def my_journeys(session: Session, actor: Actor, *, translator: Translator) -> list[JourneyView]:
    """What this person has open (to resume on any device), then what they finished lately."""
    customer_id, prospect_id = _person(actor)
    at = now()
    found = repository.open_instances(session, customer_id=customer_id,
                                      prospect_id=prospect_id, now=at)
    if customer_id is not None:
        seen = {instance.id for instance in found}
        found += [instance for instance in repository.recent_instances(
            session, customer_id=customer_id) if instance.id not in seen]
    return [build_view(session, actor, read(session, instance), translator=translator, at=at)
            for instance in found]

