"""The assistant's public functions.

Customers (and visitors): :func:`post_message`, :func:`history`, :func:`request_human`,
:func:`open_conversation_of`. Agents: :func:`desk_state`, :func:`open_for_agent`,
:func:`claim`, :func:`reply`, :func:`transfer`, :func:`hand_back`, :func:`close`,
:func:`correct_intent`. The knowledge base: :func:`create_faq`, :func:`update_faq`,
:func:`list_faq`. Figures: :func:`dashboard`. Models: :func:`train_model`.
"""

from __future__ import annotations

from contactless.assistant.service.conversations import (
    PostResult,
    get_conversation,
    history,
    open_conversation_of,
    post_message,
    request_human,
    start_conversation,
)
from contactless.assistant.service.core import (
    DESK_SIGNAL,
    ConversationView,
    MessageView,
    conversation_signal,
    install,
    intents,
)
from contactless.assistant.service.dashboard import Dashboard, dashboard
from contactless.assistant.service.desk import (
    DeskState,
    QueueItem,
    claim,
    close,
    correct_intent,
    desk_state,
    hand_back,
    open_for_agent,
    reply,
    transfer,
)
from contactless.assistant.service.faq import FaqInput, create_faq, get_faq, list_faq, update_faq
from contactless.assistant.service.training import (
    TrainingRun,
    model_versions,
    rollback_model,
    train_model,
)

__all__ = [
    "DESK_SIGNAL", "ConversationView", "Dashboard", "DeskState", "FaqInput", "MessageView",
    "PostResult", "QueueItem", "TrainingRun", "claim", "close", "conversation_signal",
    "correct_intent", "create_faq", "dashboard", "desk_state", "get_conversation", "get_faq",
    "hand_back", "history", "install", "intents", "list_faq", "open_conversation_of",
    "open_for_agent", "post_message", "reply", "request_human", "start_conversation",
    "model_versions", "rollback_model", "train_model", "transfer", "update_faq",
]
