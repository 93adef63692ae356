"""The agent desk (远程人工): the queue, claiming, replying, transferring, handing back to the
assistant, closing, and marking what the assistant misunderstood.

Only staff with the agent role work here. A conversation has one owner at a time: a reply,
transfer, hand-back or close by anyone else is refused (``not_conversation_owner``) and
changes nothing. Claiming is a row-locked check of the status, so two agents claiming at once
cannot both win."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from contactless.assistant import repository
from contactless.assistant.errors import (
    AgentRoleRequired,
    ConversationClosed,
    ConversationNotFound,
    ConversationNotQueued,
    MessageEmpty,
    MessageNotFound,
    NotConversationOwner,
)
from contactless.assistant.models import Conversation, ConversationStatus, Sender, TrainingExample
from contactless.assistant.service.core import (
    DESK_SIGNAL,
    ConversationView,
    MessageView,
    append,
    check_intent,
    conversation_view,
    decrypt,
    encrypt,
    message_view,
    signal,
    transcript,
)
from contactless.identity import permissions
from contactless.identity import service as identity
from contactless.identity.permissions import Operation
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.i18n import N_, gettext_for
from contactless.platform.kernel import kernel_of


def require_agent(actor: Actor) -> uuid.UUID:
    """The agent's staff id; anyone else is refused (``agent_role_required``)."""
    if actor.kind != "staff" or not permissions.allows(actor.role, Operation.ASSISTANT_DESK):
        raise AgentRoleRequired("the agent desk is for service agents")
    permissions.authorize(actor, Operation.ASSISTANT_DESK)
    return uuid.UUID(actor.id)


@dataclass(frozen=True)
class QueueItem:
    conversation: ConversationView
    preview: str  # the customer's latest words
    waiting_since: datetime | None


@dataclass(frozen=True)
class DeskState:
    queue: list[QueueItem]
    mine: list[QueueItem]


def _preview(session: Session, conversation: Conversation) -> str:
    for message in reversed(repository.messages(session, conversation.id)):
        if message.sender == Sender.CUSTOMER:
            return decrypt(session, message.text_encrypted)[:120]
    return ""


def desk_state(session: Session, actor: Actor) -> DeskState:
    """The queue, oldest first, and the conversations this agent owns."""
    agent_id = require_agent(actor)
    queue = [QueueItem(conversation_view(session, c), _preview(session, c), c.queued_at)
             for c in repository.queue(session)]
    mine = [QueueItem(conversation_view(session, c), _preview(session, c), c.claimed_at)
            for c in repository.owned_by(session, agent_id)]
    return DeskState(queue, mine)


def _load(session: Session, conversation_id: uuid.UUID) -> Conversation:
    conversation = repository.conversation(session, conversation_id, for_update=True)
    if conversation is None:
        raise ConversationNotFound("no such conversation")
    return conversation


def _owned(session: Session, actor: Actor, conversation_id: uuid.UUID) -> Conversation:
    agent_id = require_agent(actor)
    conversation = _load(session, conversation_id)
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationClosed("this conversation has ended")
    if conversation.status != ConversationStatus.AGENT or conversation.agent_id != agent_id:
        raise NotConversationOwner("claim this conversation before you act on it")
    return conversation


def open_for_agent(session: Session, actor: Actor, *, conversation_id: uuid.UUID,
                   ) -> tuple[ConversationView, list[MessageView]]:
    """A conversation with its whole transcript, for any agent (to read before claiming)."""
    require_agent(actor)
    conversation = repository.conversation(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound("no such conversation")
    return conversation_view(session, conversation), transcript(session, conversation)


def _notice(session: Session, conversation: Conversation, message: str, **params: str) -> None:
    text = gettext_for(conversation.locale)(message).format(**params)
    append(session, conversation, sender=Sender.SYSTEM, text=text)


def claim(session: Session, actor: Actor, *, conversation_id: uuid.UUID) -> ConversationView:
    """Take a waiting conversation: the customer is told a colleague joined."""
    agent_id = require_agent(actor)
    conversation = _load(session, conversation_id)
    if conversation.status != ConversationStatus.QUEUED:
        raise ConversationNotQueued("this conversation is not waiting in the queue")
    conversation.status = ConversationStatus.AGENT
    conversation.agent_id = agent_id
    conversation.claimed_at = utcnow()
    _notice(session, conversation, N_("{name} has joined the conversation."),
            name=actor.display or "")
    audit.record(session, actor, action="assistant.claimed",
                 target_type="assistant_conversation", target_id=conversation.id)
    signal(session, DESK_SIGNAL)
    return conversation_view(session, conversation)


def reply(session: Session, actor: Actor, *, conversation_id: uuid.UUID, text: str,
          ) -> MessageView:
    """The owner's message to the customer (cut at the message limit like the customer's)."""
    conversation = _owned(session, actor, conversation_id)
    text = (text or "").strip()
    if not text:
        raise MessageEmpty("write a message first")
    limit = kernel_of(session).settings.assistant_max_message_chars * 4
    message = append(session, conversation, sender=Sender.AGENT, text=text[:limit],
                     truncated=len(text) > limit, agent_id=uuid.UUID(actor.id))
    session.flush()
    return message_view(session, message)


def transfer(session: Session, actor: Actor, *, conversation_id: uuid.UUID,
             to_username: str) -> ConversationView:
    """Give the conversation to another agent."""
    conversation = _owned(session, actor, conversation_id)
    target = identity.staff_by_username(session, username=to_username)
    if target.role != "agent":
        raise AgentRoleRequired("a conversation can only go to another service agent")
    before = {"agent_id": str(conversation.agent_id)}
    conversation.agent_id = target.id
    _notice(session, conversation, N_("{name} has joined the conversation."),
            name=target.display_name)
    audit.record(session, actor, action="assistant.transferred",
                 target_type="assistant_conversation", target_id=conversation.id,
                 before=before, after={"agent_id": str(target.id)})
    signal(session, DESK_SIGNAL)
    return conversation_view(session, conversation)


def hand_back(session: Session, actor: Actor, *, conversation_id: uuid.UUID) -> ConversationView:
    """Return the conversation to the assistant, which answers again from the next message."""
    conversation = _owned(session, actor, conversation_id)
    conversation.status = ConversationStatus.ASSISTANT
    conversation.agent_id = None
    conversation.low_confidence_streak = 0
    _notice(session, conversation, N_("The assistant is back; ask me anything."))
    audit.record(session, actor, action="assistant.handed_back",
                 target_type="assistant_conversation", target_id=conversation.id)
    signal(session, DESK_SIGNAL)
    return conversation_view(session, conversation)


def close(session: Session, actor: Actor, *, conversation_id: uuid.UUID) -> ConversationView:
    conversation = _owned(session, actor, conversation_id)
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = utcnow()
    _notice(session, conversation, N_("This conversation has ended. Thank you."))
    audit.record(session, actor, action="assistant.closed",
                 target_type="assistant_conversation", target_id=conversation.id)
    signal(session, DESK_SIGNAL)
    return conversation_view(session, conversation)


def correct_intent(session: Session, actor: Actor, *, message_id: uuid.UUID,
                   intent: str) -> MessageView:
    """Mark a customer's message as misunderstood: the right intent is kept on the message
    and the message joins the training data of the next `assistant train`."""
    require_agent(actor)
    intent = check_intent(intent)
    message = repository.message(session, message_id)
    if message is None or message.sender != Sender.CUSTOMER:
        raise MessageNotFound("no such customer message")
    before = {"corrected_intent": message.corrected_intent}
    message.corrected_intent = intent
    example = repository.example_for_message(session, message.id)
    if example is None:
        example = TrainingExample(id=uuid.uuid4(), message_id=message.id,
                                  text_encrypted=encrypt(session,
                                                         decrypt(session,
                                                                 message.text_encrypted)),
                                  intent=intent, predicted_intent=message.intent,
                                  labelled_by=uuid.UUID(actor.id))
        session.add(example)
    else:
        example.intent = intent
        example.labelled_by = uuid.UUID(actor.id)
    session.flush()
    audit.record(session, actor, action="assistant.intent_corrected",
                 target_type="assistant_message", target_id=message.id, before=before,
                 after={"corrected_intent": intent, "predicted": message.intent})
    return message_view(session, message)
