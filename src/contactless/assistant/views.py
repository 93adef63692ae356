"""Assistant pages: the customer's chat (/m/assistant), the agent desk, the FAQ knowledge base
and the dashboard (/console/assistant). Live updates are server-sent events; the pages' scripts
are static files (no inline script) and put every text in the page as text, never as HTML."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from contactless.assistant import service as assistant
from contactless.assistant.errors import ConversationNotFound, FaqInvalid
from contactless.assistant.service.core import ConversationView, MessageView
from contactless.customers.web import OptionalCustomer
from contactless.identity.web import CurrentStaff
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, gettext_for
from contactless.web.deps import CsrfChecked, DbSession, KernelDep, get_kernel, locale_of
from contactless.web.templating import extra_navigation, render

mobile_router = APIRouter(prefix="/m/assistant", include_in_schema=False)
console_router = APIRouter(prefix="/console/assistant", include_in_schema=False)
PUBLIC = frozenset({"/m/assistant", "/m/assistant/messages", "/m/assistant/human",
                    "/m/assistant/history", "/m/assistant/stream"})
VISITOR_COOKIE = "cl_chat"
VISITOR_PURPOSE = "assistant-visitor"
VISITOR_MAX_AGE = 24 * 3600
# a stream ends after this long and the browser reconnects (EventSource does so by itself),
# so no connection outlives a deploy or a signed-out session for long
STREAM_SECONDS = 60
POLL_SECONDS = 0.3


NAVIGATION = [
    ("/console/assistant/desk", "Agent desk", frozenset({"agent"})),
    ("/console/assistant/faq", "FAQ knowledge base", frozenset({"admin", "agent"})),
    ("/console/assistant/dashboard", "Assistant dashboard",
     frozenset({"admin", "agent", "branch_manager"})),
]


def install(app: FastAPI) -> None:
    """The console menu entries of the assistant."""
    extra_navigation(app.state.templates, NAVIGATION)


def problem(request: Request, error: ContactlessError) -> JSONResponse:
    """The JSON endpoints of these pages answer errors as problem+json (pages would render
    HTML), with the detail in the reader's language."""
    body = error.problem(instance=request.url.path)
    body["detail"] = gettext_for(locale_of(request))(error.message)
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")


def _visitor_conversation(request: Request) -> uuid.UUID | None:
    token = request.cookies.get(VISITOR_COOKIE)
    if not token:
        return None
    data = get_kernel(request).signer.loads(token, purpose=VISITOR_PURPOSE,
                                            max_age=VISITOR_MAX_AGE)
    try:
        return uuid.UUID(str(data["conversation"])) if isinstance(data, dict) else None
    except (KeyError, ValueError):
        return None


def _remember_visitor(request: Request, response: Response, conversation_id: uuid.UUID) -> None:
    kernel = get_kernel(request)
    response.set_cookie(VISITOR_COOKIE, kernel.signer.dumps({"conversation": str(conversation_id)},
                                                            purpose=VISITOR_PURPOSE),
                        max_age=VISITOR_MAX_AGE, httponly=True, samesite="lax",
                        secure=kernel.settings.cookie_secure)


def _payload(view: ConversationView, messages: list[MessageView], *, staff: bool = False,
             note: str | None = None) -> dict[str, Any]:
    return {"conversation": view.as_json(), "note": note,
            "messages": [m.as_json(staff=staff) for m in messages]}


# ---- the customer's chat ---------------------------------------------------------------------


def _current_conversation(request: Request, session: DbSession, actor: Actor | None,
                          ) -> uuid.UUID | None:
    if actor is not None:
        found = assistant.open_conversation_of(session, actor)
        return found.id if found else None
    return _visitor_conversation(request)


@mobile_router.get("")
def chat_page(request: Request, session: DbSession, actor: OptionalCustomer) -> Response:
    conversation_id = _current_conversation(request, session, actor)
    return render(request, "m/assistant.html", {
        "conversation_id": str(conversation_id) if conversation_id else "",
        "signed_in": actor is not None,
        "speech_lang": "zh-CN" if locale_of(request) == "zh-CN" else "en-US",
    })


@mobile_router.get("/history")
def chat_history(request: Request, session: DbSession, actor: OptionalCustomer,
                 conversation: uuid.UUID, after: int = 0) -> Response:
    try:
        view, messages = assistant.history(session, actor, conversation_id=conversation,
                                           visitor_conversation=_visitor_conversation(request),
                                           after_seq=max(0, after))
    except ContactlessError as error:
        return problem(request, error)
    return JSONResponse(_payload(view, messages))


@mobile_router.post("/messages", dependencies=[CsrfChecked])
def chat_message(request: Request, session: DbSession, actor: OptionalCustomer,
                 text: Annotated[str, Form()] = "",
                 conversation_id: Annotated[str, Form()] = "") -> Response:
    """A message from the chat page. To a closed (or unknown) conversation, the message
    starts a new conversation instead of being lost; the reply says so."""
    locale = locale_of(request)
    visitor = _visitor_conversation(request)
    target = _parse_id(conversation_id)
    note = None
    try:
        try:
            result = assistant.post_message(session, actor, text=text, conversation_id=target,
                                            locale=locale, visitor_conversation=visitor)
        except ContactlessError as error:
            if error.code not in ("conversation_closed", "conversation_not_found"):
                raise
            note = gettext_for(locale)(N_("The earlier conversation has ended, so I started a "
                                          "new one."))
            result = assistant.post_message(session, actor, text=text, locale=locale)
    except ContactlessError as error:
        return problem(request, error)
    body = _payload(result.conversation, result.messages, note=note or result.note)
    response = JSONResponse(body)
    if actor is None:
        _remember_visitor(request, response, result.conversation.id)
    return response


def _parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value.strip() else None
    except ValueError:
        return None


@mobile_router.post("/human", dependencies=[CsrfChecked])
def chat_human(request: Request, session: DbSession, actor: OptionalCustomer,
               conversation_id: Annotated[str, Form()] = "") -> Response:
    target = _parse_id(conversation_id)
    try:
        if target is None:
            raise ConversationNotFound("no such conversation")
        view = assistant.request_human(session, actor, conversation_id=target,
                                       visitor_conversation=_visitor_conversation(request))
        _view, messages = assistant.history(session, actor, conversation_id=target,
                                            visitor_conversation=_visitor_conversation(request))
    except ContactlessError as error:
        return problem(request, error)
    return JSONResponse(_payload(view, messages))


async def _events(request: Request, key: str,
                  snapshot: Callable[[], dict[str, Any] | None]) -> AsyncIterator[str]:
    """Send a snapshot whenever the signal ``key`` moves (and once at the start)."""
    store = get_kernel(request).store
    started = time.monotonic()
    last: str | None = "never"
    quiet_since = started
    yield "retry: 1000\n\n"
    while time.monotonic() - started < STREAM_SECONDS:
        if await request.is_disconnected():
            return
        version = await run_in_threadpool(store.get, key)
        if version != last:
            last = version
            data = await run_in_threadpool(snapshot)
            if data is not None:
                yield f"event: update\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 15:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


def _stream_response(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@mobile_router.get("/stream")
def chat_stream(request: Request, session: DbSession, kernel: KernelDep,
                actor: OptionalCustomer, conversation: uuid.UUID, after: int = 0) -> Response:
    visitor = _visitor_conversation(request)
    try:
        assistant.get_conversation(session, actor, conversation_id=conversation,
                                   visitor_conversation=visitor)
    except ContactlessError as error:
        return problem(request, error)
    seen = {"after": max(0, after)}

    def snapshot() -> dict[str, Any] | None:
        with kernel.db.session() as own:
            view, messages = assistant.history(own, actor, conversation_id=conversation,
                                               visitor_conversation=visitor,
                                               after_seq=seen["after"])
        if messages:
            seen["after"] = messages[-1].seq
        return _payload(view, messages)

    return _stream_response(_events(request, assistant.conversation_signal(conversation),
                                    snapshot))


# ---- the agent desk --------------------------------------------------------------------------


def _queue_json(items: list[assistant.QueueItem], locale: str) -> list[dict[str, Any]]:
    intents = assistant.intents()
    out = []
    for item in items:
        intent = item.conversation.predicted_intent
        out.append({**item.conversation.as_json(), "preview": item.preview,
                    "intent_title": intents[intent].title(locale) if intent in intents else "",
                    "since": item.waiting_since.isoformat() if item.waiting_since else None})
    return out


def _desk_json(state: assistant.DeskState, locale: str) -> dict[str, Any]:
    return {"queue": _queue_json(state.queue, locale), "mine": _queue_json(state.mine, locale)}


@console_router.get("/desk")
def desk_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    locale = locale_of(request)
    state = assistant.desk_state(session, actor)
    intents = [(key, info.title(locale)) for key, info in assistant.intents().items()]
    return render(request, "console/assistant_desk.html", {
        "queue_size": len(state.queue), "intents": intents,
        "intents_json": json.dumps(dict(intents), ensure_ascii=False),
    })


@console_router.get("/desk/stream")
def desk_stream(request: Request, session: DbSession, kernel: KernelDep,
                actor: CurrentStaff) -> Response:
    locale = locale_of(request)
    try:
        assistant.desk_state(session, actor)
    except ContactlessError as error:
        return problem(request, error)

    def snapshot() -> dict[str, Any]:
        with kernel.db.session() as own:
            return _desk_json(assistant.desk_state(own, actor), locale)

    return _stream_response(_events(request, assistant.DESK_SIGNAL, snapshot))


@console_router.get("/conversations/{conversation_id}")
def desk_conversation(request: Request, session: DbSession, actor: CurrentStaff,
                      conversation_id: uuid.UUID) -> Response:
    try:
        view, messages = assistant.open_for_agent(session, actor,
                                                  conversation_id=conversation_id)
    except ContactlessError as error:
        return problem(request, error)
    body = _payload(view, messages, staff=True)
    body["conversation"]["mine"] = view.agent_id is not None and str(view.agent_id) == actor.id
    return JSONResponse(body)


@console_router.get("/conversations/{conversation_id}/stream")
def desk_conversation_stream(request: Request, session: DbSession, kernel: KernelDep,
                             actor: CurrentStaff, conversation_id: uuid.UUID) -> Response:
    try:
        assistant.open_for_agent(session, actor, conversation_id=conversation_id)
    except ContactlessError as error:
        return problem(request, error)

    def snapshot() -> dict[str, Any]:
        with kernel.db.session() as own:
            view, messages = assistant.open_for_agent(own, actor,
                                                      conversation_id=conversation_id)
        body = _payload(view, messages, staff=True)
        body["conversation"]["mine"] = view.agent_id is not None and \
            str(view.agent_id) == actor.id
        return body

    return _stream_response(_events(request, assistant.conversation_signal(conversation_id),
                                    snapshot))


def _desk_action(request: Request, call: Callable[[], object]) -> Response:
    try:
        result = call()
    except ContactlessError as error:
        return problem(request, error)
    if isinstance(result, ConversationView):
        return JSONResponse({"conversation": result.as_json()})
    if isinstance(result, MessageView):
        return JSONResponse({"message": result.as_json(staff=True)})
    return JSONResponse({})


@console_router.post("/conversations/{conversation_id}/claim", dependencies=[CsrfChecked])
def desk_claim(request: Request, session: DbSession, actor: CurrentStaff,
               conversation_id: uuid.UUID) -> Response:
    return _desk_action(request, lambda: assistant.claim(session, actor,
                                                         conversation_id=conversation_id))


@console_router.post("/conversations/{conversation_id}/reply", dependencies=[CsrfChecked])
def desk_reply(request: Request, session: DbSession, actor: CurrentStaff,
               conversation_id: uuid.UUID, text: Annotated[str, Form()] = "") -> Response:
    return _desk_action(request, lambda: assistant.reply(session, actor,
                                                         conversation_id=conversation_id,
                                                         text=text))


@console_router.post("/conversations/{conversation_id}/transfer", dependencies=[CsrfChecked])
def desk_transfer(request: Request, session: DbSession, actor: CurrentStaff,
                  conversation_id: uuid.UUID, to: Annotated[str, Form()] = "") -> Response:
    return _desk_action(request, lambda: assistant.transfer(session, actor,
                                                            conversation_id=conversation_id,
                                                            to_username=to))


@console_router.post("/conversations/{conversation_id}/hand-back", dependencies=[CsrfChecked])
def desk_hand_back(request: Request, session: DbSession, actor: CurrentStaff,
                   conversation_id: uuid.UUID) -> Response:
    return _desk_action(request, lambda: assistant.hand_back(session, actor,
                                                             conversation_id=conversation_id))


@console_router.post("/conversations/{conversation_id}/close", dependencies=[CsrfChecked])
def desk_close(request: Request, session: DbSession, actor: CurrentStaff,
               conversation_id: uuid.UUID) -> Response:
    return _desk_action(request, lambda: assistant.close(session, actor,
                                                         conversation_id=conversation_id))


@console_router.post("/messages/{message_id}/correct", dependencies=[CsrfChecked])
def desk_correct(request: Request, session: DbSession, actor: CurrentStaff,
                 message_id: uuid.UUID, intent: Annotated[str, Form()] = "") -> Response:
    return _desk_action(request, lambda: assistant.correct_intent(session, actor,
                                                                  message_id=message_id,
                                                                  intent=intent))


# ---- the knowledge base and the dashboard ----------------------------------------------------


def _faq_form(question: str, answer: str, paraphrases: str, locale: str, effective_from: str,
              effective_until: str, active: str | None) -> assistant.FaqInput:
    try:
        since = date.fromisoformat(effective_from)
        until = date.fromisoformat(effective_until) if effective_until.strip() else None
    except ValueError:
        raise FaqInvalid("enter dates as YYYY-MM-DD") from None
    return assistant.FaqInput(locale=locale, question=question, answer=answer,
                              paraphrases=paraphrases.splitlines(), effective_from=since,
                              effective_until=until, active=active is not None)


@console_router.get("/faq")
def faq_page(request: Request, session: DbSession, actor: CurrentStaff,
             edit: uuid.UUID | None = None) -> Response:
    entries = assistant.list_faq(session, actor)
    editing = assistant.get_faq(session, actor, faq_id=edit) if edit else None
    return render(request, "console/assistant_faq.html", {
        "entries": entries, "editing": editing,
        "today": bank_today(get_kernel(request).settings).isoformat()})


@console_router.post("/faq", dependencies=[CsrfChecked])
def faq_save(request: Request, session: DbSession, actor: CurrentStaff,
             question: Annotated[str, Form()] = "", answer: Annotated[str, Form()] = "",
             paraphrases: Annotated[str, Form()] = "", locale: Annotated[str, Form()] = "zh-CN",
             effective_from: Annotated[str, Form()] = "",
             effective_until: Annotated[str, Form()] = "",
             active: Annotated[str | None, Form()] = None,
             faq_id: Annotated[str, Form()] = "") -> Response:
    try:
        data = _faq_form(question, answer, paraphrases, locale, effective_from,
                         effective_until, active)
        target = _parse_id(faq_id)
        if target is None:
            assistant.create_faq(session, actor, data=data)
        else:
            assistant.update_faq(session, actor, faq_id=target, data=data)
    except ContactlessError as error:
        if error.status == 403:
            raise
        return render(request, "console/assistant_faq.html", {
            "entries": assistant.list_faq(session, actor), "editing": None,
            "error": gettext_for(locale_of(request))(error.message),
            "form": {"question": question, "answer": answer, "paraphrases": paraphrases,
                     "locale": locale, "effective_from": effective_from,
                     "effective_until": effective_until, "faq_id": faq_id},
            "today": bank_today(get_kernel(request).settings).isoformat()}, status=error.status)
    return RedirectResponse("/console/assistant/faq", status_code=303)


@console_router.get("/dashboard")
def dashboard_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    figures = assistant.dashboard(session, actor)
    locale = locale_of(request)
    titles = {key: info.title(locale) for key, info in assistant.intents().items()}
    return render(request, "console/assistant_dashboard.html",
                  {"figures": figures, "titles": titles})
