"""Message channels: how texts reach customers. The default keeps them in an outbox table
that admins read in the console; an SMS gateway implements the same port."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import String, Text, Uuid, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactless.platform.db import Base, UTCDateTime, utcnow
from contactless.platform.security import FieldCipher, mask_mobile


class OutboundMessage(Base):
    __tablename__ = "outbound_message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    recipient_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    recipient_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    body_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    kind: str
    to: str
    to_masked: str
    body: str
    created_at: datetime
    status: str


class MessageChannel(Protocol):
    """Sends a text to a mobile number within the caller's transaction."""

    name: str

    def send(self, session: Session, *, to_mobile: str, body: str, kind: str) -> None: ...


class OutboxChannel:
    """The embedded channel: messages wait in a table, readable by admins and the CLI."""

    name = "outbox"

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    def send(self, session: Session, *, to_mobile: str, body: str, kind: str) -> None:
        session.add(
            OutboundMessage(
                channel=self.name,
                kind=kind,
                recipient_index=self.cipher.blind_index(to_mobile, kind="mobile"),
                recipient_encrypted=self.cipher.encrypt(to_mobile, context="message.to"),
                body_encrypted=self.cipher.encrypt(body, context="message.body"),
            )
        )


ONE_TIME_CODE = re.compile(r"\b\d{4,8}\b")


def for_staff(message: Message) -> Message:
    """The message as staff may read it: a one-time code is masked (only the server's
    ``contactless messages list`` shows it)."""
    if not message.kind.startswith("otp."):
        return message
    return replace(message, body=ONE_TIME_CODE.sub("******", message.body))


def list_messages(
    session: Session, cipher: FieldCipher, *, to_mobile: str | None = None, limit: int = 50
) -> list[Message]:
    """Newest first; filtered by recipient through the blind index."""
    query = select(OutboundMessage).order_by(OutboundMessage.created_at.desc()).limit(limit)
    if to_mobile:
        query = query.where(
            OutboundMessage.recipient_index == cipher.blind_index(to_mobile, kind="mobile")
        )
    result = []
    for row in session.scalars(query):
        to = cipher.decrypt(row.recipient_encrypted, context="message.to")
        result.append(
            Message(
                id=row.id,
                kind=row.kind,
                to=to,
                to_masked=mask_mobile(to),
                body=cipher.decrypt(row.body_encrypted, context="message.body"),
                created_at=row.created_at,
                status=row.status,
            )
        )
    return result
