"""Who is acting and in which request: passed to services, read by audit and logs."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass, field

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Actor:
    """A person, partner or the system itself, as every service sees it.

    ``kind`` is staff, customer, partner or system. For staff, ``role`` and ``branch_path``
    decide the data scope; ``channel`` says where the request came from (console, mobile,
    api, qr, partner, campaign, counter, job).
    """

    kind: str
    id: str
    role: str | None = None
    branch_path: str | None = None
    channel: str = "console"
    display: str = ""
    extra_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"

    def with_channel(self, channel: str) -> Actor:
        return Actor(self.kind, self.id, self.role, self.branch_path, channel, self.display,
                     self.extra_roles)


SYSTEM = Actor(kind="system", id="system", channel="job", display="system")
