"""The operation guard: what a lower domain (the core's API, customer sign-in) asks before it
acts, answered by a higher one (risk control) that it may not import.

The caller describes the operation; the installed guard decides and raises a
:class:`~contactless.platform.errors.ContactlessError` to refuse or hold it. With no guard
installed (a kernel built without the risk domain) every operation goes ahead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from contactless.platform.context import Actor, current_origin
from contactless.platform.kernel import Kernel, kernel_of


@dataclass(frozen=True)
class Guarded:
    """An operation about to run: ``kind`` (e.g. ``transfer``, ``sign_in``), whose money
    (``account`` the source account, ``customer_id`` when known), to whom (``payee``)."""

    kind: str
    channel: str
    customer_id: uuid.UUID | None = None
    account: uuid.UUID | None = None
    amount: Decimal | None = None
    currency: str | None = None
    payee: str | None = None
    device: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


Guard = Callable[[Session, Actor, Guarded], None]
_KEY = "platform.guard"


def install(kernel: Kernel, guard: Guard) -> None:
    kernel.extensions[_KEY] = guard


def check(session: Session, actor: Actor, operation: Guarded) -> None:
    """Ask the installed guard; it raises to refuse or hold the operation. An operation that
    names no device is asked about with the request's (see :func:`request_device`)."""
    guard: Guard | None = kernel_of(session).extensions.get(_KEY)
    if guard is not None:
        if operation.device is None and (device := request_device()) is not None:
            operation = replace(operation, device=device)
        guard(session, actor, operation)


def request_device() -> str | None:
    """The device of the HTTP request being served, as risk control keys it
    (``device:<digest>`` of the app's ``X-Device-ID`` or the ``cl_device`` cookie, else of
    the browser within its network); None outside a request (jobs, commands)."""
    origin = current_origin()
    return f"device:{origin.device}" if origin is not None else None


__all__ = ["Guard", "Guarded", "check", "install", "request_device"]
