"""The OpenAPI document is a contract a stranger can rely on: schemathesis generates requests
from it for every operation and checks the answers against it, and a generated Python client
works against the running app."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.platform.kernel import Kernel
from contactless.web.openapi import PROBLEM
from tests.factories.identity import PASSWORD, make_small_bank

EXAMPLES_PER_OPERATION = 4
SEED = 1


def _token(client: TestClient, username: str = "admin") -> str:
    response = client.post("/api/v1/auth/token", data={"username": username,
                                                       "password": PASSWORD})
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


def test_an_undeclared_method_is_405_with_every_method_of_the_path(
        sqlite_kernel: Kernel) -> None:
    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        trace = client.request("TRACE", "/api/v1/staff")
        delete = client.delete("/api/v1/me")
    assert (trace.status_code, trace.json()["code"]) == (405, "method_not_allowed")
    assert trace.headers["content-type"] == PROBLEM
    # GET and POST /api/v1/staff are two routes; Allow names both
    assert trace.headers["allow"] == "GET, POST"
    assert delete.headers["allow"] == "GET"


# signing out ends the token it is called with and a password change ends every token of its
# person: those two run with tokens of their own, so the others keep the admin's
OWN_TOKENS = {"/api/v1/auth/logout": "auditor", "/api/v1/me/password": "rm.nb"}
# what counts as refusing schema-violating input: the defaults and 413 (a batch over its
# documented maxItems is refused as too large)
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
              "5xx"]


# a partner's logo is a data: URI the schema states, whose bytes the service then opens as an
# image: random base64 of the right form is refused with 422 invalid_partner_setting, a rule no
# JSON schema can state. Those two operations accept 422 as well; every other status still fails
IMAGE_CONTENT = {"/api/v1/partners": "POST", "/api/v1/partners/{partner_id}": "PATCH"}
ACCEPTANCES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _config(tokens: dict[str, str]) -> str:
    lines = [f"seed = {SEED}", "[generation]", f"max-examples = {EXAMPLES_PER_OPERATION}",
             "[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(REJECTIONS)}",
             "[headers]", f'Authorization = "Bearer {tokens["admin"]}"']
    for path, user in OWN_TOKENS.items():
        lines += ["[[operations]]", f'include-path = "{path}"',
                  f'headers = {{ Authorization = "Bearer {tokens[user]}" }}']
    for path, method in IMAGE_CONTENT.items():
        lines += ["[[operations]]", f'include-path = "{path}"', f'include-method = "{method}"',
                  "checks.positive_data_acceptance.expected-statuses = "
                  f"{json.dumps([*ACCEPTANCES, '422'])}"]
    return "\n".join(lines) + "\n"


def test_schemathesis_finds_no_contract_failure(sqlite_kernel: Kernel, live_server: str,
                                                 tmp_path: Path) -> None:
    """``schemathesis run --checks all`` as a stranger would run it against the served app:
    every operation, its examples, the coverage phase's boundary values and a few generated
    requests each (fixed seed); any failure of any check fails the test."""
    make_small_bank(sqlite_kernel)
    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        tokens = {user: _token(client, user) for user in ("admin", "auditor", "rm.nb")}
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(tokens), encoding="utf-8")
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file",
               str(config), "run", f"{live_server}/openapi.json", "--checks", "all",
               "--workers", "1", "--no-color"]
    # run where it may leave its files (a .schemathesis/ directory) without touching the checkout
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                         cwd=tmp_path)
    report = run.stdout + run.stderr
    assert "Selected: " in report, report[-3000:]
    tested = int(report.split("Tested: ")[1].split()[0])
    assert tested > 100, report[-3000:]
    assert run.returncode == 0, report[-20000:]


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
            token = _token(plain)
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
