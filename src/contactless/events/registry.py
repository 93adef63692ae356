"""The registry of behaviour event types: each type's property schema, who may send it, and
how long the lake keeps it. The registry is how a new type is added (``Registry.extended``);
an event of a type it does not name is refused.

Every event shares one envelope (``Envelope``); a type adds only its ``properties``. The
types are msgspec structs tagged by ``type``, so a whole batch is decoded and validated in
one call, and the same structs are what the log stores.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Union, cast

import msgspec

Text64 = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Path512 = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Channel = Literal["app", "h5", "web", "api", "partner", "counter", "platform"]


class Source(StrEnum):
    """Who may send a type: the app, pages and partners, or only the platform itself (what
    its own domains report: a client may not claim a transaction)."""

    CLIENT = "client"
    PLATFORM = "platform"


class Envelope(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="type",
               gc=False):
    """What every event carries. ``event_id`` is made by the sender and is the dedupe key;
    ``customer_id`` or ``anonymous_id`` says whose behaviour it is."""

    event_id: uuid.UUID
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)]
    channel: Channel
    customer_id: uuid.UUID | None = None
    anonymous_id: Text64 | None = None
    session_id: Text64 | None = None


class Properties(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """The base of every type's properties: a field the type does not declare is refused."""


class NoProperties(Properties):
    pass


class PageViewed(Properties):
    path: Path512
    title: Text200 | None = None
    referrer: Path512 | None = None


class ProductViewed(Properties):
    product_id: Text64
    product_kind: Text64 | None = None
    path: Path512 | None = None


class Search(Properties):
    query: Text200
    results: Annotated[int, msgspec.Meta(ge=0)] | None = None


class MessageOpened(Properties):
    """A customer opened a message the first time (its read receipt); ``channel`` is the
    message's (``inbox``), not where it was opened (the envelope's)."""

    message_id: Text64
    campaign_id: Text64 | None = None
    channel: Text64 | None = None


class MessageDelivered(Properties):
    """A message reached the customer: put in their inbox, or a text handed to the message
    channel (``channel``: ``inbox``, ``sms``); ``kind`` says what sent it (``campaign``)."""

    message_id: Text64
    campaign_id: Text64 | None = None
    channel: Text64 | None = None
    kind: Text64 | None = None


class AssistantMessage(Properties):
    conversation_id: Text64
    intent: Text64 | None = None


class QrScanned(Properties):
    scan_id: Text64
    result: Text64
    code_id: Text64 | None = None
    code_channel: Text64 | None = None
    reason: Text200 | None = None
    device_id: Text64 | None = None


class JourneyEvent(Properties):
    journey_id: Text64
    journey_key: Text64
    step: Text64 | None = None
    reason: Text200 | None = None
    qr_code_id: Text64 | None = None


class TransactionPosted(Properties):
    """A posting the books reported: ``direction`` from the customer's side; ``counterparty``
    ``other_bank`` for money leaving to or coming from another bank."""

    operation: Text64
    amount: Decimal | None = None
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] | None = None
    direction: Literal["in", "out", "none"] = "none"
    counterparty: Literal["internal", "other_bank", "cash", "card", "none"] = "none"
    bank_code: Text64 | None = None


class HubClicked(Properties):
    """A customer followed a partner's service in the service hub (生活服务)."""

    service_id: Text64
    partner_id: Text64
    scenario: Text64 | None = None


@dataclass(frozen=True)
class EventType:
    name: str
    properties: type[Properties]
    source: Source = Source.CLIENT
    retention_days: int | None = None  # None: the bank's default (events_retention_days)
    summary: str = ""


DAY_VIEWS = 400  # page and product views: a year and a month, for year-on-year questions
BOOKS = 5 * 366  # what the books reported is kept as long as the books' own records

BUILTIN_TYPES: tuple[EventType, ...] = (
    EventType("app.opened", NoProperties, summary="the app came to the foreground"),
    EventType("page.viewed", PageViewed, retention_days=DAY_VIEWS, summary="a page was shown"),
    EventType("product.viewed", ProductViewed, retention_days=DAY_VIEWS,
              summary="a product's page was shown"),
    EventType("search", Search, summary="the customer searched"),
    EventType("message.opened", MessageOpened, Source.PLATFORM,
              summary="a customer opened a message (its read receipt)"),
    EventType("message.delivered", MessageDelivered, Source.PLATFORM,
              summary="a message reached the customer"),
    EventType("assistant.message", AssistantMessage, Source.PLATFORM,
              summary="the customer wrote to the assistant"),
    EventType("qr.scanned", QrScanned, Source.PLATFORM, summary="a QR code was scanned"),
    *(EventType(f"journey.{name}", JourneyEvent, Source.PLATFORM, summary=f"a journey {name}")
      for name in ("started", "step_completed", "completed", "rejected", "abandoned")),
    EventType("transaction.posted", TransactionPosted, Source.PLATFORM, retention_days=BOOKS,
              summary="the books posted a movement of the customer's money"),
    EventType("hub.clicked", HubClicked, Source.PLATFORM,
              summary="a customer followed a partner's service in the service hub"),
)


class Registry:
    """The event types in force, and the decoders built from them (built once: a decoder
    is what makes a batch cheap to validate)."""

    def __init__(self, types: Iterable[EventType]) -> None:
        self.types: dict[str, EventType] = {}
        for event_type in types:
            if event_type.name in self.types:
                raise ValueError(f"event type {event_type.name!r} is registered twice")
            self.types[event_type.name] = event_type
        self.structs: dict[str, type[Envelope]] = {
            name: _struct_for(event_type) for name, event_type in self.types.items()}
        self.union: Any = Union[tuple(self.structs.values())]  # noqa: UP007 - built at run time
        self.batch_decoder = msgspec.json.Decoder(list[self.union])  # type: ignore[name-defined]
        self.item_decoder = msgspec.json.Decoder(self.union)
        self.platform_types = frozenset(name for name, event_type in self.types.items()
                                        if event_type.source is Source.PLATFORM)

    def extended(self, *types: EventType) -> Registry:
        """This registry with more types: how a bank or a later domain adds its own."""
        return Registry([*self.types.values(), *types])

    def retention_days(self) -> dict[str, int]:
        """The types that keep their own retention (the others keep the bank's default)."""
        return {name: event_type.retention_days for name, event_type in self.types.items()
                if event_type.retention_days is not None}

    def convert(self, fields: dict[str, Any]) -> Envelope:
        """An event from Python values (the platform's own events), validated as if sent."""
        event: Envelope = msgspec.convert(fields, self.union)
        return event


def _struct_for(event_type: EventType) -> type[Envelope]:
    props = event_type.properties
    try:
        props()
        field: Any = msgspec.field(default_factory=props)
    except TypeError:  # the type has required properties: the sender must send them
        field = msgspec.NODEFAULT
    struct_name = "Event_" + event_type.name.replace(".", "_")
    struct = msgspec.defstruct(
        struct_name, [("properties", props, field)], bases=(Envelope,), tag=event_type.name,
        kw_only=True, forbid_unknown_fields=True)
    return cast(type[Envelope], struct)


def default_registry() -> Registry:
    return Registry(BUILTIN_TYPES)
