"""Errors of the behaviour-event domain: each for the whole batch (one event's fault is a
rejection in the answer, not an error)."""

from __future__ import annotations

from typing import Any

from contactless.platform.errors import ContactlessError


class MalformedBatch(ContactlessError):
    """The body is not JSON (or not a gzip stream): nothing in it can be read; ``where`` is
    the byte offset where it broke, when known."""

    status = 400
    code = "malformed_json"

    def __init__(self, message: str, *, where: int | None, code: str | None = None,
                 **extra: Any) -> None:
        if where is not None:
            extra["byte"] = where
        super().__init__(message, code=code, **extra)


class BatchTooLarge(ContactlessError):
    """More events, or more bytes once inflated, than one batch may carry."""

    status = 413
    code = "batch_too_large"


class EventsUnavailable(ContactlessError):
    """The log could not be written: nothing of the batch was acknowledged; send it again."""

    status = 503
    code = "events_unavailable"


class SegmentEngineUnavailable(ContactlessError):
    """Spark is set to run segments but cannot here (no pyspark, or a lake in an object store)."""

    status = 503
    code = "segment_engine_unavailable"


class AggregateUnknown(ContactlessError):
    """An aggregate was asked for by a name ``events/aggregates.py`` does not declare."""

    status = 422
    code = "aggregate_unknown"


class SegmentInvalid(ContactlessError):
    """A segment's condition tree names something the registry does not declare, or holds a
    value of the wrong kind; ``where`` is the path of the node (``$.all[1].performed.type``)."""

    status = 422
    code = "segment_invalid"

    def __init__(self, message: str, *, where: str, **extra: Any) -> None:
        super().__init__(message, where=where, **extra)


class SegmentNotFound(ContactlessError):
    """No saved segment has this id."""

    status = 404
    code = "segment_not_found"


class SegmentNameTaken(ContactlessError):
    """Another saved segment already has this name."""

    status = 409
    code = "segment_name_taken"


class ExploreInvalid(ContactlessError):
    """The explorer's dates, event types or window are not ones it can show; see ``field``."""

    status = 422
    code = "explore_invalid"


class ProfileNotFound(ContactlessError):
    """The customer is not in the actor's scope, or has no profile yet."""

    status = 404
    code = "profile_not_found"


class AttributeInvalid(ContactlessError):
    """An attribute the registry does not declare, or a value of the wrong kind."""

    status = 422
    code = "attribute_invalid"


class UnknownTag(ContactlessError):
    """A tag no declared rule gives."""

    status = 422
    code = "tag_unknown"


__all__ = ["AggregateUnknown", "AttributeInvalid", "BatchTooLarge", "EventsUnavailable",
           "ExploreInvalid",
           "MalformedBatch",
           "ProfileNotFound", "SegmentInvalid", "SegmentNameTaken", "SegmentNotFound",
           "UnknownTag"]
