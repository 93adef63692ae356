"""What marketing tells the bus about its messages: each one that reached a customer (an
inbox message made, a text handed to the message channel) and each first opening of an
inbox message (its read receipt). Both go through the outbox with the change that made them,
so they are delivered only if it commits; behaviour data listens to the topics
(``message.delivered``, ``message.opened`` in the lake) without marketing knowing it.

A send that never goes out (the customer opted out, a text withdrawn or capped, the control
group) is no message, so it tells nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contactless.marketing import repository
from contactless.platform.events import publish, publish_row

MESSAGE_DELIVERED = "marketing.message_delivered"
MESSAGE_OPENED = "marketing.message_opened"
TOPICS = (MESSAGE_DELIVERED, MESSAGE_OPENED)


def _payload(*, message_id: uuid.UUID, customer_id: uuid.UUID, campaign_id: uuid.UUID,
             channel: str, at: datetime) -> dict[str, Any]:
    return {"message_id": str(message_id), "customer_id": str(customer_id),
            "campaign_id": str(campaign_id), "channel": channel, "at": at.isoformat()}


def delivered(session: Session, *, campaign_id: uuid.UUID, channel: str, at: datetime,
              messages: list[tuple[uuid.UUID, uuid.UUID]]) -> int:
    """``marketing.message_delivered`` for each (message id, customer id) of the campaign
    that reached its customer by ``channel``, in one insert; returns how many."""
    repository.add_outbox(session, [publish_row(session, MESSAGE_DELIVERED, _payload(
        message_id=message_id, customer_id=customer_id, campaign_id=campaign_id,
        channel=channel, at=at)) for message_id, customer_id in messages])
    return len(messages)


def opened(session: Session, *, message_id: uuid.UUID, customer_id: uuid.UUID,
           campaign_id: uuid.UUID, at: datetime, opened_on: str) -> None:
    """``marketing.message_opened``: the customer opened an inbox message the first time
    (``opened_on``: the channel of their sign-in, mobile or api)."""
    publish(session, MESSAGE_OPENED, {**_payload(
        message_id=message_id, customer_id=customer_id, campaign_id=campaign_id,
        channel="inbox", at=at), "opened_on": opened_on})
