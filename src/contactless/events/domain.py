"""The platform's own events, from the domain-event bus into behaviour data: a scan, a
journey's steps, a posting of the customer's money, a message to the assistant, a marketing
message delivered to a customer and opened by them; and a customer's sign-in, which links
the device they came from to them (``aliases``).

Subscribed by the app for every kernel (``install``), so no domain does anything for it and
none imports this package: it listens to the bus's topics. It takes each delivered batch at
once (``batch=True``): one ingest call, one durable append, one fsync for the whole batch
(the lean scan path's buffered scans arrive a few hundred at a time). Each outbox event
keeps its id as the event id, so a redelivery is a duplicate, stored once.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from contactless.events import service
from contactless.platform.context import SYSTEM
from contactless.platform.events import DomainEvent, EventBus

log = structlog.get_logger(__name__)

SCANNED = "qr.scanned"
SIGNED_IN = "customer.signed_in"
ASSISTANT_MESSAGE = "assistant.message_posted"
JOURNEY_TOPICS = ("journey.started", "journey.step_completed", "journey.completed",
                  "journey.rejected", "journey.abandoned")
# the books' events that name the customer, as (direction, counterparty) from their side
POSTINGS: dict[str, tuple[str, str]] = {
    "corebank.transfer_completed": ("out", "internal"),
    "corebank.outbound_sent": ("out", "other_bank"),
    "corebank.inbound_transfer": ("in", "other_bank"),
    "corebank.cash_deposited": ("in", "cash"),
    "corebank.cash_withdrawn": ("out", "cash"),
    "corebank.card_payment": ("out", "card"),
    "corebank.loan_disbursed": ("in", "internal"),
    "corebank.deposit_placed": ("none", "internal"),
    "corebank.deposit_withdrawn_early": ("none", "internal"),
}
# marketing's messages: (behaviour type, the envelope's channel by where it was opened)
MESSAGES = {"marketing.message_delivered": "message.delivered",
            "marketing.message_opened": "message.opened"}
OPENED_ON = {"mobile": "h5", "api": "app"}
TOPICS = (SCANNED, ASSISTANT_MESSAGE, *JOURNEY_TOPICS, *POSTINGS, *MESSAGES)


def install(bus: EventBus) -> None:
    """Behaviour from the bus, in batches; sign-ins for the alias table."""
    for topic in TOPICS:
        bus.subscribe(topic, on_domain_events, batch=True)
    bus.subscribe(SIGNED_IN, on_sign_ins, batch=True)


def on_domain_events(session: Session, events: list[DomainEvent]) -> None:
    batch = [behaviour_of(event) for event in events]
    result = service.ingest(session, SYSTEM, events=batch)
    for rejection in result.rejected:  # a contract broken between domains: say so, go on
        event = events[rejection.index]
        log.warning("domain_event_not_kept", topic=event.topic, event_id=str(event.id),
                    code=rejection.code, reason=rejection.reason)


def on_domain_event(session: Session, event: DomainEvent) -> None:
    """One event (what a test or a caller outside the bus hands over)."""
    on_domain_events(session, [event])


def on_sign_ins(session: Session, events: list[DomainEvent]) -> None:
    """Link each signed-in customer's anonymous id (the device they came from)."""
    links = [(str(event.payload["anonymous_id"]), str(event.payload["customer_id"]),
              event.created_at) for event in events if event.payload.get("anonymous_id")]
    if links:
        service.link_anonymous(session, links=links)


def behaviour_of(event: DomainEvent) -> dict[str, Any]:
    payload = event.payload
    common: dict[str, Any] = {"event_id": str(event.id), "channel": "platform",
                              "occurred_at": event.created_at,
                              "customer_id": payload.get("customer_id")}
    if event.topic == SCANNED:
        return {**common, "type": "qr.scanned", "occurred_at": payload["scanned_at"],
                "anonymous_id": payload.get("device_id"), "properties": _present({
                    "scan_id": payload["scan_id"], "result": payload["result"],
                    "code_id": payload.get("code_id"), "code_channel": payload.get("channel"),
                    "reason": payload.get("reason"), "device_id": payload.get("device_id")})}
    if event.topic in JOURNEY_TOPICS:
        return {**common, "type": event.topic, "occurred_at": payload.get("at", event.created_at),
                "anonymous_id": payload.get("prospect_id"), "properties": _present({
                    "journey_id": payload["journey_id"], "journey_key": payload["journey_key"],
                    "step": payload.get("step") or payload.get("last_step"),
                    "reason": _text(payload.get("reason")),
                    "qr_code_id": payload.get("qr_code_id")})}
    if event.topic == ASSISTANT_MESSAGE:
        return {**common, "type": "assistant.message", "occurred_at": payload.get("at",
                                                                                   event.created_at),
                "anonymous_id": None if payload.get("customer_id") else
                f"conversation-{payload['conversation_id']}"[:64],
                "properties": _present({"conversation_id": payload["conversation_id"],
                                        "intent": payload.get("intent")})}
    if event.topic in MESSAGES:
        return _message(event, common)
    direction, counterparty = POSTINGS[event.topic]
    return {**common, "type": "transaction.posted", "properties": _present({
        "operation": event.topic.removeprefix("corebank."), "amount": payload.get("amount"),
        "currency": payload.get("currency"), "direction": direction,
        "counterparty": counterparty, "bank_code": payload.get("bank_code")})}


def _message(event: DomainEvent, common: dict[str, Any]) -> dict[str, Any]:
    """A marketing message delivered or opened: the message, its campaign and its channel
    (inbox, sms) as properties; an opening's envelope says where (/m, the app)."""
    payload = event.payload
    kind = MESSAGES[event.topic]
    properties = {"message_id": payload["message_id"], "campaign_id": payload["campaign_id"],
                  "channel": payload["channel"]}
    if kind == "message.delivered":
        properties["kind"] = "campaign"
    return {**common, "type": kind, "occurred_at": payload.get("at", event.created_at),
            "channel": OPENED_ON.get(str(payload.get("opened_on")), "platform"),
            "properties": properties}


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
