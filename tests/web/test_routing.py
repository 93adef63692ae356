"""The route index answers every path as FastAPI's own matching does, only sooner."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.platform.kernel import Kernel
from contactless.web.routing import RouteIndex, literal_start, starts_of


def test_literal_start_stops_at_the_first_parameter() -> None:
    assert literal_start("/api/v1/risk/assess") == ("api", "v1", "risk")
    assert literal_start("/m/q/{token}") == ("m", "q")
    assert literal_start("/m") == ("m",)
    assert literal_start("/") == ("",)
    assert literal_start("/{anything}/x") is None


def _probe_paths(app_paths: list[str]) -> list[str]:
    paths = {"/", "/nowhere", "/api/v1/nowhere", "/api", "/static/missing.js", "/m/"}
    for path in app_paths:
        filled = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000001", path)
        paths |= {filled, filled + "/", filled.rstrip("/") + "/extra"}
    return sorted(paths)


def _app_paths(app: FastAPI) -> list[str]:
    paths = []
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for item in contexts() if contexts is not None else [route]:
            path = getattr(getattr(item, "starlette_route", None), "path", None) or item.path
            paths.append(path)
    return paths


def test_every_path_gets_the_answer_it_gets_without_the_index(sqlite_kernel: Kernel) -> None:
    app = create_app(kernel=sqlite_kernel)
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    paths = _probe_paths(_app_paths(app))
    assert len(paths) > 600
    answers: dict[bool, list[tuple[str, str, int, str | None]]] = {}
    with TestClient(app, follow_redirects=False) as client:
        for indexed in (True, False):
            app.router.middleware_stack = index if indexed else app.router.app
            answers[indexed] = []
            for path in paths:
                for method in ("GET", "PATCH"):
                    response = client.request(method, path)
                    answers[indexed].append((method, path, response.status_code,
                                             response.headers.get("location")))
    assert answers[True] == answers[False]
    statuses = {status for _, _, status, _ in answers[True]}
    assert {200, 401, 404, 405} <= statuses  # the probe reached every kind of answer


def test_a_route_added_after_start_up_is_found(sqlite_kernel: Kernel) -> None:
    app = create_app(kernel=sqlite_kernel)
    with TestClient(app) as client:
        assert client.get("/late/route").status_code == 404

        @app.get("/late/route")
        def late() -> dict[str, str]:
            return {"late": "yes"}

        assert client.get("/late/route").json() == {"late": "yes"}


def test_a_router_whose_routes_start_with_a_parameter_is_always_asked(
        sqlite_kernel: Kernel) -> None:
    app = create_app(kernel=sqlite_kernel)

    @app.get("/{lang}/hello")
    def hello(lang: str) -> dict[str, str]:
        return {"lang": lang}

    route = app.router.routes[-1]
    assert starts_of(route) is None
    with TestClient(app) as client:
        assert client.get("/fr/hello").json() == {"lang": "fr"}
