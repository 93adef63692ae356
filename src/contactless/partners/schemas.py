"""What the partners service returns and what its routes accept."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from contactless.partners.models import Scenario

# what an access token may carry (the client's allowed scopes are a subset)
OPEN_SCOPES = ("consents:write", "accounts:read", "balances:read", "products:read",
               "products:apply", "events:write")
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_NETWORK = rf"^{_OCTET}(\.{_OCTET}){{3}}(/(3[0-2]|[12]?[0-9]))?$"
# a callback is https, or http on this machine, without a fragment
CALLBACK_URLS: JsonDict = {"items": {"type": "string", "pattern": (
    r"^(https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"
    r"|http://(localhost|127\.0\.0\.1))(:[0-9]{1,5})?(/[^\s#]*)?$")}}
# what a customer may consent to
CONSENT_SCOPES = ("accounts:read", "balances:read", "products:apply")
MAX_CONSENT_DAYS = 180
# a partner's logo, as a data: URI of a small PNG, JPEG or WebP
MAX_LOGO_BYTES = 64 * 1024
# the form the service reads (surrounding white space is dropped; the service then decodes
# the image itself, which no schema can state)
LOGO_PATTERN = r"^\s*(data:image/(png|jpeg|webp)(;[^,;]*)*;base64,[A-Za-z0-9+/=]+\s*)?$"
Logo = Annotated[str, Field(max_length=MAX_LOGO_BYTES * 4 // 3 + 64,
                            json_schema_extra={"pattern": LOGO_PATTERN})]
LOGO_FIELD = Field(default=None,
                   description="data:image/png;base64,... (PNG, JPEG or WebP, at most 64 KiB); "
                               "an empty string removes it")


class ClientView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str
    allowed_scopes: list[str]
    ip_allowlist: list[str]
    status: str
    created_by: str
    created_at: datetime


class IssuedClient(BaseModel):
    """A new API client: ``client_secret`` and ``signing_key`` are shown this once."""

    client: ClientView
    client_secret: str
    signing_key: str


class PartnerView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    scenario: str
    status: str
    allowed_products: list[str]
    callback_urls: list[str]
    logo_url: str | None = None
    created_by: str
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    clients: list[ClientView] = []


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=120)
    scenario: Scenario
    allowed_products: list[str] = Field(default_factory=list, max_length=50)
    callback_urls: list[str] = Field(default_factory=list, max_length=20,
                                     json_schema_extra=CALLBACK_URLS)
    logo: Logo | None = LOGO_FIELD


class PartnerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed_products: list[str] | None = Field(default=None, max_length=50)
    callback_urls: list[str] | None = Field(default=None, max_length=20,
                                            json_schema_extra=CALLBACK_URLS)
    logo: Logo | None = LOGO_FIELD


class PartnerDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed_scopes: list[str] = Field(default_factory=list, max_length=len(OPEN_SCOPES),
                                      json_schema_extra={"items": {"enum": list(OPEN_SCOPES)}})
    # an IPv4 address or network (a.b.c.d/n) or an IPv6 address
    ip_allowlist: list[str] = Field(default_factory=list, max_length=50, json_schema_extra={
        "items": {"anyOf": [{"type": "string", "pattern": IPV4_NETWORK},
                            {"type": "string", "format": "ipv6"}]}})


class TokenGrant(BaseModel):
    """RFC 6749 section 5.1."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6749 token type, not a secret
    expires_in: int
    scope: str


class ConsentView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str = ""
    scopes: list[str]
    purpose: str
    duration_days: int
    status: str
    created_at: datetime
    answer_by: datetime
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    authorize_url: str | None = None
    redirect_uri: str | None = None


class ConsentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: list[str] = Field(min_length=1, max_length=len(CONSENT_SCOPES),
                              examples=[["accounts:read", "balances:read"]],
                              json_schema_extra={"items": {"enum": list(CONSENT_SCOPES)}})
    duration_days: int = Field(ge=1, le=MAX_CONSENT_DAYS, examples=[90])
    purpose: str = Field(min_length=2, max_length=500,
                         examples=["显示您的账户余额，用于缴纳学费"])
    redirect_uri: str = Field(max_length=500, examples=["https://partner.example/callback"],
                              description="one of the partner's registered callback URLs "
                                          "(another: 403 redirect_uri_not_registered)")
    state: str | None = Field(default=None, max_length=128)


class OpenAccount(BaseModel):
    """An account as a consented partner sees it: the number masked."""

    id: uuid.UUID
    number: str
    kind: str
    currency: str
    status: str


class OpenBalance(BaseModel):
    account_id: uuid.UUID
    number: str
    currency: str
    amount: str


class OpenAccounts(BaseModel):
    consent_id: uuid.UUID
    items: list[OpenAccount]


class OpenBalances(BaseModel):
    consent_id: uuid.UUID
    items: list[OpenBalance]


class OpenProduct(BaseModel):
    """A product the partner may offer: a journey of the bank's catalog."""

    key: str
    title: str
    summary: str
    steps: list[str]
    start_url: str


class OpenProducts(BaseModel):
    items: list[OpenProduct]


# ---- webhooks and the service hub -------------------------------------------------------------

# what a partner may subscribe to; journey events only for journeys it started
WEBHOOK_EVENTS = ("journey.completed", "journey.rejected", "journey.abandoned",
                  "consent.granted", "consent.refused", "consent.revoked")


class WebhookEndpointView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    url: str
    event_types: list[str]
    status: str
    created_by: str
    created_at: datetime


class IssuedEndpoint(BaseModel):
    """A new webhook endpoint: ``secret`` (``whsec_...``) is shown this once."""

    endpoint: WebhookEndpointView
    secret: str


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))


class WebhookAttemptView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class WebhookDeliveryView(BaseModel):
    """A message's delivery to one endpoint, with its attempts (newest first)."""

    id: uuid.UUID
    message_id: str
    event_type: str
    url: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    give_up_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    tries: list[WebhookAttemptView] = []


class HubServiceView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str = ""
    title: str
    summary: str
    scenario: str
    link: str
    valid_from: date
    valid_until: date | None = None
    regions: list[str]
    status: str
    created_at: datetime


class HubServiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=120)
    summary: str = Field(default="", max_length=300)
    scenario: Scenario
    link: str = Field(max_length=500)
    valid_from: date
    valid_until: date | None = None
    regions: list[str] = Field(default_factory=list, max_length=50)
PARAM_KEY = r"^[a-z][a-z0-9_]*$"
ParamKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PARAM_KEY)]
ParamValue = Annotated[str, StringConstraints(max_length=200)]


def _params_schema(schema: JsonDict) -> None:
    """Names and values as the route checks them (pydantic states the name's pattern as
    ``patternProperties``, which leaves any other name open)."""
    schema.pop("patternProperties", None)
    schema["propertyNames"] = {"type": "string", "minLength": 1, "maxLength": 64,
                               "pattern": PARAM_KEY}
    schema["additionalProperties"] = {"type": "string", "maxLength": 200}


class PartnerJourneyStart(BaseModel):
    """``POST /open/v1/journeys``: a product the partner may offer, for the customer of a
    granted consent that covers ``products:apply``."""

    model_config = ConfigDict(extra="forbid")

    consent_id: uuid.UUID
    product: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                         description="a journey key from GET /open/v1/products",
                         examples=["wealth_purchase"])
    params: dict[ParamKey, ParamValue] = Field(
        default_factory=dict, max_length=20, json_schema_extra=_params_schema,
        description="the journey's start parameters, as a QR code's preset (unknown ones are "
                    "dropped): for wealth_purchase, the product_id of a wealth product",
        examples=[{"product_id": "3f2b8c1e-6d4a-4e7b-9a1c-5d8e2f0b7c61"}])
    channel_code: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="the partner's own placement code, kept with the journey and its "
                    "conversion", examples=["app-home-banner"])


class OpenJourneyStep(BaseModel):
    key: str
    title: str
    status: str  # done, current, todo


class OpenJourney(BaseModel):
    """A journey the partner started, as the partner may follow it: where it stands, never
    the customer's answers."""

    id: uuid.UUID
    product: str
    title: str
    status: str
    url: str = Field(description="where to send the customer (on the bank's host): the "
                                 "journey in /m, with the partner's name and logo")
    consent_id: uuid.UUID
    channel: str
    channel_code: str | None = None
    current_step: str | None = None
    steps: list[OpenJourneyStep]
    started_at: datetime
    expires_at: datetime
    completed_at: datetime | None = None
    amount: str | None = Field(default=None, description="what the customer placed, once "
                               "confirmed (a decimal string)", examples=["10000.00"])
    currency: str | None = None
