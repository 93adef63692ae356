"""The OpenAPI document is a contract a stranger can rely on: schemathesis generates requests
from it for every operation and checks the answers against it, and a generated Python client
works against the running app."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from contactless.app import create_app
from contactless.platform.kernel import Kernel
from contactless.web.openapi import PROBLEM
from tests.factories.identity import PASSWORD, make_small_bank

EXAMPLES_PER_OPERATION = 4


def _admin_token(client: TestClient) -> str:
    response = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_every_refusal_is_documented_as_problem_json(sqlite_kernel: Kernel) -> None:
    document = create_app(kernel=sqlite_kernel).openapi()
    transfer = document["paths"]["/api/v1/corebank/transfers"]["post"]
    assert set(transfer["responses"]["422"]["content"]) == {PROBLEM}
    assert "insufficient_funds" in transfer["responses"]["409"]["description"]
    header = [p for p in transfer["parameters"] if p["name"] == "Idempotency-Key"]
    assert len(header) == 1
    assert header[0]["required"] is True
    assert header[0]["in"] == "header"
    me = document["paths"]["/api/v1/me"]["get"]
    assert all(p["name"] != "Idempotency-Key" for p in me.get("parameters", []))


def test_schemathesis_finds_no_contract_failure(sqlite_kernel: Kernel) -> None:
    """Every operation, a few generated requests each (fixed seed), every check but one:
    ``positive_data_acceptance`` is left out until the schema states every business rule that
    refuses schema-valid input (docs/operations.md lists what it still finds)."""
    make_small_bank(sqlite_kernel)
    app = create_app(kernel=sqlite_kernel)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {_admin_token(client)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:  # collected, so one run names every failing operation
            failures[operation.label] = str(failure)[:2000]
    assert operations > 50
    assert failures == {}


def test_a_generated_python_client_calls_the_api(sqlite_kernel: Kernel, live_server: str,
                                                tmp_path: Path) -> None:
    make_small_bank(sqlite_kernel)
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(create_app(kernel=sqlite_kernel).openapi()), encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run([str(generator), "generate", "--path", str(document), "--output-path",
                    str(tmp_path / "client"), "--meta", "none"],
                   check=True, capture_output=True, timeout=300)
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("client")
        me_module = importlib.import_module("client.api.identity.me_api_v1_me_get")
        with TestClient(create_app(kernel=sqlite_kernel)) as plain:
            token = _admin_token(plain)
        # the client's own connection pool is closed with it, so no socket outlives the test
        with package.AuthenticatedClient(base_url=live_server, token=token) as api:
            me = me_module.sync(client=api)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "client" or
                     name.startswith("client.")]:
            del sys.modules[name]
    assert me is not None
    assert me.role == "admin"
    assert me.kind == "staff"
