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




class SegmentInvalid(ContactlessError):
    """A segment's condition tree names something the registry does not declare, or holds a
    value of the wrong kind; ``where`` is the path of the node (``$.all[1].performed.type``)."""

    status = 422
    code = "segment_invalid"

    def __init__(self, message: str, *, where: str, **extra: Any) -> None:
        super().__init__(message, where=where, **extra)


__all__ = ["BatchTooLarge", "EventsUnavailable", "MalformedBatch", "SegmentInvalid"]
