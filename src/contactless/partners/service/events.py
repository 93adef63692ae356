"""Partners' scenario events (场景事件): what happened on the partner's platform (an appointment
booked, a class enrolled), sent in batches and stored with the bank's behaviour events.

Each item becomes one ``partner.event`` of the events domain, through its ingest, on the
``partner`` channel and tagged with the partner's id and scenario (from the signature, never
from the item), so no app or page can send one. An item names whose event it is by a consent
the customer granted this partner (then it is the customer's), or by the partner's own
pseudonymous ``user_ref`` (then it is anonymous, under the partner's prefix). Items are
checked one by one, as ``/api/v1/events`` does: each refused one is listed with its index and
reason, the others are accepted once durable; a replayed ``event_id`` is a duplicate."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from sqlalchemy.orm import Session

from contactless.events import service as events
from contactless.events.registry import EventType, Properties, Source, Text64, Text200
from contactless.partners import repository
from contactless.partners.errors import EventBatchInvalid, PartnerNotActive
from contactless.partners.models import ConsentStatus, PartnerStatus
from contactless.partners.service.access import PartnerCaller, require_scope
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel

SCOPE = "events:write"
TYPE = "partner.event"
MAX_EVENTS = 1000
ITEM_FIELDS = frozenset({"event_id", "occurred_at", "name", "consent_id", "user_ref",
                         "reference", "attributes"})
NAME = re.compile(r"[a-z][a-z0-9_.]{0,63}")
USER_REF = re.compile(r"[A-Za-z0-9_.:-]{1,48}")


class PartnerEvent(Properties):
    """What a partner's event carries beyond the envelope."""

    partner_id: uuid.UUID
    scenario: Text64
    name: Text64
    reference: Text64 | None = None
    attributes: Annotated[dict[Text64, Text200], msgspec.Meta(max_length=20)] = {}


PARTNER_EVENT = EventType(TYPE, PartnerEvent, Source.PLATFORM,
                          summary="something happened on a partner's platform")


def register_type(kernel: Kernel) -> None:
    """Add ``partner.event`` to the kernel's event types (before the first event)."""
    registry = events.registry_of(kernel)
    if TYPE not in registry.types:
        events.use_registry(kernel, registry.extended(PARTNER_EVENT))


@dataclass(frozen=True)
class ItemRefused:
    index: int
    code: str
    reason: str
    event_id: str | None = None


@dataclass
class PartnerIngest:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[ItemRefused] = field(default_factory=list)


def _ingest_actor(caller: PartnerCaller) -> Actor:
    # the partners domain vouches for the tags: the events domain takes them as the platform's
    return Actor(kind="system", id=f"partner:{caller.partner_id}", channel="partner",
                 display=caller.partner_name)


class _Items:
    """The batch's items turned into bank events, and those refused before the ingest."""

    def __init__(self, session: Session, caller: PartnerCaller, scenario: str) -> None:
        self.session, self.caller, self.scenario = session, caller, scenario
        self.converted: list[dict[str, Any]] = []
        self.positions: list[int] = []
        self.refused: list[ItemRefused] = []
        self.customers: dict[str, uuid.UUID | None] = {}

    def add(self, index: int, item: dict[str, Any]) -> None:
        event_id = str(item.get("event_id")) if item.get("event_id") is not None else None
        problem = self._problem(item)
        if problem is not None:
            self.refused.append(ItemRefused(index, problem[0], problem[1], event_id))
            return
        whose = self._whose(item)
        if whose is None:
            self.refused.append(ItemRefused(index, "consent_not_granted", "the consent is not "
                                            "a granted, unexpired consent of this partner",
                                            event_id))
            return
        properties = {"partner_id": str(self.caller.partner_id), "scenario": self.scenario,
                      "name": item["name"], "reference": item.get("reference"),
                      "attributes": item.get("attributes") or {}}
        self.converted.append({"type": TYPE, "event_id": item.get("event_id"),
                               "occurred_at": item.get("occurred_at"), "channel": "partner",
                               **whose, "properties": properties})
        self.positions.append(index)

    @staticmethod
    def _problem(item: dict[str, Any]) -> tuple[str, str] | None:
        unknown = sorted(set(item) - ITEM_FIELDS)
        if unknown:
            return "unknown_field", "fields not in a partner event: " + ", ".join(unknown)[:200]
        if not isinstance(item.get("name"), str) or not NAME.fullmatch(item["name"]):
            return "invalid_event", "name must be 1-64 of a-z, 0-9, _ and ., from a letter"
        ref = item.get("user_ref")
        if ref is not None and (not isinstance(ref, str) or not USER_REF.fullmatch(ref)):
            return "invalid_event", "user_ref must be 1-48 of A-Z, a-z, 0-9, _ . : -"
        if (item.get("consent_id") is None) == (ref is None):
            return "missing_identity", "send consent_id or user_ref (one of them)"
        return None

    def _whose(self, item: dict[str, Any]) -> dict[str, str] | None:
        if item.get("user_ref") is not None:
            return {"anonymous_id": f"p{self.caller.partner_id.hex[:12]}:{item['user_ref']}"}
        key = str(item["consent_id"])
        if key not in self.customers:
            self.customers[key] = self._consenting(key)
        customer = self.customers[key]
        return {"customer_id": str(customer)} if customer is not None else None

    def _consenting(self, key: str) -> uuid.UUID | None:
        try:
            consent = repository.consent_by_id(self.session, uuid.UUID(key))
        except ValueError:
            return None
        if consent is None or consent.partner_id != self.caller.partner_id \
                or consent.status != ConsentStatus.GRANTED or consent.customer_id is None \
                or consent.expires_at is None or consent.expires_at <= utcnow():
            return None
        return consent.customer_id


def ingest_partner_events(session: Session, caller: PartnerCaller, *,
                          items: Any) -> PartnerIngest:
    """A batch (a JSON array of objects, at most :data:`MAX_EVENTS`) from the partner
    (scope ``events:write``); see the module's description."""
    require_scope(caller, SCOPE)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise EventBatchInvalid("send a JSON array of event objects")
    if len(items) > MAX_EVENTS:
        raise EventBatchInvalid("at most {limit} events in one batch", limit=MAX_EVENTS)
    partner = repository.partner_by_id(session, caller.partner_id)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise PartnerNotActive("this partner is not active")
    batch = _Items(session, caller, partner.scenario)
    for index, item in enumerate(items):
        batch.add(index, item)
    result = events.ingest(session, _ingest_actor(caller), events=batch.converted)
    refused = batch.refused + [
        ItemRefused(batch.positions[r.index], r.code, r.reason, r.event_id)
        for r in result.rejected]
    return PartnerIngest(accepted=result.accepted, duplicates=result.duplicates,
                         rejected=sorted(refused, key=lambda r: r.index))
