"""The partner API publishes its own OpenAPI document: every operation states the signing
headers, the bearer token where one is needed and its problem+json refusals. Schemathesis runs
every phase (examples, coverage, fuzzing, stateful) with every check (``--checks all``) on a
fixed seed, once without credentials and once as an approved partner whose every request is
signed and carries its token, and finds no failure: no 500, no undocumented status, content
type or header, no schema-valid request refused and no invalid one accepted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from contactless.app import create_app
from contactless.partners import service as partners
from contactless.partners.schemas import CONSENT_SCOPES, OPEN_SCOPES
from contactless.platform.kernel import Kernel
from tests.factories.journeys import make_banked_customer
from tests.factories.partners import (
    CALLBACK,
    PartnerHttp,
    SigningGateway,
    active_partner,
    granted_consent,
)

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
        if path == "/open/v1/oauth/token":  # the client's id and secret, Basic or in the form
            assert operation["security"] == [{"clientCredentials": []}, {}]
        else:
            assert operation["security"] == [{"partnerToken": []}]
        assert "application/problem+json" in operation["responses"]["401"]["content"]
    consent = document["components"]["schemas"]["ConsentCreate"]["properties"]
    assert consent["duration_days"]["maximum"] == 180


# what `schemathesis run --checks all` runs (max_response_time needs a limit of its own)
ALL_CHECKS = {"not_a_server_error", "status_code_conformance", "content_type_conformance",
              "response_headers_conformance", "response_schema_conformance",
              "positive_data_acceptance", "negative_data_rejection", "missing_required_header",
              "unsupported_method", "allow_header_conformance", "use_after_free",
              "ensure_resource_availability", "ignored_auth", "object_level_authorization"}
BOUNDED = {"seed": 16, "generation": {"max-examples": 6, "deterministic": True},
           "checks": {"enabled": True}}


@dataclass
class Run:
    """What one schemathesis run saw: its failures, each operation's statuses, the checks."""

    failures: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    checks: set[str] = field(default_factory=set)


def _fuzz(app: Any, config: dict[str, Any]) -> Run:
    """Every phase schemathesis' engine runs for the CLI, with the run's configuration."""
    schema = schemathesis.openapi.from_asgi("/open/v1/openapi.json", app,
                                            config=SchemathesisConfig.from_dict(config))
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            run.failures.append(repr(event))
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for interaction in recorder.interactions.values():
            if interaction.response is not None and event.phase.name != "STATEFUL_TESTING":
                run.statuses.setdefault(recorder.label, set()).add(
                    interaction.response.status_code)
        for checks in recorder.checks.values():
            for check in checks:
                run.checks.add(check.name)
                if check.status == Status.FAILURE and check.failure_info is not None:
                    run.failures.append(f"{event.phase.name} {recorder.label} {check.name}: "
                                        f"{check.failure_info.failure}\n"
                                        f"{check.failure_info.code_sample}"[:3000])
    return run


def test_schemathesis_finds_every_unsigned_call_refused_as_documented(
        sqlite_kernel: Kernel) -> None:
    """Without a signature and a token every call is refused (401), as documented."""
    run = _fuzz(create_app(kernel=sqlite_kernel), BOUNDED)
    assert run.failures == []
    assert run.checks == ALL_CHECKS
    assert {label for label, seen in run.statuses.items() if seen & set(range(200, 300))} \
        == set()


@dataclass(frozen=True)
class Partnered:
    """An approved partner with every scope, a customer who granted it every consent scope,
    and a journey it started for them."""

    gateway: SigningGateway
    config: dict[str, Any]


def _partnered(kernel: Kernel) -> Partnered:
    # a limit would only turn the run's later calls into (documented) 429s
    kernel.settings.partner_calls_per_minute = 1_000_000
    kernel.settings.partner_endpoint_limits = {}
    partners.subscribe_journeys(kernel.bus)
    banked = make_banked_customer(kernel, funds="30000.00")
    view, issued = active_partner(kernel, banked.bank, scopes=OPEN_SCOPES)
    products = ["wealth_purchase", "time_deposit_open"]
    with kernel.db.session() as session:
        partners.update_partner(session, banked.bank.admin, partner_id=view.id,
                                allowed_products=products)
    app = create_app(kernel=kernel)
    with TestClient(app) as client:
        http = PartnerHttp(client, issued)
        token = http.token()
        consent = granted_consent(kernel, http, banked.customer.id, scopes=CONSENT_SCOPES,
                                  token=token)
        started = http.call("POST", "/open/v1/journeys", token=token, json_body={
            "consent_id": consent, "product": "wealth_purchase"})
        assert started.status_code == 201, started.text
    # the partner's own values, drawn in place of generated ones most of the time, so calls
    # reach the customer's data and not only "not found"
    known = {"consent": [consent], "journey": [started.json()["id"]], "product": products,
             "callback": [CALLBACK]}
    parameters = {"query.consent_id": "consent", "path.consent_id": "consent",
                  "path.journey_id": "journey", "body.consent_id": "consent",
                  "body.product": "product", "body.redirect_uri": "callback"}
    config = BOUNDED | {
        "auth": {"openapi": {
            "partnerToken": {"bearer": token},
            "clientCredentials": {"username": issued.client.client_id,
                                  "password": issued.client_secret}}},
        "dictionaries": {name: {"values": values} for name, values in known.items()},
        "parameters": {key: {"dictionary": name, "probability": 0.8}
                       for key, name in parameters.items()}}
    return Partnered(SigningGateway(app, issued), config)


def test_schemathesis_as_a_signed_partner_finds_no_failure_with_every_check(
        sqlite_kernel: Kernel) -> None:
    """Every request signed as it leaves (the gateway) and carrying the partner's token: the
    calls succeed where the schema says they may, and are refused only as documented."""
    partnered = _partnered(sqlite_kernel)
    run = _fuzz(partnered.gateway, partnered.config)
    assert run.failures == []
    assert run.checks == ALL_CHECKS
    assert partnered.gateway.signed > 100
    succeeded = {label for label, seen in run.statuses.items() if seen & set(range(200, 300))}
    assert succeeded == {f"{method.upper()} {path}" for method, path in OPERATIONS}, \
        json.dumps({label: sorted(seen) for label, seen in run.statuses.items()})
