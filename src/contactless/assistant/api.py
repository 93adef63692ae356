"""Assistant JSON API (/api/v1/assistant) for the mobile-banking app: a signed-in customer
sends messages and reads a conversation's history."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query

from contactless.assistant import schemas
from contactless.assistant import service as assistant
from contactless.assistant.service.core import ConversationView, MessageView
from contactless.customers.web import CurrentCustomer
from contactless.web.deps import DbSession, Locale

router = APIRouter(prefix="/api/v1/assistant", tags=["assistant"])


def state_out(view: ConversationView) -> schemas.ConversationState:
    return schemas.ConversationState(id=view.id, status=view.status,
                                     queue_position=view.queue_position,
                                     agent_joined=view.agent_id is not None
                                     and view.status == "agent", last_seq=view.last_seq)


def messages_out(messages: list[MessageView]) -> list[schemas.MessageOut]:
    out = []
    for message in messages:
        body: dict[str, Any] = message.as_json()
        out.append(schemas.MessageOut(id=message.id, seq=message.seq, sender=message.sender,
                                      text=message.text, at=message.created_at,
                                      truncated=message.truncated, actions=body["actions"]))
    return out


@router.post("/messages", response_model=schemas.PostOut)
def post_message(body: schemas.MessageIn, session: DbSession, actor: CurrentCustomer,
                 locale: Locale) -> schemas.PostOut:
    """Send a message; the reply (or the queue notice after a handoff) comes back with it.
    Errors: ``message_empty`` (422), ``conversation_closed`` (409),
    ``conversation_not_found`` (404)."""
    result = assistant.post_message(session, actor, text=body.text,
                                    conversation_id=body.conversation_id, channel="api",
                                    locale=locale)
    return schemas.PostOut(conversation=state_out(result.conversation),
                           messages=messages_out(result.messages), note=result.note)


@router.get("/conversations/{conversation_id}", response_model=schemas.HistoryOut)
def conversation(conversation_id: uuid.UUID, session: DbSession, actor: CurrentCustomer,
                 after: int = Query(default=0, ge=0, le=2**31 - 1)) -> schemas.HistoryOut:
    """The conversation's state and its messages after sequence number ``after``."""
    view, messages = assistant.history(session, actor, conversation_id=conversation_id,
                                       after_seq=after)
    return schemas.HistoryOut(conversation=state_out(view), messages=messages_out(messages))
