"""``/healthz`` answers as often as it is asked while the database is asked at most once a
second per process; a database that goes away shows within that second."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from contactless.app import create_app
from contactless.platform.kernel import Kernel
from contactless.web.health import HealthProbe


def _probe_of(client: TestClient) -> HealthProbe:
    app: Any = client.app
    layer = app.middleware_stack
    while not isinstance(layer, HealthProbe):
        layer = layer.app
    return layer


def test_many_probes_ask_the_database_once(sqlite_kernel: Kernel) -> None:
    asked: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "SELECT 1":
            asked.append(statement)

    event.listen(sqlite_kernel.db.engine, "before_cursor_execute", count)
    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        answers = [client.get("/healthz") for _ in range(25)]
        assert {answer.status_code for answer in answers} == {200}
        assert answers[-1].json()["database"] == "sqlite"
        assert answers[-1].headers["x-content-type-options"] == "nosniff"
        assert len(asked) == 1
        _probe_of(client).health.checked_at = float("-inf")  # a second later
        client.get("/healthz")
        assert len(asked) == 2
        assert client.head("/healthz").status_code == 200


def test_a_lost_database_shows_at_the_next_check(sqlite_kernel: Kernel,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        assert client.get("/healthz").status_code == 200
        health = _probe_of(client).health

        def broken() -> None:
            raise OSError("disk gone")

        monkeypatch.setattr(health.db.engine, "connect", broken)
        assert client.get("/healthz").status_code == 200  # within the second: last answer
        health.checked_at = float("-inf")
        lost = client.get("/healthz")
    assert lost.status_code == 503
    assert lost.json() == {"status": "unavailable", "database": "unavailable"}
    assert "disk gone" not in lost.text
