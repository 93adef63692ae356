"""Route lookup by a path's first literal segments.

FastAPI keeps each included router as one entry of the app's routes and matches a request by
trying every route of every router included before the one that answers (about 300 routes
here, a few microseconds each with its scope bookkeeping): about a millisecond per API
request. ``RouteIndex`` asks only the top-level entries that hold a route whose literal start
(its path up to the first parameter, at most ``KEY_SEGMENTS`` segments) fits the request's
path. It skips only routes that cannot match, in their order, then lets FastAPI's own
matching run over what is left, so what answers (405s, trailing-slash redirects, 404s
included) is what would have answered without it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRouter
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

KEY_SEGMENTS = 3
CACHED_KEYS = 1024  # paths come from anyone: past this, look up without remembering
Key = tuple[str, ...]


def literal_start(path: str) -> Key | None:
    """The leading segments of a route's path before any parameter; None: it may match
    anything."""
    segments = path.split("/")[1:KEY_SEGMENTS + 1]
    start: list[str] = []
    for segment in segments:
        if "{" in segment:
            break
        start.append(segment)
    return tuple(start) if start or path == "" else None


def starts_of(route: BaseRoute) -> frozenset[Key] | None:
    """The literal starts a top-level route can match; None when one of them is unknown."""
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is not None:  # an included router: each of its routes
        starts: set[Key] = set()
        for context in contexts():
            path = getattr(context.starlette_route, "path", None) or context.path
            start = literal_start(path) if path else None
            if start is None:
                return None
            starts.add(start)
        if getattr(route, "effective_low_priority_routes", lambda: [])():
            return None
        return frozenset(starts)
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    start = literal_start(path)
    return frozenset({start}) if start is not None else None


def route_path(scope: Scope) -> str:
    """The path routes match against: without the root path the app is mounted under."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] in ("", "/"):
        return path[len(root):]
    return path


class _Routes:
    """The router as its own matching code sees it, with fewer routes."""

    def __init__(self, router: APIRouter, routes: list[BaseRoute]) -> None:
        self._router = router
        self.routes = routes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)


class RouteIndex:
    """The app router's matching over only the routes a path's start can reach."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._built_for: tuple[int, int] | None = None
        self._starts: list[tuple[BaseRoute, frozenset[Key] | None]] = []
        self._cache: dict[Key, _Routes] = {}

    def _rebuild_if_changed(self) -> None:
        routes = self.router.routes
        shape = (id(routes), len(routes))
        if shape != self._built_for:  # a route added after start-up (tests do)
            self._starts = [(route, starts_of(route)) for route in routes]
            self._cache = {}
            self._built_for = shape

    def routes_for(self, path: str) -> _Routes:
        self._rebuild_if_changed()
        key = tuple(path.split("/")[1:KEY_SEGMENTS + 1])
        found = self._cache.get(key)
        if found is None:
            found = _Routes(self.router, [
                route for route, starts in self._starts
                if starts is None or any(key[:len(start)] == start for start in starts)])
            if len(self._cache) < CACHED_KEYS:
                self._cache[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.router.app(scope, receive, send)
            return
        path = route_path(scope)
        if not path:  # the root path itself: only the whole router knows its redirect
            await self.router.app(scope, receive, send)
            return
        await APIRouter.app(self.routes_for(path), scope, receive, send)  # type: ignore[arg-type]


def install(app: FastAPI) -> None:
    """Put the index in front of the app's router; the router keeps no middleware of its own
    (refused otherwise: the index would drop it)."""
    router = app.router
    if router.middleware_stack != router.app:
        raise RuntimeError("the app's router has middleware of its own: the index would skip it")
    index = RouteIndex(router)
    index.routes_for("/")  # built now, not by the first request
    router.middleware_stack = index
