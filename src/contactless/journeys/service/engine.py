"""The engine's inner parts: loading an instance for its owner, the context hooks see, stored
facts and answers, events, and the view of an instance in the caller's language."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.declaration import (
    ActionContext,
    ConsentDocument,
    Gettext,
    Journey,
    Msg,
    Step,
    StepContext,
    StepKind,
    _,
    render_text,
)
from contactless.journeys.errors import (
    JourneyCancelled,
    JourneyExpired,
    JourneyFinished,
    JourneyNotFound,
    JourneyOutdated,
    JourneyWaiting,
)
from contactless.journeys.forms import Agreement, OneTimeCode, describe_form
from contactless.journeys.models import JourneyInstance, JourneyStatus, JourneyStep, Prospect
from contactless.journeys.plugins import JourneyPlugins, plugins_of
from contactless.journeys.receipts import text_hash
from contactless.journeys.schemas import (
    ConsentReceipt,
    ConsentView,
    JourneyView,
    LineView,
    PartnerBrand,
    StepSummary,
    StepView,
)
from contactless.journeys.sources import QrSource
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.events import publish
from contactless.platform.i18n import Translator
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_mobile

STEP_UP = "step_up"
PROSPECT = "prospect"


class CodeForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: OneTimeCode = Field(title=_("One-time code"), json_schema_extra={"widget": "code"})


class ConsentForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agree: Agreement = Field(title=_("I have read and agree to the texts above"))
    consents: dict[str, str] = Field(default_factory=dict, title=_("Text fingerprints"),
                                     json_schema_extra={"widget": "hidden"})


class ConfirmForm(BaseModel):
    model_config = ConfigDict(extra="forbid")


STEP_UP_STEP = Step(key=STEP_UP, title=_("Confirm it is you"), kind=StepKind.CODE,
                    intro=_("For your safety we sent another one-time code to your mobile."))


def form_of(step: Step) -> type[BaseModel]:
    if step.form is not None:
        return step.form
    if step.kind is StepKind.CODE:
        return CodeForm
    if step.kind is StepKind.CONSENT:
        return ConsentForm
    return ConfirmForm


def now() -> datetime:
    return utcnow()


def bank_today(session: Session, at: datetime) -> date:
    zone = ZoneInfo(kernel_of(session).settings.timezone)
    return at.astimezone(zone).date()


def encrypt_json(session: Session, value: Any, *, context: str) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return kernel_of(session).cipher.encrypt(text, context=context)


def decrypt_json(session: Session, token: str | None, *, context: str) -> Any:
    if not token:
        return {}
    return json.loads(kernel_of(session).cipher.decrypt(token, context=context))


# -- owners -------------------------------------------------------------------------------------


def prospect_actor(prospect_id: uuid.UUID, *, channel: str = "mobile") -> Actor:
    return Actor(kind=PROSPECT, id=str(prospect_id), channel=channel)


def owns(actor: Actor, instance: JourneyInstance) -> bool:
    if actor.kind == "customer":
        return instance.customer_id is not None and str(instance.customer_id) == actor.id
    if actor.kind == PROSPECT:
        return instance.prospect_id is not None and str(instance.prospect_id) == actor.id
    return False


def load(session: Session, actor: Actor, journey_id: uuid.UUID, *,
         for_update: bool = False) -> JourneyInstance:
    """The instance if ``actor`` owns it; another person's id gets the same 404 as none."""
    instance = repository.instance(session, journey_id, for_update=for_update)
    if instance is None or not owns(actor, instance):
        raise JourneyNotFound("this journey was not found")
    return instance


def effective_status(instance: JourneyInstance, at: datetime) -> str:
    if instance.status in JourneyStatus.OPEN and at >= instance.expires_at:
        return JourneyStatus.EXPIRED
    return instance.status


def check_open(instance: JourneyInstance, journey: Journey, at: datetime) -> None:
    """Refuse work on an instance that cannot take any: with a clear, stable reason."""
    status = effective_status(instance, at)
    if status == JourneyStatus.CANCELLED:
        raise JourneyCancelled("this journey was cancelled; start a new one")
    if status == JourneyStatus.EXPIRED:
        raise JourneyExpired("this journey has expired; start a new one")
    if status in (JourneyStatus.COMPLETED, JourneyStatus.REJECTED):
        raise JourneyFinished("this journey is already finished")
    if status in JourneyStatus.WAITING:
        raise JourneyWaiting("this journey is waiting for a decision; nothing more is needed "
                             "from you now")
    if instance.journey_version != journey.version:
        raise JourneyOutdated("this journey has changed since you started it; start again")


# -- context ------------------------------------------------------------------------------------


@dataclass
class Loaded:
    """An instance with what the engine read for it."""

    instance: JourneyInstance
    journey: Journey
    plugins: JourneyPlugins
    records: list[JourneyStep]
    facts: dict[str, Any]
    data: dict[str, dict[str, Any]]

    def record(self, step_key: str) -> JourneyStep | None:
        return next((r for r in self.records if r.step_key == step_key), None)


def read(session: Session, instance: JourneyInstance) -> Loaded:
    plugins = plugins_of(session)
    journey = plugins.catalog.get(instance.journey_key)
    records = repository.steps(session, instance.id)
    data = {record.step_key: decrypt_json(session, record.data_encrypted,
                                          context="journey.step")
            for record in records if record.completed_at is not None}
    facts = decrypt_json(session, instance.facts_encrypted, context="journey.facts")
    return Loaded(instance, journey, plugins, records, facts, data)


def source_of(facts: dict[str, Any]) -> QrSource | None:
    stored = facts.get("_source")
    if not stored:
        return None
    return QrSource(
        qr_code_id=uuid.UUID(stored["qr_code_id"]),
        owner_ids=tuple(uuid.UUID(owner) for owner in stored.get("owner_ids", [])),
        campaign_id=stored.get("campaign_id"),
        enterprise_id=uuid.UUID(stored["enterprise_id"]) if stored.get("enterprise_id")
        else None,
        channel_code=stored.get("channel_code"),
        scan_id=uuid.UUID(stored["scan_id"]) if stored.get("scan_id") else None,
    )


def source_fact(source: QrSource) -> dict[str, Any]:
    return {"qr_code_id": str(source.qr_code_id),
            "owner_ids": [str(owner) for owner in source.owner_ids],
            "campaign_id": source.campaign_id,
            "enterprise_id": str(source.enterprise_id) if source.enterprise_id else None,
            "channel_code": source.channel_code,
            "scan_id": str(source.scan_id) if source.scan_id else None}


def partner_brand(facts: dict[str, Any]) -> PartnerBrand | None:
    """The partner a journey was started from, as its pages show it (see ``PartnerSource``)."""
    stored = facts.get("_partner")
    if not stored:
        return None
    return PartnerBrand(partner_id=uuid.UUID(stored["partner_id"]), name=stored["name"],
                        logo_url=stored.get("logo_url"), channel_code=stored.get("channel_code"))


def source_scan_id(facts: dict[str, Any]) -> str | None:
    """The id of the scan that proved the journey's source code (for the events)."""
    return (facts.get("_source") or {}).get("scan_id")


def prospect_mobile(session: Session, prospect_id: uuid.UUID | None) -> str | None:
    if prospect_id is None:
        return None
    prospect = session.get(Prospect, prospect_id)
    if prospect is None:
        return None
    return kernel_of(session).cipher.decrypt(prospect.mobile_encrypted, context="prospect.mobile")


def context(session: Session, actor: Actor, loaded: Loaded, at: datetime) -> StepContext:
    return StepContext(**_context_args(session, actor, loaded, at))


def _context_args(session: Session, actor: Actor, loaded: Loaded,
                  at: datetime) -> dict[str, Any]:
    instance = loaded.instance
    return {
        "session": session, "actor": actor, "journey": loaded.journey,
        "instance_id": instance.id, "params": dict(instance.params), "data": loaded.data,
        "facts": loaded.facts, "customer_id": instance.customer_id,
        "prospect_mobile": prospect_mobile(session, instance.prospect_id),
        "source": source_of(loaded.facts), "channel": instance.channel, "now": at,
        "today": bank_today(session, at), "verifier": loaded.plugins.verifier,
    }


def action_context(session: Session, actor: Actor, loaded: Loaded, at: datetime, *,
                   bank_actor: Actor, make_customer: Any) -> ActionContext:
    return ActionContext(bank_actor=bank_actor, make_customer=make_customer,
                         **_context_args(session, actor, loaded, at))


def save_facts(session: Session, loaded: Loaded, ctx: StepContext) -> None:
    loaded.facts = ctx.facts
    loaded.instance.facts_encrypted = encrypt_json(session, ctx.facts, context="journey.facts")


def applies(step: Step, ctx: StepContext) -> bool:
    return step.when is None or step.when(ctx)


def applicable_steps(ctx: StepContext) -> list[Step]:
    return [step for step in ctx.journey.steps if applies(step, ctx)]


def next_step(ctx: StepContext, after: str | None) -> Step | None:
    steps = list(ctx.journey.steps)
    start = 0
    if after is not None:
        start = next(i for i, step in enumerate(steps) if step.key == after) + 1
    return next((step for step in steps[start:] if applies(step, ctx)), None)


def code_purpose(journey_key: str, step_key: str) -> str:
    return f"journey:{journey_key}:{step_key}"


# -- events -------------------------------------------------------------------------------------


def event_payload(instance: JourneyInstance, at: datetime, **extra: Any) -> dict[str, Any]:
    """The fields every journey event carries (the contract with outreach and marketing)."""
    payload: dict[str, Any] = {
        "journey_id": str(instance.id),
        "journey_key": instance.journey_key,
        "journey_version": instance.journey_version,
        "customer_id": str(instance.customer_id) if instance.customer_id else None,
        "prospect_id": str(instance.prospect_id) if instance.prospect_id else None,
        "qr_code_id": str(instance.source_qr_code_id) if instance.source_qr_code_id else None,
        "channel": instance.channel,
        "campaign_id": instance.campaign_id,
        "partner_id": str(instance.source_partner_id) if instance.source_partner_id else None,
        "at": at.astimezone(UTC).isoformat(),
    }
    payload.update(extra)
    return payload


def emit(session: Session, topic: str, instance: JourneyInstance, at: datetime,
         **extra: Any) -> None:
    publish(session, topic, event_payload(instance, at, **extra))


# -- views --------------------------------------------------------------------------------------


def consent_documents(step: Step, ctx: StepContext) -> list[ConsentDocument]:
    return step.consents(ctx) if step.consents is not None else []


def earlier_answers(session: Session, record: JourneyStep | None) -> dict[str, str]:
    """The answers a step was given before the customer went back to it (to show them)."""
    if record is None or record.completed_at is not None or not record.data_encrypted:
        return {}
    stored = decrypt_json(session, record.data_encrypted, context="journey.step")
    return {name: ("true" if value else "") if isinstance(value, bool) else str(value)
            for name, value in stored.items() if isinstance(value, str | int | bool)}


def step_view(session: Session, ctx: StepContext, step: Step, *, position: int, count: int,
              gettext: Gettext, translator: Translator,
              earlier: dict[str, str] | None = None) -> StepView:
    choices = step.choices(ctx) if step.choices is not None else {}
    prefill = step.prefill(ctx) if step.prefill is not None else {}
    prefill = {**prefill, **(earlier or {})}
    fields, schema = describe_form(form_of(step), step.uploads, choices=choices,
                                   prefill=prefill, gettext=gettext)
    consents: list[ConsentView] = []
    if step.kind is StepKind.CONSENT:
        fields = [item for item in fields if item.name != "consents"]
        for document in consent_documents(step, ctx):
            text = document.text(ctx, translator.locale)
            original = document.text(ctx, "zh-CN")
            consents.append(ConsentView(key=document.key, version=document.version,
                                        title=render_text(document.title, gettext), text=text,
                                        text_sha256=text_hash(text),
                                        original=original if original != text else None))
        schema["properties"]["consents"] = {
            "type": "object", "title": gettext("Text fingerprints"),
            "properties": {c.key: {"const": c.text_sha256} for c in consents},
            "required": [c.key for c in consents],
        }
        if "consents" not in schema["required"]:
            schema["required"].append("consents")
    lines = step.show(ctx) if step.show is not None else []
    sent_to = None
    resend_after = 0
    if step.kind is StepKind.CODE:
        target = step.code_to(ctx) if step.code_to is not None else ctx.mobile()
        sent_to = mask_mobile(target)
        resend_after = identity.resend_wait(session, mobile=target,
                                            purpose=code_purpose(ctx.journey.key, step.key))
    return StepView(
        key=step.key, title=render_text(step.title, gettext), kind=step.kind.value,
        intro=render_text(step.intro, gettext) if step.intro else None, position=position,
        count=count, lines=[line_view(line.label, line.value, line.emphasis, gettext)
                            for line in lines],
        fields=fields, consents=consents, json_schema=schema, code_sent_to=sent_to,
        resend_after=resend_after,
    )


def line_view(label: Msg, value: object, emphasis: bool, gettext: Gettext) -> LineView:
    return LineView(label=render_text(label, gettext), value=render_text(value, gettext),
                    emphasis=emphasis)


STATUS_MESSAGES: dict[str, Msg] = {
    JourneyStatus.IN_REVIEW: _("Your application is with our staff for review. We will send "
                               "you a text message when it is decided."),
    JourneyStatus.COOLING_OFF: _("Your order is in its cooling-off period. It will be placed "
                                 "after {time} unless you cancel it before then."),
    JourneyStatus.CANCELLED: _("You cancelled this journey. Nothing was done."),
    JourneyStatus.EXPIRED: _("This journey expired before it was finished. Nothing was done."),
    JourneyStatus.REJECTED: _("We could not complete this request."),
    JourneyStatus.COMPLETED: _("Done."),
}


def build_view(session: Session, actor: Actor, loaded: Loaded, *, translator: Translator,
               at: datetime | None = None) -> JourneyView:
    """The instance as its owner sees it, with the current step's fields and JSON Schema."""
    at = at or now()
    gettext = translator
    instance = loaded.instance
    status = effective_status(instance, at)
    ctx = context(session, actor, loaded, at)
    steps = applicable_steps(ctx)
    summaries: list[StepSummary] = []
    for step in steps:
        record = loaded.record(step.key)
        state = "todo"
        if record is not None and record.completed_at is not None:
            state = "done"
        elif step.key == instance.current_step:
            state = "current"
        summaries.append(StepSummary(key=step.key, title=render_text(step.title, gettext),
                                     status=state))
    current: StepView | None = None
    if status in JourneyStatus.OPEN and instance.current_step:
        if instance.current_step == STEP_UP:
            current = step_view(session, ctx, STEP_UP_STEP, position=len(steps),
                                count=len(steps), gettext=gettext, translator=translator)
        else:
            declared = loaded.journey.step(instance.current_step)
            if declared is not None:
                position = next((i + 1 for i, s in enumerate(steps) if s.key == declared.key), 1)
                current = step_view(session, ctx, declared, position=position,
                                    count=len(steps), gettext=gettext, translator=translator,
                                    earlier=earlier_answers(session,
                                                            loaded.record(declared.key)))
                current.can_go_back = position > 1 and status == JourneyStatus.ACTIVE
    outcome: list[LineView] = []
    if status == JourneyStatus.COMPLETED:
        outcome = [line_view(line.label, line.value, line.emphasis, gettext)
                   for line in loaded.journey.outcome(ctx)]
    message = None
    if status in STATUS_MESSAGES:
        when = instance.execute_after
        zone = ZoneInfo(kernel_of(session).settings.timezone)
        local = when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when else ""
        message = Msg(str(STATUS_MESSAGES[status]), time=local).render(gettext)
        if status == JourneyStatus.REJECTED:
            message = " ".join([message] + [reason_text(reason, gettext)
                                            for reason in shown_reasons(instance)])
    receipts = [ConsentReceipt(id=record.id, title=record.title, version=record.version,
                               text_sha256=record.text_sha256, agreed_at=record.agreed_at)
                for record in repository.consents(session, instance.id)]
    return JourneyView(
        id=instance.id, journey=instance.journey_key, version=instance.journey_version,
        title=render_text(loaded.journey.title, gettext), status=status, current_step=current,
        steps=summaries, channel=instance.channel, qr_code_id=instance.source_qr_code_id,
        campaign_id=instance.campaign_id, customer_id=instance.customer_id,
        partner=partner_brand(loaded.facts), started_at=instance.started_at,
        updated_at=instance.updated_at, expires_at=instance.expires_at,
        execute_after=instance.execute_after, completed_at=instance.completed_at,
        outcome=outcome, reasons=shown_reasons(instance), message=message, consents=receipts,
        product=instance.product, amount=instance.amount, currency=instance.currency,
    )


# reason codes of rejections, shown to the customer
REASON_TEXTS: dict[str, Msg] = {
    "debt_to_income_too_high": _("The repayments would be too high for the income you gave."),
    "deferral_limit_reached": _("This loan cannot be deferred any further."),
    "rejected_by_staff": _("Our staff reviewed the request and declined it."),
    "insufficient_funds": _("There was not enough money in the account."),
    "blocked_by_risk_check": _("Our security check stopped this request."),
}


def shown_reasons(instance: JourneyInstance) -> list[str]:
    """The reasons a customer may see: risk rules' own reason codes stay with staff."""
    return [reason for reason in instance.reasons if reason in REASON_TEXTS]


def reason_text(reason: str, gettext: Gettext) -> str:
    return REASON_TEXTS[reason].render(gettext)
