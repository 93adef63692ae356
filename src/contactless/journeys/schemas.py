"""What the journeys API and pages show: an instance with its current step, in the caller's
language. The same models are the stored answer of an idempotent step submission."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contactless.identity.service import MOBILE_PATTERN

MOBILE = MOBILE_PATTERN.pattern  # what check_mobile accepts, stated in the schema


class ChoiceView(BaseModel):
    value: str
    label: str
    detail: str | None = None


class FieldView(BaseModel):
    """One input of a step, ready for a page: ``widget`` is text, tel, number, amount, radio,
    select, checkbox, date, textarea, code or file."""

    name: str
    label: str
    widget: str
    required: bool
    choices: list[ChoiceView] = Field(default_factory=list)
    value: str | None = None
    help: str | None = None
    max_length: int | None = None
    accept: str | None = None


class LineView(BaseModel):
    label: str
    value: str
    emphasis: bool = False


class ConsentView(BaseModel):
    """The exact text to agree to: submit its ``key`` → ``text_sha256`` back with agreement."""

    key: str
    version: str
    title: str
    text: str
    text_sha256: str
    # on a page in another language: the Chinese text, which prevails over the translation
    original: str | None = None


class StepView(BaseModel):
    key: str
    title: str
    kind: str
    intro: str | None = None
    position: int
    count: int
    lines: list[LineView] = Field(default_factory=list)
    fields: list[FieldView] = Field(default_factory=list)
    consents: list[ConsentView] = Field(default_factory=list)
    json_schema: dict[str, Any] = Field(default_factory=dict)
    code_sent_to: str | None = None
    # POST .../back makes the step before this one current again, its answers kept
    can_go_back: bool = False
    # a CODE step: seconds before a new code may be asked for
    resend_after: int = 0


class StepSummary(BaseModel):
    key: str
    title: str
    status: str  # done, current, todo, skipped


class ConsentReceipt(BaseModel):
    id: uuid.UUID
    title: str
    version: str
    text_sha256: str
    agreed_at: datetime


class PartnerBrand(BaseModel):
    """The partner platform a journey was started from, shown on its pages."""

    partner_id: uuid.UUID
    name: str
    logo_url: str | None = None
    channel_code: str | None = None


class JourneyView(BaseModel):
    """A journey instance as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    journey: str
    version: int
    title: str
    status: str
    current_step: StepView | None
    steps: list[StepSummary]
    channel: str
    qr_code_id: uuid.UUID | None
    campaign_id: str | None
    customer_id: uuid.UUID | None
    partner: PartnerBrand | None = None
    started_at: datetime
    updated_at: datetime
    expires_at: datetime
    execute_after: datetime | None = None
    completed_at: datetime | None = None
    outcome: list[LineView] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    message: str | None = None
    consents: list[ConsentReceipt] = Field(default_factory=list)
    replayed: bool = False
    # what the journey does, once its last step is confirmed (an order's amount)
    product: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


class CatalogEntry(BaseModel):
    key: str
    version: int
    title: str
    summary: str
    steps: list[str]
    prospects: bool
    start_url: str


class JourneyStart(BaseModel):
    """``POST /api/v1/journeys``: the journey key and its start parameters."""

    model_config = ConfigDict(extra="forbid")

    journey: str = Field(max_length=64)
    params: dict[str, str] = Field(default_factory=dict)
    qr_code_id: uuid.UUID | None = None
    campaign_id: str | None = Field(default=None, max_length=64)


class StepSubmit(BaseModel):
    """A step's answers. Files are given as ``{"filename", "content_type", "content_base64"}``
    objects (or a bare base64 string) under their field name."""

    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict)


class ProspectCode(BaseModel):
    mobile: str = Field(max_length=20, json_schema_extra={"pattern": MOBILE})


class ProspectVerify(BaseModel):
    mobile: str = Field(max_length=20, json_schema_extra={"pattern": MOBILE})
    code: str = Field(max_length=8, json_schema_extra={"pattern": r"^\d{6}$"})


class ProspectToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class StepFunnel(BaseModel):
    key: str
    title: str
    entered: int
    completed: int
    dropped: int
    median_seconds: float | None


class SplitRow(BaseModel):
    label: str  # the channel, or the QR code's id
    started: int
    completed: int
    conversion: float
    name: str | None = None  # a QR code's title, when the QR-code port knows it
    link: str | None = None  # and its page in the console


class JourneyAnalytics(BaseModel):
    """Customer experience of one journey over a period: how many steps, how long, where
    people leave, and by channel and QR code."""

    journey: str
    title: str
    since: datetime
    until: datetime
    steps_declared: int
    steps_median: float | None
    started: int
    completed: int
    rejected: int
    abandoned: int
    open: int
    conversion: float
    median_seconds: float | None
    p90_seconds: float | None
    funnel: list[StepFunnel]
    by_channel: list[SplitRow]
    by_qr_code: list[SplitRow]


class ReviewView(BaseModel):
    id: uuid.UUID
    instance_id: uuid.UUID
    journey: str
    title: str
    status: str
    reasons: list[str]
    customer_id: uuid.UUID | None
    customer_name: str | None
    product: str | None
    amount: str | None
    currency: str | None
    created_at: datetime
    decided_at: datetime | None
    note: str | None
    summary: list[LineView] = Field(default_factory=list)


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)
