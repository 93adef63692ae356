"""The partner API (/open/v1): the OAuth token, consents, and the consented customer's accounts
and balances. Every request is signed (see docs/partners.md); every call but the token request
carries the access token."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from contactless.events.schemas import IngestOut
from contactless.journeys import service as journeys
from contactless.partners import schemas
from contactless.partners import service as partners
from contactless.partners.errors import EventBatchInvalid
from contactless.partners.service.access import SCOPE_LIST
from contactless.partners.web import (
    PartnerClient,
    PartnerRoute,
    RawBody,
    SignedPartner,
    idempotent,
    raw_body,
)
from contactless.platform.i18n import Translator
from contactless.web.deps import DbSession, IdempotencyKey, Locale
from contactless.web.openapi import document

router = APIRouter(prefix="/open/v1", tags=["open platform"], route_class=PartnerRoute)
SIGNING_HEADERS = [
    {"name": "X-Client-Id", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^pc_[0-9a-f]{24}$"},
     "description": "The API client's id (pc_...)."},
    {"name": "X-Timestamp", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[0-9]{10}$"},
     "description": "Unix seconds; within 5 minutes of the bank's clock."},
    {"name": "X-Nonce", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
     "description": "New for every request; a reused nonce is refused."},
    {"name": "X-Signature", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
     "description": "Hex HMAC-SHA256 with the signing key of METHOD, path?query, X-Timestamp, "
                    "X-Nonce and the hex SHA-256 of the body, joined by newlines."},
]

TOKEN_FORM = {
    "requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": ["grant_type"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "client_id": {"type": "string",
                              "description": "unless the client authenticates with HTTP Basic"},
                "client_secret": {"type": "string"},
                "scope": {"type": "string", "pattern": SCOPE_LIST,
                          "description": "space-separated scopes (RFC 6749 3.3); none: all "
                                         "the client's allowed ones, any other: 400 "
                                         "invalid_scope",
                          "examples": ["consents:write balances:read"]}},
        }}}},
    # RFC 6749 2.3.1: the client's id and secret in HTTP Basic, or in the form
    "security": [{"clientCredentials": []}, {}],
}


EVENT_ITEM = (
    "A partner event: ``event_id`` (a UUID of the partner's making, the dedupe key), "
    "``occurred_at`` (RFC 3339 with its offset, within the bank's window), ``name`` (1-64 of "
    "a-z 0-9 _ ., from a letter: what happened, e.g. appointment_booked), exactly one of "
    "``consent_id`` (a consent the customer granted this partner: the event is theirs) or "
    "``user_ref`` (the partner's own pseudonymous user id, 1-48 of A-Z a-z 0-9 _ . : -), and "
    "optionally ``reference`` (1-64 characters) and ``attributes`` (up to 20 short strings). "
    "Each item is checked on its own: a wrong one is listed under ``rejected``.")
EVENTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "array", "maxItems": 1000,
               "items": {"type": "object", "description": EVENT_ITEM}},
    "example": [{"event_id": "6f1c2b9e-4d3a-4b8e-9f0a-1c2d3e4f5a6b",
                 "occurred_at": "2026-12-02T09:30:00+08:00", "name": "appointment_booked",
                 "user_ref": "u-20931", "attributes": {"department": "cardiology"}}]}}}}


def open_document(app: FastAPI) -> dict[str, Any]:
    """The partner API's own OpenAPI document (/open/v1/openapi.json): every operation with
    its signing headers, and the bearer token on all but the token request."""
    schema = document(title="Contactless open platform", version=app.version,
                      description="The partner API. Every request is signed; see the "
                                  "X-* header parameters and docs/partners.md.",
                      routes=list(router.routes))
    schema["components"]["securitySchemes"] = {
        "partnerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "clientCredentials": {"type": "http", "scheme": "basic",
                              "description": "the token request only: client_id and "
                                             "client_secret (or both in the form)"}}
    # the presets the catalog's journeys read, each checked for every product
    params = schema["components"]["schemas"]["PartnerJourneyStart"]["properties"]["params"]
    params["properties"] = {name: {**found, "maxLength": min(found.get("maxLength", 200), 200)}
                            if found.get("type") == "string" else found
                            for name, found in journeys.start_params().items()}
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            operation["parameters"] = SIGNING_HEADERS + operation.get("parameters", [])
            if path != "/open/v1/oauth/token":
                operation["security"] = [{"partnerToken": []}]
    return schema


@router.get("/openapi.json", include_in_schema=False)
def openapi_document(request: Request) -> JSONResponse:
    """Public, like the bank's own API document."""
    app = request.app
    cached = getattr(app.state, "open_openapi", None)
    if cached is None:
        cached = app.state.open_openapi = open_document(app)
    return JSONResponse(cached)


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return unquote(user), unquote(password)


@router.post("/oauth/token", response_model=schemas.TokenGrant, openapi_extra=TOKEN_FORM)
def token(request: Request, session: DbSession, client: SignedPartner,
          body: Annotated[bytes, Depends(raw_body)]) -> Any:
    """OAuth 2.0 client credentials (RFC 6749 4.4): the client's id and secret in the form or
    HTTP Basic; the request signed like every other."""
    form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, client_secret = _basic(request) or (form.get("client_id", ""),
                                                   form.get("client_secret", ""))
    return partners.issue_token(session, client, grant_type=form.get("grant_type", ""),
                                client_id=client_id, client_secret=client_secret,
                                scope=form.get("scope"))


@router.post("/consents", response_model=schemas.ConsentView, status_code=201)
def ask_consent(request: Request, response: Response, body: schemas.ConsentCreate,
                session: DbSession, caller: PartnerClient, key: IdempotencyKey,
                raw: RawBody) -> Any:
    """Ask a customer for access; send them to ``authorize_url`` (in /m) to answer. A retry
    with the same Idempotency-Key and body answers the same consent."""
    return idempotent(request, response, session, caller, key=key, body=raw, status_code=201,
                      run=lambda: partners.request_consent(
                          session, caller, idempotency_key=key, scopes=body.scopes,
                          duration_days=body.duration_days, purpose=body.purpose,
                          redirect_uri=body.redirect_uri, state=body.state))


@router.get("/consents/{consent_id}", response_model=schemas.ConsentView)
def consent(consent_id: uuid.UUID, session: DbSession, caller: PartnerClient) -> Any:
    return partners.partner_consent(session, caller, consent_id=consent_id)


@router.get("/accounts", response_model=schemas.OpenAccounts)
def accounts(session: DbSession, caller: PartnerClient,
             consent_id: Annotated[uuid.UUID, Query()]) -> Any:
    """The consenting customer's accounts (scope and consent ``accounts:read``)."""
    items = partners.partner_accounts(session, caller, consent_id=consent_id)
    return schemas.OpenAccounts(consent_id=consent_id, items=items)


@router.get("/balances", response_model=schemas.OpenBalances)
def balances(session: DbSession, caller: PartnerClient,
             consent_id: Annotated[uuid.UUID, Query()]) -> Any:
    """The consenting customer's balances (scope and consent ``balances:read``)."""
    items = partners.partner_balances(session, caller, consent_id=consent_id)
    return schemas.OpenBalances(consent_id=consent_id, items=items)


@router.get("/products", response_model=schemas.OpenProducts)
def products(session: DbSession, caller: PartnerClient, locale: Locale) -> Any:
    """The products the bank lets this partner offer (scope ``products:read``), in the
    language of Accept-Language."""
    return schemas.OpenProducts(items=partners.partner_products(
        session, caller, translator=Translator.of(locale)))


@router.post("/journeys", response_model=schemas.OpenJourney, status_code=201)
def start_journey(request: Request, response: Response, body: schemas.PartnerJourneyStart,
                  session: DbSession, caller: PartnerClient, key: IdempotencyKey, raw: RawBody,
                  locale: Locale) -> Any:
    """Start one of the partner's products for the customer of a granted consent (scope and
    consent ``products:apply``); send the customer to ``url``, where the journey shows the
    partner's name and logo. Its outcome is the partner's conversion."""
    return idempotent(request, response, session, caller, key=key, body=raw, status_code=201,
                      run=lambda: partners.start_partner_journey(
                          session, caller, consent_id=body.consent_id, product=body.product,
                          params=dict(body.params), channel_code=body.channel_code,
                          translator=Translator.of(locale)))


@router.get("/journeys/{journey_id}", response_model=schemas.OpenJourney)
def journey(journey_id: uuid.UUID, session: DbSession, caller: PartnerClient,
            locale: Locale) -> Any:
    """Where a journey this partner started stands (another partner's is not found)."""
    return partners.partner_journey_status(session, caller, journey_id=journey_id,
                                           translator=Translator.of(locale))


@router.post("/events", response_model=IngestOut, openapi_extra=EVENTS_BODY)
def post_events(request: Request, response: Response, session: DbSession,
                caller: PartnerClient, key: IdempotencyKey, raw: RawBody) -> Any:
    """Up to 1,000 of the partner's scenario events (scope ``events:write``), stored with the
    bank's behaviour events on the ``partner`` channel, tagged with the partner. Errors for
    the whole batch: ``event_batch_invalid`` (400: not a JSON array of objects)."""

    def run() -> IngestOut:
        try:
            items = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise EventBatchInvalid("send a JSON array of event objects") from None
        result = partners.ingest_partner_events(session, caller, items=items)
        return IngestOut.of(result)

    return idempotent(request, response, session, caller, key=key, body=raw, status_code=200,
                      run=run)
