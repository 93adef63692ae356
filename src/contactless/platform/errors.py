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


def error_catalog() -> list[tuple[str, str, int, str, str]]:
    """Every error class loaded now, as (module, code, status, class name, first docstring
    line), by module then code. The caller imports what it wants listed first (the CLI
    imports every domain)."""
    found: dict[type[ContactlessError], None] = {}
    pending: list[type[ContactlessError]] = [ContactlessError]
    while pending:
        for child in pending.pop().__subclasses__():
            if child not in found:
                found[child] = None
                pending.append(child)
    rows = []
    every: list[type[ContactlessError]] = [ContactlessError, *found]
    for error in every:
        doc = (error.__dict__.get("__doc__") or "").strip().splitlines()
        module = error.__module__.removeprefix("contactless.")
        rows.append((module, error.code, error.status, error.__name__, doc[0] if doc else ""))
    return sorted(rows, key=lambda row: (row[0], row[1], row[3]))


def catalog_markdown() -> str:
    """The catalog as docs/errors.md carries it (``contactless errors --markdown``)."""
    lines = []
    module = None
    for where, code, status, name, doc in error_catalog():
        if where != module:
            module = where
            lines += ["", f"### `{where}`", "", "| code | status | class | meaning |",
                      "|---|---|---|---|"]
        lines.append(f"| `{code}` | {status} | `{name}` | {doc.replace('|', '/')} |")
    return "\n".join(lines).lstrip("\n") + "\n"
