"""``GET /healthz``: is this process up and can it reach its database?

A load balancer or an orchestrator asks many times a second, from several places. The
answer is the result of the last database check, at most ``max_age`` seconds old: one
``SELECT 1`` per process per second, whatever the probe rate, and no database connection
held per probe. A pure ASGI middleware inside ``RequestContext`` (request id, security
headers, metrics and logs still apply) answers it without the router; the route of the same
path stays for the OpenAPI document and for apps built without the middleware.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import structlog
from sqlalchemy import text
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from contactless import __version__
from contactless.platform.db import Database

PATH = "/healthz"
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Verdict:
    status: int
    body: bytes


class _HealthRoute:
    """What ``RequestContext`` reads to label the probe's metrics like the route's."""

    path = PATH


HEALTH_ROUTE = _HealthRoute()


class HealthCheck:
    """The database check, remembered for ``max_age`` seconds."""

    def __init__(self, db: Database, *, max_age: float = 1.0) -> None:
        self.db = db
        self.max_age = max_age
        self.verdict: Verdict | None = None
        self.checked_at = float("-inf")
        self.lock = anyio.Lock()

    def fresh(self) -> Verdict | None:
        if time.monotonic() - self.checked_at < self.max_age:
            return self.verdict
        return None

    def check(self) -> Verdict:
        """Ask the database now (blocking) and remember the answer."""
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # the probe reports, it does not crash; the cause goes to the log
            log.exception("health_check_failed")
            verdict = _verdict({"status": "unavailable", "database": "unavailable"}, 503)
        else:
            verdict = _verdict({"status": "ok", "database": self.db.dialect,
                                "version": __version__}, 200)
        self.verdict, self.checked_at = verdict, time.monotonic()
        return verdict

    async def current(self) -> Verdict:
        """The remembered answer, or a new check in a worker thread (one at a time: probes
        arriving meanwhile get the last answer, or wait for the first one)."""
        verdict = self.fresh()
        if verdict is not None:
            return verdict
        if self.lock.locked() and self.verdict is not None:
            return self.verdict  # a check is on its way: the last answer meanwhile
        async with self.lock:
            verdict = self.fresh()
            if verdict is None:
                verdict = await anyio.to_thread.run_sync(self.check)
        return verdict

    def response(self, verdict: Verdict) -> Response:
        return Response(verdict.body, status_code=verdict.status,
                        media_type="application/json")


def _verdict(body: dict[str, str], status: int) -> Verdict:
    return Verdict(status, bytes(JSONResponse(body).body))


class HealthProbe:
    """Answers ``GET``/``HEAD /healthz`` from the remembered check; all else goes to ``app``."""

    def __init__(self, app: ASGIApp, health: HealthCheck) -> None:
        self.app = app
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH \
                or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        scope["route"] = HEALTH_ROUTE
        verdict = await self.health.current()
        await self.health.response(verdict)(scope, receive, send)
