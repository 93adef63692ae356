"""Typed factories for the assistant: a bank with two service agents and a banked customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from contactless.assistant import service as assistant
from contactless.assistant.models import Conversation, Message
from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, actor_of
from tests.factories.journeys import Banked, make_banked_customer


@dataclass(frozen=True)
class Desk:
    banked: Banked
    agent: Actor
    other_agent: Actor

    @property
    def customer(self) -> Actor:
        return self.banked.actor


def make_desk(kernel: Kernel, *, funds: str = "50000.00") -> Desk:
    banked = make_banked_customer(kernel, funds=funds)
    with kernel.db.session() as session:
        for username, name in (("agent.li", "李客服"), ("agent.wu", "吴客服")):
            identity.create_staff(session, SYSTEM, username=username, role=Role.AGENT,
                                  branch_code="HQ", password=PASSWORD, display_name=name)
        return Desk(banked, actor_of(session, "agent.li"), actor_of(session, "agent.wu"))


def say(kernel: Kernel, actor: Actor | None, text: str, conversation: Any = None,
        **extra: Any) -> assistant.PostResult:
    with kernel.db.session() as session:
        return assistant.post_message(session, actor, text=text, conversation_id=conversation,
                                      **extra)


def counts(kernel: Kernel) -> tuple[int, int]:
    """(conversations, messages) in the database."""
    with kernel.db.session() as session:
        return (int(session.scalar(select(func.count()).select_from(Conversation)) or 0),
                int(session.scalar(select(func.count()).select_from(Message)) or 0))

