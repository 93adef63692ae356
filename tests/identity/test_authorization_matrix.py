"""The authorization matrix, generated from the app's route table: every /api/v1 and /console
route declares the operation of the permission table it performs; every role is tried on it
and gets exactly what the table says; data outside the actor's scope is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from contactless.app import create_app
from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.identity.permissions import PERMISSIONS, Operation, allows
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import customer_headers, staff_headers
from tests.factories.corebank import open_account
from tests.factories.identity import PASSWORD, make_customer, make_small_bank
from tests.identity.routes import ROUTES

# routes whose role refusal the matrix cannot reach with made-up ids, and why (kept short and
# honest: each is covered by a domain test instead)
NOT_PROBED: dict[tuple[str, str], str] = {
    # a multipart file upload: the made-up JSON body stops at parsing; the same role check
    # (rosters._roster_code) is probed through .../roster/import-enterprise
    ("POST", "/api/v1/outreach/codes/{code_id}/roster"): "multipart upload",
    # the agent desk's conversation pages and streams answer agent_role_required to roles the
    # table allows on the desk (ASSISTANT_DESK): the assistant checks its own role list there
    ("GET", "/console/assistant/desk/stream"): "assistant's own role check",
    ("GET", "/console/assistant/conversations/{conversation_id}"): "assistant's own role check",
    ("GET", "/console/assistant/conversations/{conversation_id}/stream"):
        "assistant's own role check",
}


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from _walk(route.routes)


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of /api/v1 and /console the app serves."""
    return {(method, route.path) for route in _walk(app.router.routes)
            if route.path.startswith(("/api/v1", "/console"))
            for method in route.methods - {"HEAD"}}


def test_every_route_declares_the_operation_it_performs(kernel: Kernel) -> None:
    served = route_table(create_app(kernel=kernel))
    undeclared = sorted(served - ROUTES.keys())
    assert undeclared == [], f"routes with no declared operation: {undeclared}"
    gone = sorted(ROUTES.keys() - served)
    assert gone == [], f"declared routes the app no longer serves: {gone}"
    used = {op for op in ROUTES.values() if isinstance(op, Operation)}
    assert used <= PERMISSIONS.keys()


def test_a_new_route_without_a_declared_operation_is_caught(kernel: Kernel) -> None:
    app = create_app(kernel=kernel)

    @app.get("/api/v1/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    assert ("GET", "/api/v1/undeclared") in route_table(app) - ROUTES.keys()


# ---- every role on every route ---------------------------------------------------------------

EXTRA_STAFF = (("marketer", Role.MARKETER, "HQ"), ("analyst", Role.RISK_ANALYST, "HQ"),
               ("agent", Role.AGENT, "HQ"), ("bm.hq", Role.BRANCH_MANAGER, "HQ"))
ROLE_USERS = {Role.ADMIN: "admin", Role.AUDITOR: "auditor", Role.BRANCH_MANAGER: "bm.hz",
              Role.RM: "rm.xh", Role.MARKETER: "marketer", Role.RISK_ANALYST: "analyst",
              Role.AGENT: "agent"}


def _value(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """A value that passes the schema's validation, so the request reaches the service."""
    if "$ref" in schema:
        return _value(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    for key in ("anyOf", "oneOf", "allOf"):
        # a typed schema whose branches only narrow it (an amount's currencies) is its own value
        if key in schema and "type" not in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _value(options[0], components, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: _value(sub, components, key) for key, sub in props.items()}
    if kind == "array":
        return []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return (datetime.now(UTC) + timedelta(days=400)).isoformat()
    if fmt == "date":
        return "2030-01-01"
    if name == "currency":
        return "CNY"
    if name == "method":
        return "equal_instalment"
    if name in ("amount", "units", "annual_rate"):
        return "1.00" if name != "annual_rate" else "0.05"
    if "example" in schema or "examples" in schema:
        return (schema.get("examples") or [schema.get("example")])[0]
    length = max(int(schema.get("minLength", 0)), 8)
    return "x" * min(length, int(schema.get("maxLength", length)))


def _bodies(app: FastAPI) -> dict[tuple[str, str], Any]:
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    bodies: dict[tuple[str, str], Any] = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                bodies[(method.upper(), path)] = _value(content["application/json"]["schema"],
                                                        components)
    return bodies


def _url(path: str) -> str:
    filled = path
    for name in ("product", "term", "change", "decision", "step", "journey_key", "kid"):
        filled = filled.replace("{" + name + "}", {"product": "time_deposit", "term": "1Y",
                                                   "change": "activate",
                                                   "decision": "approve",
                                                   "step": "confirm",
                                                   "journey_key": "loan_application",
                                                   "kid": "k1"}[name])
    while "{" in filled:
        start, end = filled.index("{"), filled.index("}")
        filled = filled[:start] + str(uuid.uuid4()) + filled[end + 1:]
    return filled


def _refusal_code(response: Any) -> str:
    if response.headers.get("content-type", "").startswith("text/html"):
        return "page"  # the console's error page: a role refusal (scope gives 404 there)
    return str(response.json().get("code"))


@pytest.fixture
def matrix_bank(kernel: Kernel) -> Kernel:
    make_small_bank(kernel)
    with kernel.db.session() as session:
        for username, role, branch in EXTRA_STAFF:
            identity.create_staff(session, SYSTEM, username=username, role=role,
                                  branch_code=branch, password=PASSWORD)
    return kernel


def test_every_role_gets_what_the_table_says_on_every_operation(
        matrix_bank: Kernel, client: TestClient) -> None:
    """A role the table refuses gets 403 on every route of the operation (its data scope
    aside: made-up ids); a role the table allows is never refused for its role."""
    bodies = _bodies(client.app)  # type: ignore[arg-type]
    tokens = {role: staff_headers(client, user) for role, user in ROLE_USERS.items()}
    wrong: list[str] = []
    checked = 0
    for (method, path), operation in sorted(ROUTES.items()):
        if not isinstance(operation, Operation) or (method, path) in NOT_PROBED:
            continue
        if path.startswith("/console") and method != "GET":
            continue  # form posts: same services as their API twins (and CSRF first)
        for role, headers in tokens.items():
            response = client.request(method, _url(path), json=bodies.get((method, path)),
                                      headers=headers | {"Idempotency-Key": str(uuid.uuid4())})
            refused_for_role = response.status_code == 403 and _refusal_code(response) in (
                "role_not_allowed", "staff_only", "forbidden", "page")
            if allows(role, operation) == refused_for_role:
                wrong.append(f"{role.value} {method} {path}: {response.status_code} "
                             f"{response.text[:120]}")
            checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked > 300


# ---- in scope and out of scope --------------------------------------------------------------


def test_data_outside_the_actors_scope_is_refused(kernel: Kernel, client: TestClient) -> None:
    """rm.xh's customer, seen from rm.xh and bm.hz (in scope) and rm.nb (another branch)."""
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="100.00").id
        other = open_account(session, alice, funds="0.00").id
    money = {"amount": "10.00", "currency": "CNY"}
    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/v1/customers/{alice}", None),
        ("GET", f"/api/v1/corebank/accounts/{account}", None),
        ("GET", f"/api/v1/corebank/accounts?customer_id={alice}", None),
        ("GET", f"/console/customers/{alice}", None),
        ("POST", "/api/v1/corebank/transfers", {"source_account_id": str(account),
                                                "target_account_id": str(other),
                                                "amount": money}),
        ("POST", "/api/v1/corebank/outbound-transfers", {
            "source_account_id": str(account), "bank_code": "ICBC",
            "external_account": "6222020000000001", "amount": money}),
        ("POST", "/api/v1/corebank/loans", {
            "customer_id": str(alice), "demand_account_id": str(account), "principal": money,
            "annual_rate": "0.05", "term_months": 12}),
        ("POST", f"/api/v1/corebank/accounts/{account}/freeze", {"reason": "check"}),
    ]
    for method, url, body in cases:
        inside_user = "bm.hz" if "freeze" in url else "rm.xh"
        inside = client.request(method, url, json=body, headers=staff_headers(
            client, inside_user) | {"Idempotency-Key": str(uuid.uuid4())})
        assert inside.status_code < 300, (url, inside.text)
        outside = client.request(method, url, json=body, headers=staff_headers(
            client, "rm.nb") | {"Idempotency-Key": str(uuid.uuid4())})
        assert outside.status_code in (403, 404), (url, outside.text)
        if url.startswith("/console"):
            continue
        assert outside.json()["code"] in ("not_your_account", "customer_not_found",
                                          "role_not_allowed", "out_of_scope"), url


# ---- the customer-token money API ---------------------------------------------------------

MONEY_ROUTES = sorted(key for key, op in ROUTES.items()
                      if isinstance(op, Operation) and PERMISSIONS[op].moves_money
                      and key[0] != "GET" and key[1].startswith("/api/v1"))


def test_every_money_route_is_listed_and_refuses_customer_tokens(kernel: Kernel,
                                                                  client: TestClient) -> None:
    """A customer moves money only through a journey (suitability, consents, the risk check
    there); the core's write API answers a customer token with journey_required and moves
    nothing."""
    assert {path for _m, path in MONEY_ROUTES} >= {
        "/api/v1/corebank/wealth-orders", "/api/v1/corebank/transfers",
        "/api/v1/corebank/outbound-transfers", "/api/v1/corebank/deposits",
        "/api/v1/corebank/loans/{loan_id}/repayments"}
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="100.00").id
    bodies = _bodies(client.app)  # type: ignore[arg-type]
    for method, path in MONEY_ROUTES:
        if path.startswith("/api/v1/journeys"):
            continue  # the journey's decisions: staff routes, refused by role above
        response = client.request(method, _url(path), json=bodies.get((method, path)),
                                  headers=customer_headers(kernel, alice, key=str(uuid.uuid4())))
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "journey_required", path
    balance = client.get(f"/api/v1/corebank/accounts/{account}",
                         headers=customer_headers(kernel, alice)).json()["balance"]
    assert balance["amount"] == "100.00"
