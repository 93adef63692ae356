"""A batch as it arrives: bytes (a JSON array or NDJSON, perhaps gzipped) to typed events,
each invalid one rejected with its reason and the valid ones kept.

The design decision: the whole batch is decoded in one call first (the common case, every
event valid, costs one pass in C); only when that fails is it decoded again one event at a
time, to say which events are wrong and why. A body that is not JSON at all is the one
error for the whole batch (400, with the line and column where it broke).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import msgspec

from contactless.events.errors import BatchTooLarge, MalformedBatch
from contactless.events.registry import Envelope, Registry

_raw_list = msgspec.json.Decoder(list[msgspec.Raw])
_untyped = msgspec.json.Decoder()


@dataclass(frozen=True)
class Rejection:
    """One refused event: its position in the batch, its id when it had a readable one, a
    stable ``code`` and the reason in words."""

    index: int
    code: str
    reason: str
    event_id: str | None = None


@dataclass
class Decoded:
    events: list[Envelope] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


GZIP_MAGIC = b"\x1f\x8b"


def inflate(body: bytes, *, limit: int) -> bytes:
    """A gzipped body, inflated; refused past ``limit`` bytes (a small body may inflate to a
    huge one)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise MalformedBatch("the gzip body is damaged", where=None, reason=str(exc)) from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise BatchTooLarge("the body inflates past the size one batch may have",
                            limit_bytes=limit)
    if not inflater.eof:
        raise MalformedBatch("the gzip body ends early", where=None)
    return out


def decode(registry: Registry, body: bytes, *, ndjson: bool, max_events: int) -> Decoded:
    """The events of a batch, typed and validated against the registry, or rejected."""
    if ndjson:
        lines = [line for line in body.split(b"\n") if line.strip()]
        _check_count(len(lines), max_events)
        return _one_by_one(registry, lines, raw=False)
    try:
        events: list[Envelope] = registry.batch_decoder.decode(body)
    except msgspec.ValidationError:
        pass  # some event is invalid, or the body is not an array: find out below
    except msgspec.DecodeError as exc:
        raise not_json(body, exc) from exc
    else:
        _check_count(len(events), max_events)
        return Decoded(events=events, positions=list(range(len(events))))
    try:
        raws = _raw_list.decode(body)
    except msgspec.ValidationError as exc:
        raise MalformedBatch("send a JSON array of events (or NDJSON, one per line)",
                             where=None, code="batch_not_array") from exc
    except msgspec.DecodeError as exc:
        raise not_json(body, exc) from exc
    _check_count(len(raws), max_events)
    return _one_by_one(registry, raws, raw=True)


def _check_count(count: int, max_events: int) -> None:
    if count > max_events:
        raise BatchTooLarge("the batch holds more events than one batch may carry",
                            max_events=max_events, events=count)


def _one_by_one(registry: Registry, items: list[Any], *, raw: bool) -> Decoded:
    decoded = Decoded()
    for index, item in enumerate(items):
        try:
            decoded.events.append(registry.item_decoder.decode(item))
            decoded.positions.append(index)
        except msgspec.ValidationError as exc:
            decoded.rejected.append(Rejection(index, _code_of(str(exc)), str(exc),
                                              _event_id_of(item)))
        except msgspec.DecodeError as exc:  # one NDJSON line that is not JSON
            decoded.rejected.append(Rejection(index, "malformed_json",
                                              f"line {index + 1}: {exc}"))
    return decoded


def _code_of(message: str) -> str:
    if message.endswith("- at `$.type`") or "missing required field `type`" in message:
        return "unknown_event_type"
    if "`$.properties" in message:
        return "invalid_properties"
    if "`$.occurred_at`" in message:
        return "invalid_occurred_at"
    return "invalid_event"


def _event_id_of(item: bytes | msgspec.Raw) -> str | None:
    try:
        value = _untyped.decode(item)
    except msgspec.DecodeError:
        return None
    event_id = value.get("event_id") if isinstance(value, dict) else None
    return event_id[:64] if isinstance(event_id, str) else None


def _byte_of(exc: msgspec.DecodeError, body: bytes | None = None) -> int | None:
    text = str(exc)
    if body is not None and "truncated" in text:
        return len(body)
    marker = "(byte "
    if marker not in text:
        return None
    digits = text.split(marker, 1)[1].split(")", 1)[0]
    return int(digits) if digits.isdigit() else None


def not_json(body: bytes, exc: msgspec.DecodeError) -> MalformedBatch:
    """The error for a body that is not JSON, with the line, column and byte where it
    broke (the end, when it stopped in the middle of a value)."""
    position = _byte_of(exc, body)
    if position is None:
        return MalformedBatch("the body is not valid JSON", where=None, reason=str(exc))
    line = body.count(b"\n", 0, position) + 1
    column = position - (body.rfind(b"\n", 0, position) + 1) + 1
    return MalformedBatch("the body is not valid JSON", where=position, line=line,
                          column=column, reason=str(exc))
