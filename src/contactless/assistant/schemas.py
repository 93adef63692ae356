"""Assistant API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class MessageIn(BaseModel):
    """A customer's message; without ``conversation_id`` a new conversation starts."""

    text: str = Field(max_length=20_000, examples=["我的卡丢了"])
    conversation_id: uuid.UUID | None = None


class Action(BaseModel):
    kind: str  # say (a quick reply to send as the customer's message) or link
    label: str
    text: str | None = None
    href: str | None = None


class MessageOut(BaseModel):
    id: uuid.UUID
    seq: int
    sender: str  # customer, assistant, agent or system
    text: str
    at: datetime
    truncated: bool
    actions: list[Action]


class ConversationState(BaseModel):
    id: uuid.UUID
    status: str  # assistant, queued, agent or closed
    queue_position: int
    agent_joined: bool
    last_seq: int


class PostOut(BaseModel):
    conversation: ConversationState
    messages: list[MessageOut]
    note: str | None = None


class HistoryOut(BaseModel):
    conversation: ConversationState
    messages: list[MessageOut]
