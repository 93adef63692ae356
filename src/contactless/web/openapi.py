"""The OpenAPI document says what the code does: every operation's refusals are
``application/problem+json`` (one ``Problem`` schema), each status listed with the stable codes
it carries, and the ``Idempotency-Key`` header is a required parameter where a route reads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from contactless.platform.errors import ContactlessError

PROBLEM = "application/problem+json"
# what any operation may answer besides its success: bad input (400, 413, 422), not signed in
# (401), not allowed (403), not found (404), a conflict with the state (409), gone (410), too
# many attempts (429), and our own failure (500)
ERROR_STATUSES = (400, 401, 403, 404, 409, 410, 413, 422, 429, 500)
# codes raised at the edge rather than by an exception class of their own
EDGE_CODES: dict[int, tuple[str, ...]] = {
    400: ("idempotency_key_required",),
    401: ("login_required", "otp_expired", "otp_invalid"),
    404: ("not_found",),
    413: ("request_too_large",),
    422: ("request_invalid",),
    500: ("internal_error",),
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; ``code`` is stable, ``detail`` is in the "
                   "caller's language.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "additionalProperties": True,
}
IDEMPOTENCY_HEADER: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "description": "Any 1-128 characters, new for each new request: a replay with the same key "
                   "returns the first answer and changes nothing.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^\S(.*\S)?$"},
}


def _subclasses(cls: type[ContactlessError]) -> Iterator[type[ContactlessError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_codes() -> dict[int, list[str]]:
    """Every stable code by HTTP status, from the exception classes and the edge."""
    found: dict[int, set[str]] = {status: set(codes) for status, codes in EDGE_CODES.items()}
    classes: list[type[ContactlessError]] = [ContactlessError, *_subclasses(ContactlessError)]
    for cls in classes:
        found.setdefault(cls.status, set()).add(cls.code)
    return {status: sorted(codes) for status, codes in sorted(found.items())}


def _error_responses() -> dict[str, Any]:
    codes = error_codes()
    return {
        str(status): {
            "description": "codes: " + ", ".join(codes.get(status, ["bad_request"])),
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in ERROR_STATUSES
    }


def document(*, title: str, version: str, description: str, routes: list[Any]) -> dict[str, Any]:
    """An OpenAPI document of ``routes`` whose refusals are documented as they are."""
    schema = get_openapi(title=title, version=version, description=description, routes=routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    errors = _error_responses()
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            operation.setdefault("responses", {}).update(errors)
            parameters = operation.get("parameters", [])
            for number, parameter in enumerate(parameters):
                # read as optional by the dependency (for its own 400), required in fact
                if (parameter.get("in"), parameter.get("name")) == ("header",
                                                                   "Idempotency-Key"):
                    parameters[number] = IDEMPOTENCY_HEADER
                # optional to the code for some callers, required of the others
                elif parameter.get("schema", {}).pop("x-required", False):
                    parameter["required"] = True
                    parameter["schema"] = _not_null(parameter["schema"])
    return schema


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [X, null]`` as X: a required parameter has a value."""
    kept = [branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"]
    if len(kept) != 1:
        return schema
    return {**kept[0], **{k: v for k, v in schema.items() if k != "anyOf"}}


def _partner_api(route: Any) -> bool:
    """A route (or an included router) of the partner API, which has a document of its own."""
    router = getattr(route, "original_router", None)
    path = getattr(router, "prefix", None) if router is not None else getattr(route, "path", "")
    return str(path or "").startswith("/open/")


def install_openapi(app: FastAPI) -> None:
    """Replace the app's OpenAPI builder with one that documents the refusals as they are.
    The partner API (/open/v1) publishes its own document and is left out of this one."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        routes = [route for route in app.routes if not _partner_api(route)]
        app.openapi_schema = document(title=app.title, version=app.version,
                                      description=app.description, routes=routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
