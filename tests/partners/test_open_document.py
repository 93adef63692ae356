"""The partner API publishes its own OpenAPI document: every operation states the signing
headers, the bearer token where one is needed and its problem+json refusals; without
credentials schemathesis finds every operation refused as documented."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from contactless.app import create_app
from contactless.platform.kernel import Kernel

OPERATIONS = {("post", "/open/v1/oauth/token"), ("post", "/open/v1/consents"),
              ("get", "/open/v1/consents/{consent_id}"), ("get", "/open/v1/accounts"),
              ("get", "/open/v1/balances"), ("get", "/open/v1/products"),
              ("post", "/open/v1/journeys"), ("get", "/open/v1/journeys/{journey_id}"),
              ("post", "/open/v1/events")}


def test_the_open_document_lists_every_partner_operation_with_its_signing_headers(
        sqlite_kernel: Kernel) -> None:
    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        answer = client.get("/open/v1/openapi.json")
        bank = client.get("/openapi.json").json()
    assert answer.status_code == 200
    document = answer.json()
    found = {(method, path) for path, item in document["paths"].items() for method in item}
    assert found == OPERATIONS
    assert not [path for path in bank["paths"] if path.startswith("/open/")]
    for (method, path) in OPERATIONS:
        operation = document["paths"][path][method]
        required = {p["name"] for p in operation["parameters"] if p.get("required")}
        assert {"X-Client-Id", "X-Timestamp", "X-Nonce", "X-Signature"} <= required
        assert ("security" in operation) == (path != "/open/v1/oauth/token")
        assert "application/problem+json" in operation["responses"]["401"]["content"]
    consent = document["components"]["schemas"]["ConsentCreate"]["properties"]
    assert consent["duration_days"]["maximum"] == 180


def test_schemathesis_finds_every_unsigned_call_refused_as_documented(
        sqlite_kernel: Kernel) -> None:
    """A few generated requests per operation (fixed seed), every check but
    ``positive_data_acceptance``: an unsigned, schema-valid request is refused (401), which a
    schema cannot express."""
    app = create_app(kernel=sqlite_kernel)
    schema = schemathesis.openapi.from_asgi("/open/v1/openapi.json", app)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=4, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
        def check(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:  # collected, so one run names every failing operation
            failures[operation.label] = str(failure)[:2000]
    assert failures == {}
