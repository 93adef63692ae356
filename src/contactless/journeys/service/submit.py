"""Submitting a step: idempotent by key, only the current step, every field validated on the
server; the last step concludes the journey (risk check, final action)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.declaration import (
    Msg,
    Step,
    StepContext,
    StepKind,
    Upload,
)
from contactless.journeys.errors import (
    ConsentChanged,
    IdentityNotVerified,
    StepAlreadyCompleted,
    StepNotFound,
    StepOutOfOrder,
)
from contactless.journeys.forms import invalid, validate_form
from contactless.journeys.models import (
    ConsentRecord,
    JourneyDocument,
    JourneyInstance,
    JourneyRequest,
    JourneyStatus,
    JourneyStep,
)
from contactless.journeys.receipts import text_hash
from contactless.journeys.schemas import JourneyView
from contactless.journeys.service import finish
from contactless.journeys.service.engine import (
    STEP_UP,
    STEP_UP_STEP,
    Loaded,
    build_view,
    check_open,
    code_purpose,
    consent_documents,
    context,
    emit,
    encrypt_json,
    form_of,
    load,
    next_step,
    now,
    read,
    save_facts,
)
from contactless.journeys.service.start import enter_step
from contactless.journeys.uploads import CheckedFile, UploadedFile, check_upload
from contactless.platform.audit import canonical, record_again
from contactless.platform.audit import record as audit_record
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError, IdempotencyKeyReused
from contactless.platform.i18n import Translator
from contactless.platform.kernel import kernel_of

MAX_KEY_LENGTH = 128


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
    data: dict[str, Any], idempotency_key: str, translator: Translator,
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
                               translator=translator, ip=ip, user_agent=user_agent)
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
        record_again(session, error)
        raise


def _replay(session: Session, earlier: JourneyRequest, fingerprint: str) -> JourneyView:
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyReused("this idempotency key was used for a different request")
    stored = kernel_of(session).cipher.decrypt(earlier.response, context="journey.response")
    view = JourneyView.model_validate_json(stored)
    return view.model_copy(update={"replayed": True})


def _submit(session: Session, actor: Actor, instance: JourneyInstance, *, step: str,
            data: dict[str, Any], files: dict[str, UploadedFile], translator: Translator,
            ip: str | None, user_agent: str | None) -> JourneyView:
    at = now()
    loaded = read(session, instance)
    check_open(instance, loaded.journey, at)
    ctx = context(session, actor, loaded, at)
    if instance.status == JourneyStatus.STEP_UP:
        return _submit_step_up(session, actor, loaded, ctx, step=step, data=data,
                               translator=translator, at=at)
    declared = _current_step(loaded, step)
    for guard in declared.guards:
        guard(ctx)
    answers = _take_answers(session, loaded, ctx, declared, data=data, files=files,
                            translator=translator, ip=ip, user_agent=user_agent, at=at)
    _complete_step(session, loaded, ctx, declared, answers, at)
    audit_record(session, actor, action="journey.step_submitted",
                 target_type="journey_instance", target_id=instance.id, after=answers,
                 details={"journey": instance.journey_key, "step": step})
    following = None if declared.kind is StepKind.CONFIRM else next_step(ctx, step)
    if following is None:
        save_facts(session, loaded, ctx)
        finish.conclude(session, actor, loaded, ctx, at)
    else:
        enter_step(session, loaded, ctx, following, at)
        save_facts(session, loaded, ctx)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, translator=translator, at=at)


def _current_step(loaded: Loaded, step: str) -> Step:
    """The declared step, if it is the one the instance waits for."""
    instance = loaded.instance
    declared = loaded.journey.step(step)
    if declared is None:
        raise StepNotFound("this journey has no such step")
    if step != instance.current_step:
        record = loaded.record(step)
        if record is not None and record.completed_at is not None:
            raise StepAlreadyCompleted("this step is already done; continue with the current "
                                       "step", current_step=instance.current_step)
        raise StepOutOfOrder("finish the current step first", current_step=instance.current_step)
    return declared


def _take_answers(session: Session, loaded: Loaded, ctx: StepContext, declared: Step, *,
                  data: dict[str, Any], files: dict[str, UploadedFile], translator: Translator,
                  ip: str | None, user_agent: str | None, at: datetime) -> dict[str, Any]:
    """Validate the form and the files, check a code, record consents, run the step's accept
    hook; the answers to store for the step."""
    choices = declared.choices(ctx) if declared.choices is not None else {}
    form = validate_form(form_of(declared), declared.uploads, data, choices)
    stored = _accept_uploads(session, loaded, ctx, declared, files)
    if declared.kind is StepKind.CODE:
        mobile = declared.code_to(ctx) if declared.code_to is not None else ctx.mobile()
        identity.check_one_time_code(session, mobile=mobile, code=getattr(form, "code", ""),
                                     purpose=code_purpose(loaded.journey.key, declared.key),
                                     actor=ctx.actor)
    answers: dict[str, Any] = form.model_dump(mode="json")
    if declared.kind is StepKind.CODE:
        answers = {"verified": True}
    if declared.kind is StepKind.CONSENT:
        answers = {"consents": _record_consents(session, loaded, ctx, declared, form,
                                                translator=translator, ip=ip, user_agent=user_agent,
                                                at=at)}
    answers.update(stored)
    if declared.accept is not None:
        declared.accept(ctx, form)
    return answers


def _complete_step(session: Session, loaded: Loaded, ctx: StepContext, declared: Step,
                   answers: dict[str, Any], at: datetime) -> None:
    """Store the answers encrypted, mark the step done and publish ``journey.step_completed``."""
    instance = loaded.instance
    step = declared.key
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


def _submit_step_up(session: Session, actor: Actor, loaded: Loaded, ctx: StepContext, *,
                    step: str, data: dict[str, Any], translator: Translator,
                    at: datetime) -> JourneyView:
    instance = loaded.instance
    if step != STEP_UP:
        raise StepOutOfOrder("finish the current step first", current_step=STEP_UP)
    form = validate_form(form_of(STEP_UP_STEP), (), data, {})
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
    audit_record(session, actor, action="journey.step_submitted", target_type="journey_instance",
                 target_id=instance.id, details={"journey": instance.journey_key, "step": STEP_UP})
    finish.approved(session, actor, loaded, at)
    session.flush()
    loaded.records = repository.steps(session, instance.id)
    return build_view(session, actor, loaded, translator=translator, at=at)


def _accept_uploads(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
                    files: dict[str, UploadedFile]) -> dict[str, Any]:
    """Check each file (type, size, a real image), run the liveness check where asked, and
    keep the file encrypted. Returns the stored documents' ids by field. A refused file is
    a field error whose message (an id with the error's parameters) the web edge renders."""
    errors: list[dict[str, str]] = []
    checked: dict[str, tuple[Upload, CheckedFile, UploadedFile]] = {}
    for upload in step.uploads:
        given = files.get(upload.name)
        if given is None or not given.data:
            if upload.required:
                errors.append({"field": upload.name, "message": "choose a file to upload"})
            continue
        try:
            checked[upload.name] = (upload, check_upload(given, kinds=upload.kinds,
                                                         max_bytes=upload.max_bytes), given)
        except ContactlessError as error:
            errors.append({"field": upload.name, "message": Msg(
                getattr(error, "template", error.message), **error.extra)})
    unknown = sorted(set(files) - {upload.name for upload in step.uploads})
    errors += [{"field": name, "message": "this field is not part of the step"}
               for name in unknown]
    if errors:
        raise invalid(errors)
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


def _record_consents(session: Session, loaded: Loaded, ctx: StepContext, step: Step,
                     form: BaseModel, *, translator: Translator, ip: str | None,
                     user_agent: str | None, at: datetime) -> dict[str, str]:
    """Record each text agreed to: its exact text, version and SHA-256, time and address. A
    fingerprint that does not match the text in force means the text changed since it was
    shown: nothing is recorded, and the customer reads it again."""
    sent: dict[str, str] = dict(getattr(form, "consents", {}) or {})
    gettext = translator
    agreed: dict[str, str] = {}
    for document in consent_documents(step, ctx):
        text = document.text(ctx, translator.locale)
        digest = text_hash(text)
        if sent.get(document.key) != digest:
            raise ConsentChanged("the text you agreed to is not the current one: read it again",
                                 document=document.key)
        session.add(ConsentRecord(
            instance_id=loaded.instance.id, customer_id=loaded.instance.customer_id,
            prospect_id=loaded.instance.prospect_id, document_key=document.key,
            version=document.version, locale=translator.locale,
            title=document.title.render(gettext)[:200], text=text, text_sha256=digest,
            agreed_at=at, ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:300] or None,
        ))
        agreed[document.key] = f"{document.version}:{digest}"
    return agreed


def decode_api_files(step_files: dict[str, Any]) -> dict[str, UploadedFile]:
    """Files in a JSON step submission: ``{"filename", "content_type", "content_base64"}``."""
    files: dict[str, UploadedFile] = {}
    for name, value in step_files.items():
        if isinstance(value, dict) and isinstance(value.get("content_base64"), str):
            encoded = value["content_base64"]
            filename = str(value.get("filename") or name)[:200]
            content_type = str(value.get("content_type") or "application/octet-stream")[:100]
        else:
            raise invalid([{"field": name, "message": "choose a file to upload"}])
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise invalid([{"field": name, "message": "the file is not valid base64"}]) from None
        files[name] = UploadedFile(filename, content_type, data)
    return files

