"""Rate limits of the open API, per client and per endpoint, with the ``limits`` library: a
moving window (every call counts for exactly ``partner_rate_window_seconds`` after it is made,
so no burst at a window's edge), kept in-process, or on Redis when the bank runs one
(``redis_url``), so every worker counts together. Each endpoint has the bank's default limit
or one of its own (``partner_endpoint_limits``, e.g. the token request lower)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from contactless.partners.errors import PartnerRateLimited
from contactless.partners.service.access import SignedClient
from contactless.platform.kernel import Kernel, kernel_of

_KEY = "partners.rate_limiter"


@dataclass(frozen=True)
class RateWindow:
    """Where a client stands for one endpoint (X-RateLimit-*)."""

    limit: int
    remaining: int
    reset: int  # seconds until a call is free again (the oldest in the window expires)

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}


def storage_for(redis_url: str | None, *, key_prefix: str = "cl:limits") -> Storage:
    """Redis when the bank has one (shared by every worker), else this process's memory."""
    if redis_url:
        return RedisStorage(redis_url, key_prefix=key_prefix)
    return MemoryStorage()


def limiter_of(kernel: Kernel) -> MovingWindowRateLimiter:
    found: MovingWindowRateLimiter | None = kernel.extensions.get(_KEY)
    if found is None:
        # the kernel's store prefix keeps two banks (or two test runs) on one Redis apart
        prefix = str(getattr(kernel.store, "prefix", "cl:")) + "limits"
        found = MovingWindowRateLimiter(storage_for(kernel.settings.redis_url,
                                                    key_prefix=prefix))
        kernel.extensions[_KEY] = found
    return found


def limit_for(kernel: Kernel, endpoint: str) -> RateLimitItem:
    settings = kernel.settings
    amount = settings.partner_endpoint_limits.get(endpoint, settings.partner_calls_per_minute)
    return RateLimitItemPerSecond(amount, settings.partner_rate_window_seconds)


def count_call(session: Session, client: SignedClient, *, endpoint: str) -> RateWindow:
    """Count one call of the client to ``endpoint`` ("METHOD /path"); past its limit the call
    is refused (429 ``partner_rate_limited``, ``Retry-After``) and not counted."""
    kernel = kernel_of(session)
    limiter = limiter_of(kernel)
    item = limit_for(kernel, endpoint)
    allowed = limiter.hit(item, client.client_id, endpoint)
    stats = limiter.get_window_stats(item, client.client_id, endpoint)
    reset = max(1, math.ceil(stats.reset_time - time.time()))
    if not allowed:
        raise PartnerRateLimited("too many calls to this endpoint; retry in {retry_after} s",
                                 retry_after=reset, rate_limit=item.amount)
    return RateWindow(item.amount, stats.remaining, reset)
