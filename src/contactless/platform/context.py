"""Who is acting and in which request: passed to services, read by audit and logs."""

from __future__ import annotations

import contextvars
import functools
import hashlib
import ipaddress
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
class Origin:
    """Where a request comes from, as rate limits count it: the network (an IPv4 /24 or an
    IPv6 /48, so one attacker cannot spread over neighbouring addresses) and the device (the
    id an app sends, else the browser within that network)."""

    network: str
    device: str

    @classmethod
    def of(cls, address: str, *, device_id: str | None = None,
           user_agent: str | None = None) -> Origin:
        if user_agent is not None and len(user_agent) > 512:  # not worth a cache slot
            return _origin.__wrapped__(address, device_id, user_agent)
        return _origin(address, device_id, user_agent)


# every request asks; the same few addresses and browsers ask again and again
@functools.lru_cache(maxsize=4096)
def _origin(address: str, device_id: str | None, user_agent: str | None) -> Origin:
    network = network_of(address)
    device = device_id or f"{network}|{user_agent or ''}"
    return Origin(network, hashlib.sha256(device.encode()).hexdigest()[:24])


@functools.lru_cache(maxsize=8192)
def network_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to; anything else is its own label."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# set for each HTTP request by the request middleware; None in jobs and commands
origin_var: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("origin", default=None)


def current_origin() -> Origin | None:
    return origin_var.get()


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
