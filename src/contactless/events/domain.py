"""The platform's own events, from the domain-event bus into behaviour data: a journey's
steps, a posting of the customer's money (and a scan, once the bus delivers in batches).
Subscribed by the app for every kernel (``install``), so no domain does anything for it;
each outbox event keeps its id as the event id, so a redelivery is a duplicate, stored
once."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from contactless.events import service
from contactless.platform.context import SYSTEM
from contactless.platform.events import DomainEvent, EventBus

log = structlog.get_logger(__name__)

JOURNEY_TOPICS = ("journey.started", "journey.step_completed", "journey.completed",
                  "journey.rejected", "journey.abandoned")
# the books' events that name the customer, as (direction, counterparty) from their side
POSTINGS: dict[str, tuple[str, str]] = {
    "corebank.transfer_completed": ("out", "internal"),
    "corebank.outbound_sent": ("out", "other_bank"),
    "corebank.loan_disbursed": ("in", "internal"),
    "corebank.deposit_placed": ("none", "internal"),
    "corebank.deposit_withdrawn_early": ("none", "internal"),
}


def install(bus: EventBus) -> None:
    """Journeys and postings from the bus. ``qr.scanned`` is mapped (``behaviour_of``) but not
    subscribed yet: the bus delivers one event per transaction, each with its own fsync here,
    which the lean scan path's thousands of scans a second would queue behind; it waits for
    delivery in batches."""
    for topic in (*JOURNEY_TOPICS, *POSTINGS):
        bus.subscribe(topic, on_domain_event)


def on_domain_event(session: Session, event: DomainEvent) -> None:
    fields = behaviour_of(event)
    result = service.ingest(session, SYSTEM, events=[fields])
    for rejection in result.rejected:  # a contract broken between domains: say so, go on
        log.warning("domain_event_not_kept", topic=event.topic, event_id=str(event.id),
                    code=rejection.code, reason=rejection.reason)


def behaviour_of(event: DomainEvent) -> dict[str, Any]:
    payload = event.payload
    common: dict[str, Any] = {"event_id": str(event.id), "channel": "platform",
                              "occurred_at": event.created_at,
                              "customer_id": payload.get("customer_id")}
    if event.topic == "qr.scanned":
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
    direction, counterparty = POSTINGS[event.topic]
    return {**common, "type": "transaction.posted", "properties": _present({
        "operation": event.topic.removeprefix("corebank."), "amount": payload.get("amount"),
        "currency": payload.get("currency"), "direction": direction,
        "counterparty": counterparty, "bank_code": payload.get("bank_code")})}


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
