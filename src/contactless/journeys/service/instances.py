"""Starting, reading, submitting, cancelling: the engine's public functions for a customer (or
a prospect) working through a journey, shared by the /m pages and the JSON API."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.declaration import (
    Journey,
    Msg,
    Step,
    StepContext,
    StepKind,
    Upload,
    render_text,
)
from contactless.journeys.errors import (
    ConsentChanged,
    IdentityNotVerified,
    JourneyNotFound,
    SignInRequired,
    StepAlreadyCompleted,
    StepNotFound,
    StepOutOfOrder,
)
from contactless.journeys.forms import field_errors, invalid, validate_form
from contactless.journeys.models import (
    ConsentRecord,
    JourneyDocument,
    JourneyInstance,
    JourneyRequest,
    JourneyStatus,
    JourneyStep,
)
from contactless.journeys.plugins import plugins_of
from contactless.journeys.receipts import text_hash
from contactless.journeys.schemas import CatalogEntry, JourneyView
from contactless.journeys.service import finish
from contactless.journeys.service.engine import (
    PROSPECT,
    STEP_UP,
    STEP_UP_STEP,
    Loaded,
    build_view,
    check_open,
    code_purpose,
    consent_documents,
    context,
    effective_status,
    emit,
    encrypt_json,
    form_of,
    load,
    next_step,
    now,
    read,
    save_facts,
    source_fact,
)
from contactless.journeys.uploads import CheckedFile, UploadedFile, check_upload
from contactless.platform import audit
from contactless.platform.audit import canonical
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError, IdempotencyKeyReused, ValidationFailed
from contactless.platform.i18n import gettext_for, translate
from contactless.platform.kernel import kernel_of

MAX_KEY_LENGTH = 128


def journey_catalog(session: Session, *, locale: str) -> list[CatalogEntry]:
    """The journeys a customer can start, in the caller's language (public)."""
    gettext = gettext_for(locale)
    return [
        CatalogEntry(key=journey.key, version=journey.version, title=journey.title.render(gettext),
                     summary=journey.summary.render(gettext),
                     steps=[step.title.render(gettext) for step in journey.steps],
                     prospects=journey.prospects, start_url=f"/m/journeys/{journey.key}/start")
        for journey in plugins_of(session).catalog.all()
    ]


def localize(error: ContactlessError, locale: str) -> ContactlessError:
    """Translate an error's message now, filling ``{placeholders}`` from its extra fields;
    field errors raised by a step's hooks are translated too."""
    try:
        error.message = translate(locale, error.message, **error.extra)
    except (KeyError, IndexError, ValueError):
        error.message = translate(locale, error.message)
    errors = error.extra.get("errors")
    if isinstance(errors, list):
        gettext = gettext_for(locale)
        error.extra["errors"] = [
            {**item, "message": render_text(_as_msg(item.get("message", "")), gettext)}
            if isinstance(item, dict) else item for item in errors]
    return error


def _as_msg(value: object) -> Msg:
    return value if isinstance(value, Msg) else Msg(str(value))


def _person(actor: Actor) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if actor.kind == "customer":
        return uuid.UUID(actor.id), None
    if actor.kind == PROSPECT:
        return None, uuid.UUID(actor.id)
    raise SignInRequired("sign in to continue")


def start_journey(
    session: Session, actor: Actor, *, journey_key: str, params: dict[str, str] | None = None,
    qr_code_id: uuid.UUID | None = None, campaign_id: str | None = None, locale: str,
) -> JourneyView:
    """Start (or resume, if the same person has the same journey open with the same
    parameters) an instance; it records the source QR code and campaign, and the channel
    (``qr`` when started from a code). Publishes ``journey.started``."""
    try:
        with session.begin_nested():
            return _start(session, actor, journey_key=journey_key, params=params or {},
                          qr_code_id=qr_code_id, campaign_id=campaign_id, locale=locale)
    except ContactlessError as error:
        raise localize(error, locale) from None


def _start(session: Session, actor: Actor, *, journey_key: str, params: dict[str, str],
           qr_code_id: uuid.UUID | None, campaign_id: str | None, locale: str) -> JourneyView:
    plugins = plugins_of(session)
    journey = plugins.catalog.get(journey_key)
    customer_id, prospect_id = _person(actor)
    if prospect_id is not None and not journey.prospects:
        raise SignInRequired("sign in as a customer to start this journey")
    clean = _check_params(journey, params, locale)
    at = now()
    for existing in repository.open_instances(session, customer_id=customer_id,
                                              prospect_id=prospect_id, now=at,
                                              journey_key=journey.key):
        if existing.params == clean and existing.source_qr_code_id == qr_code_id \
                and existing.status in JourneyStatus.OPEN:
            return build_view(session, actor, read(session, existing), locale=locale, at=at)
    source = plugins.sources.describe(session, qr_code_id=qr_code_id) if qr_code_id else None
    facts: dict[str, Any] = {"_source": source_fact(source)} if source else {}
    instance = JourneyInstance(
        id=uuid.uuid4(), journey_key=journey.key, journey_version=journey.version,
        status=JourneyStatus.ACTIVE, customer_id=customer_id, prospect_id=prospect_id,
        channel="qr" if qr_code_id else actor.channel, source_qr_code_id=qr_code_id,
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
    _enter(session, loaded, ctx, first, at)
    save_facts(session, loaded, ctx)
    audit.record(session, actor, action="journey.started", target_type="journey_instance",
                 target_id=instance.id, details={"journey": journey.key,
                                                 "qr_code_id": str(qr_code_id) if qr_code_id
                                                 else None, "channel": instance.channel})
    emit(session, "journey.started", instance, at, params=clean)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, locale=locale, at=at)


def _check_params(journey: Journey, params: dict[str, str], locale: str) -> dict[str, str]:
    """Start parameters (from a QR code's preset): validated by the journey's model; values
    the journey does not know are dropped."""
    clean = {str(key)[:64]: str(value)[:200] for key, value in params.items()}
    if journey.params is None:
        return {key: value for key, value in clean.items() if key == "campaign"}
    try:
        model = journey.params.model_validate(clean)
    except ValidationError as error:
        gettext = gettext_for(locale)
        raise invalid(field_errors(error, gettext), gettext) from None
    values = {key: str(value) for key, value in model.model_dump(mode="json").items()
              if value is not None}
    if "campaign" in clean:
        values["campaign"] = clean["campaign"]
    return values


def _enter(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
           at: datetime) -> None:
    """Make ``step`` current: record when it was entered and run its entry hook (a CODE step
    sends its one-time code)."""
    instance = loaded.instance
    instance.current_step = step.key
    position = next(i for i, s in enumerate(loaded.journey.steps) if s.key == step.key) + 1
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
                locale: str) -> JourneyView:
    """The instance with its current step, for its owner only (404 for anyone else)."""
    try:
        instance = load(session, actor, journey_id)
    except ContactlessError as error:
        raise localize(error, locale) from None
    return build_view(session, actor, read(session, instance), locale=locale)


def my_journeys(session: Session, actor: Actor, *, locale: str) -> list[JourneyView]:
    """What this person has open (to resume on any device), then what they finished lately."""
    customer_id, prospect_id = _person(actor)
    at = now()
    found = repository.open_instances(session, customer_id=customer_id,
                                      prospect_id=prospect_id, now=at)
    if customer_id is not None:
        seen = {instance.id for instance in found}
        found += [instance for instance in repository.recent_instances(
            session, customer_id=customer_id) if instance.id not in seen]
    return [build_view(session, actor, read(session, instance), locale=locale, at=at)
            for instance in found]


def _check_key(key: str) -> str:
    if not key or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ContactlessError("send an Idempotency-Key header (1-128 characters)",
                               status=400, code="idempotency_key_required")
    return key.strip()


def _fingerprint(step: str, data: dict[str, Any], files: dict[str, UploadedFile]) -> str:
    body = canonical({"step": step, "data": data,
                      "files": {name: hashlib.sha256(file.data).hexdigest()
                                for name, file in sorted(files.items())}})
    return hashlib.sha256(body.encode()).hexdigest()


def submit_step(
    session: Session, actor: Actor, *, journey_id: uuid.UUID, step: str,
    data: dict[str, Any], idempotency_key: str, locale: str,
    files: dict[str, UploadedFile] | None = None, ip: str | None = None,
    user_agent: str | None = None,
) -> JourneyView:
    """Submit the current step. Only the current step is accepted (a later one is
    ``step_out_of_order``, a done one ``step_already_completed``); every field is validated on
    the server; the same idempotency key with the same answers returns the first answer and
    does nothing again. The last step runs the risk check and the final action."""
    files = files or {}
    try:
        key = _check_key(idempotency_key)
        instance = load(session, actor, journey_id, for_update=True)
        fingerprint = _fingerprint(step, data, files)
        earlier = repository.request(session, instance.id, key)
        if earlier is not None:
            return _replay(session, earlier, fingerprint)
        try:
            with session.begin_nested():
                view = _submit(session, actor, instance, step=step, data=data, files=files,
                               locale=locale, ip=ip, user_agent=user_agent)
                # the answer shows names and numbers: it is kept encrypted like the answers
                response = kernel_of(session).cipher.encrypt(view.model_dump_json(),
                                                             context="journey.response")
                session.add(JourneyRequest(instance_id=instance.id, idempotency_key=key,
                                           step_key=step, fingerprint=fingerprint,
                                           response=response))
                session.flush()
        except IntegrityError:
            earlier = repository.request(session, instance.id, key)
            if earlier is None:
                raise
            return _replay(session, earlier, fingerprint)
        return view
    except ContactlessError as error:
        # a refused one-time code was audited inside the savepoint just rolled back
        identity.record_refusal_again(session, error)
        raise localize(error, locale) from None


def _replay(session: Session, earlier: JourneyRequest, fingerprint: str) -> JourneyView:
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyReused("this idempotency key was used for a different request")
    stored = kernel_of(session).cipher.decrypt(earlier.response, context="journey.response")
    view = JourneyView.model_validate_json(stored)
    return view.model_copy(update={"replayed": True})


def _submit(session: Session, actor: Actor, instance: JourneyInstance, *, step: str,
            data: dict[str, Any], files: dict[str, UploadedFile], locale: str,
            ip: str | None, user_agent: str | None) -> JourneyView:
    at = now()
    loaded = read(session, instance)
    journey = loaded.journey
    check_open(instance, journey, at)
    ctx = context(session, actor, loaded, at)
    if instance.status == JourneyStatus.STEP_UP:
        return _submit_step_up(session, actor, loaded, ctx, step=step, data=data,
                               locale=locale, at=at)
    declared = journey.step(step)
    if declared is None:
        raise StepNotFound("this journey has no such step")
    if step != instance.current_step:
        record = loaded.record(step)
        if record is not None and record.completed_at is not None:
            raise StepAlreadyCompleted("this step is already done; continue with the current "
                                       "step", current_step=instance.current_step)
        raise StepOutOfOrder("finish the current step first", current_step=instance.current_step)
    for guard in declared.guards:
        guard(ctx)
    gettext = gettext_for(locale)
    choices = declared.choices(ctx) if declared.choices is not None else {}
    form = validate_form(form_of(declared), declared.uploads, data, choices, gettext)
    stored = _accept_uploads(session, loaded, ctx, declared, files, gettext)
    if declared.kind is StepKind.CODE:
        mobile = declared.code_to(ctx) if declared.code_to is not None else ctx.mobile()
        identity.check_one_time_code(session, mobile=mobile, code=getattr(form, "code", ""),
                                     purpose=code_purpose(journey.key, declared.key),
                                     actor=actor)
    answers: dict[str, Any] = form.model_dump(mode="json")
    if declared.kind is StepKind.CODE:
        answers = {"verified": True}
    if declared.kind is StepKind.CONSENT:
        answers = {"consents": _record_consents(session, loaded, ctx, declared, form,
                                                locale=locale, ip=ip, user_agent=user_agent,
                                                at=at)}
    answers.update(stored)
    if declared.accept is not None:
        declared.accept(ctx, form)
    record = loaded.record(step)
    if record is None:
        record = JourneyStep(instance_id=instance.id, step_key=step, position=1, entered_at=at)
        session.add(record)
    record.completed_at = at
    record.data_encrypted = encrypt_json(session, answers, context="journey.step")
    ctx.data[step] = answers
    instance.updated_at = at
    emit(session, "journey.step_completed", instance, at, step=step,
         step_position=record.position,
         seconds_on_step=round((at - record.entered_at).total_seconds(), 3))
    following = None if declared.kind is StepKind.CONFIRM else next_step(ctx, step)
    if following is None:
        save_facts(session, loaded, ctx)
        finish.conclude(session, actor, loaded, ctx, at)
    else:
        _enter(session, loaded, ctx, following, at)
        save_facts(session, loaded, ctx)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, locale=locale, at=at)


def _submit_step_up(session: Session, actor: Actor, loaded: Loaded, ctx: StepContext, *,
                    step: str, data: dict[str, Any], locale: str, at: datetime) -> JourneyView:
    instance = loaded.instance
    if step != STEP_UP:
        raise StepOutOfOrder("finish the current step first", current_step=STEP_UP)
    gettext = gettext_for(locale)
    form = validate_form(form_of(STEP_UP_STEP), (), data, {}, gettext)
    identity.check_one_time_code(session, mobile=ctx.mobile(), code=getattr(form, "code", ""),
                                 purpose=code_purpose(instance.journey_key, STEP_UP),
                                 actor=actor)
    record = loaded.record(STEP_UP)
    if record is not None:
        record.completed_at = at
        record.data_encrypted = encrypt_json(session, {"verified": True},
                                             context="journey.step")
    instance.status = JourneyStatus.ACTIVE
    instance.updated_at = at
    emit(session, "journey.step_completed", instance, at, step=STEP_UP,
         step_position=record.position if record else None, seconds_on_step=None)
    finish.approved(session, actor, loaded, at)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, locale=locale, at=at)


def _accept_uploads(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
                    files: dict[str, UploadedFile], gettext: Any) -> dict[str, Any]:
    """Check each file (type, size, a real image), run the liveness check where asked, and
    keep the file encrypted. Returns the stored documents' ids by field."""
    errors: list[dict[str, str]] = []
    checked: dict[str, tuple[Upload, CheckedFile, UploadedFile]] = {}
    for upload in step.uploads:
        given = files.get(upload.name)
        if given is None or not given.data:
            if upload.required:
                errors.append({"field": upload.name,
                               "message": gettext("choose a file to upload")})
            continue
        try:
            checked[upload.name] = (upload, check_upload(given, kinds=upload.kinds,
                                                         max_bytes=upload.max_bytes), given)
        except ContactlessError as error:
            errors.append({"field": upload.name,
                           "message": translate_error(error, gettext)})
    unknown = sorted(set(files) - {upload.name for upload in step.uploads})
    errors += [{"field": name, "message": gettext("this field is not part of the step")}
               for name in unknown]
    if errors:
        raise invalid(errors, gettext)
    stored: dict[str, Any] = {}
    cipher = kernel_of(session).cipher
    for name, (upload, file, original) in checked.items():
        if upload.liveness:
            result = ctx.verifier.verify_liveness(session, selfie=original)
            if not result.passed:
                raise IdentityNotVerified("the face check did not pass: take a clear photo of "
                                          "your face and try again", reasons=list(result.reasons))
        document = JourneyDocument(
            instance_id=loaded.instance.id, step_key=step.key, field=name,
            content_type=file.content_type, size=file.size, sha256=file.sha256,
            width=file.width, height=file.height,
            content_encrypted=cipher.encrypt(base64.b64encode(file.data).decode(),
                                             context="journey.document"),
        )
        session.add(document)
        session.flush()
        stored[name] = {"document_id": str(document.id), "sha256": file.sha256,
                        "content_type": file.content_type}
    return stored


def translate_error(error: ContactlessError, gettext: Any) -> str:
    text = str(gettext(error.message))
    try:
        return text.format(**error.extra)
    except (KeyError, IndexError, ValueError):
        return text


def _record_consents(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
                     form: BaseModel, *, locale: str, ip: str | None, user_agent: str | None,
                     at: datetime) -> dict[str, str]:
    """Record each text agreed to: its exact text, version and SHA-256, time and address. A
    fingerprint that does not match the text in force means the text changed since it was
    shown: nothing is recorded, and the customer reads it again."""
    sent: dict[str, str] = dict(getattr(form, "consents", {}) or {})
    gettext = gettext_for(locale)
    agreed: dict[str, str] = {}
    for document in consent_documents(step, ctx):
        text = document.text(ctx, locale)
        digest = text_hash(text)
        if sent.get(document.key) != digest:
            raise ConsentChanged("the text you agreed to is not the current one: read it again",
                                 document=document.key)
        session.add(ConsentRecord(
            instance_id=loaded.instance.id, customer_id=loaded.instance.customer_id,
            prospect_id=loaded.instance.prospect_id, document_key=document.key,
            version=document.version, locale=locale,
            title=document.title.render(gettext)[:200], text=text, text_sha256=digest,
            agreed_at=at, ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:300] or None,
        ))
        agreed[document.key] = f"{document.version}:{digest}"
    return agreed


def cancel_journey(session: Session, actor: Actor, *, journey_id: uuid.UUID,
                   locale: str) -> JourneyView:
    """The customer leaves: an open instance (or one waiting for review or in its cooling-off
    period) is cancelled and nothing is executed. Publishes ``journey.abandoned``."""
    try:
        instance = load(session, actor, journey_id, for_update=True)
        at = now()
        status = effective_status(instance, at)
        if status not in JourneyStatus.OPEN | JourneyStatus.WAITING:
            loaded = read(session, instance)
            check_open(instance, loaded.journey, at)
        last_step = instance.current_step
        instance.status = JourneyStatus.CANCELLED
        instance.current_step = None
        instance.finished_at = at
        instance.updated_at = at
        review = repository.review_of(session, instance.id)
        if review is not None and review.status == "pending":
            review.status = "withdrawn"
            review.decided_at = at
        audit.record(session, actor, action="journey.cancelled", target_type="journey_instance",
                     target_id=instance.id, details={"last_step": last_step})
        emit(session, "journey.abandoned", instance, at, reason="cancelled",
             last_step=last_step)
        session.flush()
        return build_view(session, actor, read(session, instance), locale=locale, at=at)
    except ContactlessError as error:
        raise localize(error, locale) from None


def resend_code(session: Session, actor: Actor, *, journey_id: uuid.UUID, locale: str) -> int:
    """Send the current code step's one-time code again (after the resend cooldown). Returns
    the seconds before another may be asked for."""
    try:
        instance = load(session, actor, journey_id, for_update=True)
        at = now()
        loaded = read(session, instance)
        check_open(instance, loaded.journey, at)
        ctx = context(session, actor, loaded, at)
        if instance.current_step == STEP_UP:
            return identity.send_one_time_code(
                session, mobile=ctx.mobile(), purpose=code_purpose(instance.journey_key, STEP_UP))
        step = loaded.journey.step(instance.current_step or "")
        if step is None or step.kind is not StepKind.CODE:
            raise ValidationFailed("this step has no code to send", code="no_code_step")
        return send_step_code(session, loaded, ctx, step)
    except ContactlessError as error:
        raise localize(error, locale) from None


def decode_api_files(step_files: dict[str, Any], *, locale: str) -> dict[str, UploadedFile]:
    """Files in a JSON step submission: ``{"filename", "content_type", "content_base64"}``."""
    gettext = gettext_for(locale)
    files: dict[str, UploadedFile] = {}
    for name, value in step_files.items():
        if isinstance(value, dict) and isinstance(value.get("content_base64"), str):
            encoded = value["content_base64"]
            filename = str(value.get("filename") or name)[:200]
            content_type = str(value.get("content_type") or "application/octet-stream")[:100]
        else:
            raise invalid([{"field": name, "message": gettext("choose a file to upload")}],
                          gettext)
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise invalid([{"field": name, "message": gettext("the file is not valid base64")}],
                          gettext) from None
        files[name] = UploadedFile(filename, content_type, data)
    return files


def instance_owner_check(session: Session, actor: Actor, journey_id: uuid.UUID) -> None:
    """Raise ``journey_not_found`` unless ``actor`` owns the instance."""
    if repository.instance(session, journey_id) is None:
        raise JourneyNotFound("this journey was not found")
    load(session, actor, journey_id)
