"""Assistant errors: each with its HTTP status and stable code."""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    ValidationFailed,
)


class AssistantError(ContactlessError):
    """Base of every assistant error."""

    code = "assistant_error"


class MessageEmpty(ValidationFailed):
    """The message has no text (empty or spaces only): nothing is kept."""

    code = "message_empty"


class ConversationNotFound(NotFound):
    """No such conversation, or it is someone else's."""

    code = "conversation_not_found"


class ConversationClosed(Conflict):
    """The conversation was closed: start a new one (the message was not added)."""

    code = "conversation_closed"


class NotConversationOwner(Forbidden):
    """Another agent owns this conversation, or none does yet: claim it first."""

    code = "not_conversation_owner"


class ConversationNotQueued(Conflict):
    """Only a conversation waiting in the queue can be claimed."""

    code = "conversation_not_queued"


class AgentRoleRequired(Forbidden):
    """The agent desk is for staff with the agent role."""

    code = "agent_role_required"


class UnknownIntent(ValidationFailed):
    """The intent is not one of the taxonomy's keys."""

    code = "unknown_intent"


class FaqInvalid(ValidationFailed):
    """A FAQ entry needs a question, an answer and dates in order."""

    code = "faq_invalid"


class FaqNotFound(NotFound):
    """No knowledge-base entry with this id."""

    code = "faq_not_found"


class MessageNotFound(NotFound):
    """No assistant message with this id in the conversation."""

    code = "message_not_found"
