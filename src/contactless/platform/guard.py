"""The operation guard: what a lower domain (the core's API, customer sign-in) asks before it
acts, answered by a higher one (risk control) that it may not import.

The caller describes the operation; the installed guard decides and raises a
:class:`~contactless.platform.errors.ContactlessError` to refuse or hold it. With no guard
installed (a kernel built without the risk domain) every operation goes ahead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from contactless.platform.context import Actor
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
    """Ask the installed guard; it raises to refuse or hold the operation."""
    guard: Guard | None = kernel_of(session).extensions.get(_KEY)
    if guard is not None:
        guard(session, actor, operation)


__all__ = ["Guard", "Guarded", "check", "install"]
