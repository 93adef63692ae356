"""What every part of the assistant service shares: the kernel's parts (the model in use,
the FAQ index), the taxonomy, message storage, views and the live signals.

Live pages (the customer's chat, the agent desk) learn that something changed through
counters in the kernel's store, bumped after the transaction commits: a page that reads on
the bump always sees the committed state, and several API workers share one Redis."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.assistant.errors import UnknownIntent
from contactless.assistant.models import Conversation, Message, Sender
from contactless.assistant.nlu.model import IntentModel
from contactless.assistant.nlu.store import ModelCache, taxonomy
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel, kernel_of
from contactless.settings import Mode

EXTENSION = "assistant"
DESK_SIGNAL = "assistant:desk"
SIGNAL_TTL = 7 * 24 * 3600
# the assistant itself, as the audit trail and the core bank see it
ASSISTANT = Actor(kind="system", id="assistant", channel="assistant", display="assistant")


@dataclass
class AssistantParts:
    """What the assistant keeps per kernel: the model in use and the FAQ index."""

    models: ModelCache
    faq_index: Any = None
    faq_version: tuple[int, datetime | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def install(kernel: Kernel) -> AssistantParts:
    """Give the kernel its assistant parts (once) and the after-commit hook of the signals."""
    parts: AssistantParts | None = kernel.extensions.get(EXTENSION)
    if parts is None:
        parts = AssistantParts(models=ModelCache(kernel.settings.home))
        kernel.extensions[EXTENSION] = parts
        kernel.db.on_commit(_signals_after_commit)
        if kernel.settings.mode != Mode.TEST:
            # the first customer should not wait for the model to be trained or read
            threading.Thread(target=parts.models.model, name="assistant-model",
                             daemon=True).start()
    return parts


def parts_of(session: Session) -> AssistantParts:
    return install(kernel_of(session))


def current_model(session: Session) -> IntentModel:
    return parts_of(session).models.model()


@dataclass(frozen=True)
class IntentInfo:
    key: str
    zh: str
    en: str
    always_human: bool

    def title(self, locale: str) -> str:
        return self.zh if locale == "zh-CN" else self.en


@cache
def intents() -> dict[str, IntentInfo]:
    """The taxonomy's intents by key."""
    return {row["intent"]: IntentInfo(row["intent"], row["zh"], row["en"],
                                      row["always_human"].strip().lower() == "yes")
            for row in taxonomy()}


def check_intent(key: str) -> str:
    key = key.strip()
    if key not in intents():
        raise UnknownIntent("choose an intent from the list")
    return key


# ---- live signals ---------------------------------------------------------------------------


def conversation_signal(conversation_id: uuid.UUID) -> str:
    return f"assistant:conversation:{conversation_id}"


def signal(session: Session, *keys: str) -> None:
    """Bump these counters once the transaction has committed."""
    session.info.setdefault("assistant_signals", set()).update(keys)


def _signals_after_commit(session: Session) -> Callable[[], None] | None:
    keys: set[str] = session.info.pop("assistant_signals", set())
    if not keys:
        return None
    store = kernel_of(session).store

    def bump() -> None:
        for key in sorted(keys):
            store.incr(key, ttl=SIGNAL_TTL)

    return bump


# ---- messages -------------------------------------------------------------------------------


def encrypt(session: Session, text: str) -> str:
    return kernel_of(session).cipher.encrypt(text, context="assistant.message")


def decrypt(session: Session, token: str) -> str:
    return kernel_of(session).cipher.decrypt(token, context="assistant.message")


def append(session: Session, conversation: Conversation, *, sender: Sender, text: str,
           agent_id: uuid.UUID | None = None, truncated: bool = False,
           intent: str | None = None, confidence: float | None = None,
           entities: dict[str, Any] | None = None,
           actions: list[dict[str, str]] | None = None) -> Message:
    """Add a message at the conversation's next sequence number and tell the live pages."""
    message = Message(id=uuid.uuid4(), conversation_id=conversation.id,
                      seq=conversation.next_seq, sender=sender.value, agent_id=agent_id,
                      text_encrypted=encrypt(session, text), truncated=truncated, intent=intent,
                      confidence=confidence, entities=entities, actions=actions or None,
                      created_at=utcnow())
    conversation.next_seq += 1
    conversation.updated_at = message.created_at
    session.add(message)
    signal(session, conversation_signal(conversation.id))
    return message


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    seq: int
    sender: str
    text: str
    created_at: datetime
    truncated: bool = False
    intent: str | None = None
    confidence: float | None = None
    corrected_intent: str | None = None
    actions: list[dict[str, str]] = field(default_factory=list)

    def as_json(self, *, staff: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"id": str(self.id), "seq": self.seq, "sender": self.sender,
                                "text": self.text, "at": self.created_at.isoformat(),
                                "truncated": self.truncated, "actions": self.actions}
        if staff:
            body.update({"intent": self.intent, "confidence": self.confidence,
                         "corrected_intent": self.corrected_intent})
        return body


def message_view(session: Session, message: Message) -> MessageView:
    return MessageView(message.id, message.seq, message.sender,
                       decrypt(session, message.text_encrypted), message.created_at,
                       message.truncated, message.intent, message.confidence,
                       message.corrected_intent, list(message.actions or []))


def transcript(session: Session, conversation: Conversation, *, after_seq: int = 0,
               ) -> list[MessageView]:
    return [message_view(session, m)
            for m in repository.messages(session, conversation.id, after_seq=after_seq)]


@dataclass(frozen=True)
class ConversationView:
    id: uuid.UUID
    status: str
    locale: str
    customer_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    predicted_intent: str | None
    handoff_reason: str | None
    queue_position: int
    queued_at: datetime | None
    claimed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_seq: int

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "status": self.status, "locale": self.locale,
                "queue_position": self.queue_position,
                "agent_joined": self.agent_id is not None and self.status == "agent",
                "predicted_intent": self.predicted_intent,
                "handoff_reason": self.handoff_reason, "last_seq": self.last_seq}


def conversation_view(session: Session, conversation: Conversation) -> ConversationView:
    position = repository.queue_position(session, conversation) \
        if conversation.status == "queued" else 0
    return ConversationView(conversation.id, conversation.status, conversation.locale,
                            conversation.customer_id, conversation.agent_id,
                            conversation.predicted_intent, conversation.handoff_reason,
                            position, conversation.queued_at, conversation.claimed_at,
                            conversation.created_at, conversation.updated_at,
                            conversation.next_seq - 1)
