"""The lean scan path: ``GET /q/{token}`` of a simple code answered without the router.

A pure ASGI middleware inside ``RequestContext`` (request id, metrics and logs still apply).
It verifies the link's signature (no database), reads the code's state from a per-process
cache (at most 2 s old; filled by one query in a worker thread on a miss), and answers the
same 303 and device cookie as the ``scan`` route; a code with ``max_scans`` first takes a
slot (one committed UPDATE in a worker thread); the accepted scan and its ``qr.scanned``
event go to a buffer that a background thread writes in batches. Anything else (a code with
a per-customer limit, binding or a roster, a signed-in customer, a rejection, any doubt)
falls through to the route, which keeps its pages and recorded reasons. See docs/outreach.md.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import structlog
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from contactless.outreach import service as outreach
from contactless.outreach.errors import ScanRejected
from contactless.outreach.service import fastscan, tokens
from contactless.outreach.service.fastscan import CodeState, CodeStateCache, ScanBuffer
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from contactless.web.deps import CUSTOMER_COOKIE, DEVICE_COOKIE

PREFIX = "/q/"
log = structlog.get_logger(__name__)
DEVICE_MAX_AGE = 400 * 86400


class _ScanRoute:
    """What ``RequestContext`` reads to label a fast scan's metrics like the route's."""

    path = "/q/{token}"


SCAN_ROUTE = _ScanRoute()


class FastScan:
    """Answers simple scans itself; everything else goes to ``app``."""

    def __init__(self, app: ASGIApp, kernel: Kernel, cache: CodeStateCache,
                 buffer: ScanBuffer) -> None:
        self.app = app
        self.kernel = kernel
        self.cache = cache
        self.buffer = buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(PREFIX):
                token = path[len(PREFIX):]
                if token and "/" not in token and await self._answer(scope, receive, send,
                                                                     token):
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, token: str) -> bool:
        cookies = _cookies(scope)
        if cookies.get(CUSTOMER_COOKIE):
            return False
        try:
            short_code, kid, signature = tokens.split_token(token)
        except ScanRejected:
            return False
        if not fastscan.genuine(self.kernel.signer, short_code, kid, signature):
            return False
        state = self.cache.get(short_code, kid)
        if state is None:
            state = await anyio.to_thread.run_sync(self._load, short_code, kid)
            if state is None:
                return False
        now = utcnow()
        if not state.simple or not state.open_at(now):
            return False
        if state.limited and not await anyio.to_thread.run_sync(self._take_slot,
                                                                 state.code_id):
            return False  # used up: the route says so and records why
        device = cookies.get(DEVICE_COOKIE) or ""
        fresh = not (8 <= len(device) <= 48)
        if fresh:
            device = outreach.new_device_id()
        headers = dict(_headers(scope))
        client = scope.get("client")
        scan, event = fastscan.scan_rows(
            state, device_id=device, user_agent=headers.get("user-agent", ""),
            ip=client[0] if client else "0.0.0.0",  # noqa: S104 - a label only, as the route
            at=now, bus=self.kernel.bus)
        if not self.buffer.add(scan, event):
            # the writes are failing: the route answers (and records) instead
            if state.limited:
                await anyio.to_thread.run_sync(self._give_back_slot, state.code_id)
            return False
        # the link was checked above, so it is the state's own link and its landing page
        response = RedirectResponse(state.landing, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        if fresh:
            response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_MAX_AGE, httponly=True,
                                samesite="lax", secure=self.kernel.settings.cookie_secure)
        scope["route"] = SCAN_ROUTE
        await response(scope, receive, send)
        return True

    def _take_slot(self, code_id: uuid.UUID) -> bool:
        """A scan slot of a limited code, committed at once; False when it is used up."""
        with self.kernel.db.session() as session:
            return fastscan.take_slot(session, code_id)

    def _give_back_slot(self, code_id: uuid.UUID) -> None:
        with self.kernel.db.session() as session:
            fastscan.release_slot(session, code_id)

    def _load(self, short_code: str, kid: str) -> CodeState | None:
        with self.kernel.db.session() as session:
            state = fastscan.load_state(session, short_code, kid)
        if state is not None:
            self.cache.put(state)
        return state


def install(app: FastAPI, kernel: Kernel) -> ScanBuffer:
    """Put the lean scan path in front of the routes, drop changed codes from its cache at
    each commit, and write the buffered scans at shutdown. Returns the buffer (tests flush
    it)."""
    cache = CodeStateCache()
    kernel.db.on_commit(cache.on_commit)

    def write(scans: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        with kernel.db.session() as session:
            undelivered = fastscan.insert_scans(session, scans, events)
        if undelivered:
            kernel.bus.deliver(undelivered)

    buffer = ScanBuffer(write)
    app.add_middleware(WrittenBeforeStart, buffer=buffer)
    app.add_middleware(FastScan, kernel=kernel, cache=cache, buffer=buffer)
    app.state.scan_buffer = buffer
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        try:
            async with inner(application) as state:
                yield state
        finally:
            await anyio.to_thread.run_sync(buffer.stop)

    app.router.lifespan_context = lifespan
    return buffer


class WrittenBeforeStart:
    """A scan's landing page starts the journey at once, and the engine checks the start
    link's code against the scans on record: buffered scans are written first (only when
    some wait, before the request opens its transaction)."""

    def __init__(self, app: ASGIApp, buffer: ScanBuffer) -> None:
        self.app = app
        self.buffer = buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.buffer.pending() and _starts_journey(scope):
            try:
                await anyio.to_thread.run_sync(self.buffer.flush)
            except Exception:  # the scans stay buffered; the journey starts uncredited
                log.exception("scan_buffer_flush_failed")
        await self.app(scope, receive, send)


def _starts_journey(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    if path == "/api/v1/journeys":
        return scope.get("method") == "POST"
    return path.startswith("/m/journeys/") and path.endswith("/start")


def _headers(scope: Scope) -> list[tuple[str, str]]:
    return [(bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
            for name, value in scope.get("headers", [])]


def _cookies(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in bytes(value).decode("latin-1").split(";"):
                key, _, cookie = part.strip().partition("=")
                if key and cookie:  # the last one wins, as in Starlette
                    found[key] = cookie.strip('"')
    return found


__all__ = ["FastScan", "WrittenBeforeStart", "install"]
