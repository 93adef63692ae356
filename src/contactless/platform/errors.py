"""One error base for the whole platform, rendered as ``application/problem+json``."""

from __future__ import annotations

from typing import Any


class ContactlessError(Exception):
    """A failure a caller can act on: carries an HTTP status and a stable machine ``code``."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        # ``message`` is an English message id; ``{placeholders}`` in it are filled from the
        # extra fields (which also go into the problem body), after translation at the edge
        self.template = message
        self.message = _filled(message, extra)
        super().__init__(self.message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://contactless.dev/problems/{self.code}",
            "title": self.code.replace("_", " "),
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update({key: _plain(value) for key, value in self.extra.items()})
        return body


def _plain(value: Any) -> Any:
    """A field as JSON carries it: numbers, dates, ids and amounts as their text."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def _filled(template: str, values: dict[str, Any]) -> str:
    if not values or "{" not in template:
        return template
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


class NotFound(ContactlessError):
    """The thing does not exist, or the actor may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(ContactlessError):
    """The actor is known but may not do this."""

    status = 403
    code = "forbidden"


class Unauthorized(ContactlessError):
    """No valid credentials came with the request."""

    status = 401
    code = "unauthorized"


class Conflict(ContactlessError):
    """The request clashes with the current state."""

    status = 409
    code = "conflict"


class ValidationFailed(ContactlessError):
    """Input that is well-formed but not acceptable."""

    status = 422
    code = "validation_failed"


class RateLimited(ContactlessError):
    """Too many attempts; try again later."""

    status = 429
    code = "rate_limited"


class IdempotencyKeyReused(ContactlessError):
    """The same idempotency key arrived with a different request."""

    status = 422
    code = "idempotency_key_reused"
