"""A customer's conversation: every message is kept first, then understood and answered.

The one rule of the file: what the customer wrote is stored before anything can go wrong
with understanding it, so a message is never lost; the reply (or the handoff) follows in the
same transaction. While the conversation waits for or belongs to an agent, the assistant
stays quiet: the message is kept for the agent and nothing is answered.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.assistant.errors import ConversationClosed, ConversationNotFound, MessageEmpty
from contactless.assistant.models import Conversation, ConversationStatus, Message, Sender
from contactless.assistant.nlu.entities import Entities, extract
from contactless.assistant.nlu.text import has_words, language_of
from contactless.assistant.service import answers, faq
from contactless.assistant.service.answers import Reply, Turn
from contactless.assistant.service.core import (
    ASSISTANT,
    DESK_SIGNAL,
    ConversationView,
    MessageView,
    append,
    conversation_view,
    current_model,
    intents,
    message_view,
    signal,
    transcript,
)
from contactless.platform import audit
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.events import publish
from contactless.platform.i18n import N_, gettext_for
from contactless.platform.kernel import kernel_of

# a person asked for: the model need not be sure of it
HUMAN_REQUEST = re.compile(r"转人工|人工客服|真人|human agent|real person|talk to (a )?human",
                           re.IGNORECASE)
LOW_CONFIDENCE_TURNS = 2


@dataclass(frozen=True)
class PostResult:
    conversation: ConversationView
    messages: list[MessageView]  # the customer's message first, then what followed
    note: str | None = None  # e.g. the message was cut, or a new conversation was started


@dataclass
class _Understood:
    intent: str | None
    confidence: float | None
    entities: Entities = field(default_factory=Entities)
    ranking: list[tuple[str, float]] = field(default_factory=list)


def _owner_check(conversation: Conversation, actor: Actor | None,
                 visitor_conversation: uuid.UUID | None) -> None:
    if conversation.customer_id is not None:
        if actor is None or actor.kind != "customer" or actor.id != str(conversation.customer_id):
            raise ConversationNotFound("no such conversation")
    elif visitor_conversation != conversation.id:
        raise ConversationNotFound("no such conversation")


def start_conversation(session: Session, actor: Actor | None, *, channel: str,
                       locale: str) -> Conversation:
    """A new conversation for a signed-in customer (``actor``) or a visitor (None)."""
    customer_id = uuid.UUID(actor.id) if actor is not None and actor.kind == "customer" else None
    conversation = Conversation(id=uuid.uuid4(), customer_id=customer_id, channel=channel,
                                locale=locale, status=ConversationStatus.ASSISTANT,
                                created_at=utcnow(), updated_at=utcnow())
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(session: Session, actor: Actor | None, *, conversation_id: uuid.UUID,
                     visitor_conversation: uuid.UUID | None = None) -> Conversation:
    """The conversation if it is the actor's (or the visitor's own)."""
    conversation = repository.conversation(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound("no such conversation")
    _owner_check(conversation, actor, visitor_conversation)
    return conversation


def open_conversation_of(session: Session, actor: Actor) -> Conversation | None:
    """A signed-in customer's latest conversation that is not closed."""
    if actor.kind != "customer":
        return None
    return repository.latest_open_conversation(session, uuid.UUID(actor.id))


def history(session: Session, actor: Actor | None, *, conversation_id: uuid.UUID,
            visitor_conversation: uuid.UUID | None = None, after_seq: int = 0,
            ) -> tuple[ConversationView, list[MessageView]]:
    conversation = get_conversation(session, actor, conversation_id=conversation_id,
                                    visitor_conversation=visitor_conversation)
    return conversation_view(session, conversation), transcript(session, conversation,
                                                                after_seq=after_seq)


def post_message(session: Session, actor: Actor | None, *, text: str,
                 conversation_id: uuid.UUID | None = None, channel: str = "web",
                 locale: str = "zh-CN", visitor_conversation: uuid.UUID | None = None,
                 ) -> PostResult:
    """Keep the customer's message and answer it (or hand the conversation to a person).

    Refused, with nothing kept: an empty or blank message (``message_empty``), a conversation
    that is not the actor's (``conversation_not_found``) or is closed (``conversation_closed``).
    A message longer than the limit is cut there and the reply says so."""
    text = text.strip() if text else ""
    if not text:
        raise MessageEmpty("write a message first")
    settings = kernel_of(session).settings
    limit = settings.assistant_max_message_chars
    truncated = len(text) > limit
    if truncated:
        text = text[:limit]
    if conversation_id is None:
        conversation = start_conversation(session, actor, channel=channel, locale=locale)
    else:
        found = repository.conversation(session, conversation_id, for_update=True)
        if found is None:
            raise ConversationNotFound("no such conversation")
        _owner_check(found, actor, visitor_conversation)
        if found.status == ConversationStatus.CLOSED:
            raise ConversationClosed("this conversation has ended; start a new one")
        conversation = found
    reply_locale = language_of(text, conversation.locale)
    gettext = gettext_for(reply_locale)
    customer_message = append(session, conversation, sender=Sender.CUSTOMER, text=text,
                              truncated=truncated)
    posted = [customer_message]
    note = gettext(N_("Your message was long, so I read the first {limit} characters.")).format(
        limit=limit) if truncated else None
    if conversation.status == ConversationStatus.ASSISTANT:
        customer = actor if actor is not None and actor.kind == "customer" else None
        posted += _respond(session, conversation, customer, customer_message, text=text,
                           locale=reply_locale, note=note)
    else:
        signal(session, DESK_SIGNAL)
    _announce(session, conversation, actor, customer_message)
    return PostResult(conversation_view(session, conversation),
                      [message_view(session, m) for m in posted], note)


MESSAGE_POSTED = "assistant.message_posted"


def _announce(session: Session, conversation: Conversation, actor: Actor | None,
              message: Message) -> None:
    """``assistant.message_posted`` (no text: what was asked stays in the conversation)."""
    customer = actor.id if actor is not None and actor.kind == "customer" else None
    publish(session, MESSAGE_POSTED, {
        "conversation_id": str(conversation.id), "message_id": str(message.id),
        "customer_id": customer, "intent": message.intent, "channel": conversation.channel,
        "at": (message.created_at or utcnow()).isoformat()})


def _understand(session: Session, text: str) -> _Understood:
    today = bank_today(kernel_of(session).settings)
    entities = extract(text, today=today)
    if not has_words(text):
        return _Understood(None, None, entities)
    prediction = current_model(session).predict(text)
    return _Understood(prediction.intent, prediction.confidence, entities, prediction.ranking)


def _respond(session: Session, conversation: Conversation, customer: Actor | None,
             message: Message, *, text: str, locale: str, note: str | None) -> list[Message]:
    settings = kernel_of(session).settings
    understood = _understand(session, text)
    message.intent, message.confidence = understood.intent, understood.confidence
    message.entities = understood.entities.as_json()
    gettext = gettext_for(locale)
    turn = Turn(session, conversation, customer, text, understood.entities, locale, gettext,
                bank_today(settings))
    reply = _decide(session, conversation, turn, understood, settings.assistant_handoff_threshold)
    if note:
        reply.text = f"{note}\n{reply.text}"
    conversation.flow = reply.flow
    if understood.intent:
        conversation.predicted_intent = understood.intent
    sent = [append(session, conversation, sender=Sender.ASSISTANT, text=reply.text,
                   actions=reply.actions)]
    if reply.handoff:
        sent.append(hand_off(session, conversation, reason=reply.handoff, locale=locale))
    return sent


def _suggestions(turn: Turn, understood: _Understood) -> list[dict[str, str]]:
    known = intents()
    return [answers.say(known[key].title(turn.locale), known[key].title(turn.locale))
            for key, _p in understood.ranking[:3]
            if key in known and key not in ("out_of_scope", "greeting", "thanks_goodbye")]


def _decide(session: Session, conversation: Conversation, turn: Turn, understood: _Understood,
            threshold: float) -> Reply:
    """Which reply: a person when asked for or when the intent always needs one; the flow
    under way; a clarifying question when unsure (a person after two in a row); the answer."""
    intent, confidence = understood.intent, understood.confidence
    info = intents().get(intent or "")
    sure = confidence is not None and confidence >= threshold
    if HUMAN_REQUEST.search(turn.text) or (sure and info is not None and info.always_human):
        conversation.low_confidence_streak = 0
        reason = "requested" if HUMAN_REQUEST.search(turn.text) or intent == "human_agent" \
            else "always_human"
        return Reply(turn._("I am connecting you with a colleague. Please wait a moment."),
                     handoff=reason)
    if conversation.flow:
        conversation.low_confidence_streak = 0
        return answers.continue_flow(turn, dict(conversation.flow))
    if intent is None:  # emoji or symbols only: ask, without counting it as misunderstood
        return Reply(turn._("I see an emoji, but no question yet. How can I help you?"))
    if not sure:
        conversation.low_confidence_streak += 1
        if conversation.low_confidence_streak >= LOW_CONFIDENCE_TURNS:
            conversation.low_confidence_streak = 0
            return Reply(turn._("Sorry, I did not understand. I am connecting you with a "
                                "colleague."), handoff="low_confidence")
        return Reply(turn._("Sorry, I am not sure I understood. Did you mean one of these? You "
                            "can also say it in other words."), _suggestions(turn, understood))
    conversation.low_confidence_streak = 0
    if intent not in answers.LIVE:
        found = faq.match(session, turn.text, locale=turn.locale, on=turn.today)
        if found is not None:
            return Reply(found[1], [])
    return answers.answer(turn, intent)


def hand_off(session: Session, conversation: Conversation, *, reason: str,
             locale: str) -> Message:
    """Put the conversation in the agents' queue with its transcript and predicted intent;
    the customer is told their place in the queue."""
    conversation.status = ConversationStatus.QUEUED
    conversation.queued_at = utcnow()
    conversation.handed_off = True
    conversation.handoff_reason = reason
    conversation.flow = None
    session.flush()
    position = repository.queue_position(session, conversation)
    audit.record(session, ASSISTANT, action="assistant.handed_off",
                 target_type="assistant_conversation", target_id=conversation.id,
                 details={"reason": reason, "intent": conversation.predicted_intent})
    signal(session, DESK_SIGNAL)
    gettext = gettext_for(locale)
    return append(session, conversation, sender=Sender.SYSTEM,
                  text=gettext(N_("You are number {position} in the queue for a colleague."))
                  .format(position=position))


def request_human(session: Session, actor: Actor | None, *, conversation_id: uuid.UUID,
                  visitor_conversation: uuid.UUID | None = None) -> ConversationView:
    """The customer's 转人工 button: the conversation joins the queue (if it is not there)."""
    conversation = get_conversation(session, actor, conversation_id=conversation_id,
                                    visitor_conversation=visitor_conversation)
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationClosed("this conversation has ended; start a new one")
    if conversation.status == ConversationStatus.ASSISTANT:
        hand_off(session, conversation, reason="requested", locale=conversation.locale)
    return conversation_view(session, conversation)


def visible_state(view: ConversationView) -> dict[str, Any]:
    return view.as_json()
