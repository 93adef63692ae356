"""Outreach API models. Shares and amounts travel as decimal strings ("33.34"), never floats."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contactless.web.params import IsoDateTime


class CodeCreate(BaseModel):
    """The smallest code is ``{"purpose": "info", "channel": "chat"}``: the RM as sole owner,
    valid now for 30 days, no limits."""

    purpose: str = Field(min_length=2, max_length=64, examples=["info", "deposit_renewal"])
    channel: str = Field(min_length=2, max_length=64,
                         examples=["chat", "sms", "poster", "partner", "campaign:spring"])
    title: str | None = Field(default=None, max_length=128,
                              description="the owners' internal label, never shown to customers")
    headline: str | None = Field(default=None, max_length=128,
                                 description="what customers read on the poster and landing "
                                             "page (default: the journey's name)")
    params: dict[str, str] = Field(default_factory=dict,
                                   description="journey presets, e.g. product id; "
                                               "'message' for an info page")
    enterprise_id: uuid.UUID | None = None
    roster_restricted: bool = False
    not_before: datetime | None = None
    expires_at: datetime | None = None
    max_scans: int | None = Field(default=None, ge=1)
    per_customer_limit: int | None = Field(default=None, ge=1)
    bind_on_first_scan: bool = False


class Owner(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    staff_id: uuid.UUID
    name: str
    share: Decimal
    status: str
    is_creator: bool


class Code(BaseModel):
    id: uuid.UUID
    url: str
    short_code: str
    title: str
    headline: str | None
    purpose: str
    params: dict[str, Any]
    channel: str
    enterprise_id: uuid.UUID | None
    enterprise_name: str | None
    roster_restricted: bool
    parent_id: uuid.UUID | None
    not_before: datetime
    expires_at: datetime
    max_scans: int | None
    per_customer_limit: int | None
    bind_on_first_scan: bool
    status: str
    state: str = Field(description="active, paused, revoked, expired or scheduled")
    created_by: uuid.UUID
    created_at: datetime
    owners: list[Owner]
    image_png: str
    image_svg: str
    poster_pdf: str


class Extend(BaseModel):
    """Give the new expiry, or a number of days to add to the current one."""

    # one of the two, not null (the schema says so; the route refuses neither)
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["expires_at"], "properties": {"expires_at": {"type": "string"}}},
        {"required": ["days"], "properties": {"days": {"type": "integer"}}}]})

    expires_at: IsoDateTime | None = None
    days: int | None = Field(default=None, ge=1, le=731)


class Invite(BaseModel):
    """The RM to invite: their staff id or their username."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["staff_id"], "properties": {"staff_id": {"type": "string"}}},
        {"required": ["username"], "properties": {"username": {"type": "string",
                                                               "minLength": 1}}}]})

    staff_id: uuid.UUID | None = None
    username: str | None = None


class InvitationAnswer(BaseModel):
    accept: bool


class ShareItem(BaseModel):
    staff_id: uuid.UUID
    share: str | int = Field(description="percent as a decimal string, e.g. \"33.34\"")


class Shares(BaseModel):
    shares: list[ShareItem]


class Invitation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code_id: uuid.UUID
    title: str
    invited_by: str
    purpose: str
    channel: str


class RowError(BaseModel):
    row: int
    message: str


class RosterReport(BaseModel):
    added: int
    total: int
    errors: list[RowError]


class RosterMember(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    mobile: str
    completed: bool


class ProgressLink(BaseModel):
    url: str
    valid_days: int


class FunnelStep(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    label: str
    count: int
    drop_off: Decimal | None = Field(description="percent of the previous step lost here")


class DailyScans(BaseModel):
    date: date
    scans: int


class Tally(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    conversions: Decimal = Field(description="conversions (by share for an RM)")
    amount: Decimal = Field(description="realised: money the books moved or kept; pending: "
                                        "what it would bring; lost: what left (CNY)")


class Outcomes(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pending: Tally
    realised: Tally
    lost: Tally


class Funnel(BaseModel):
    code_id: uuid.UUID
    steps: list[FunnelStep]
    rejected: dict[str, int]
    pending: int
    outcomes: Outcomes
    daily: list[DailyScans]


class ScanRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scanned_at: datetime
    result: str
    reason: str | None
    customer: str | None
    ip_prefix: str
    device: str


class Credit(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    completed_at: datetime
    touched_at: datetime
    settled_at: datetime | None
    status: str = Field(description="pending, realised or lost")
    kind: str
    journeys: int = Field(description="journeys that made or changed this conversion")
    code_id: uuid.UUID
    code_title: str
    channel: str
    product: str
    customer: str | None
    amount: Decimal = Field(description="what the books moved or kept (0 until realised)")
    expected: Decimal
    currency: str
    share: Decimal
    credited: Decimal
    credited_expected: Decimal
    window_days: int


class Conversions(BaseModel):
    rule: str
    window_days: int
    outcomes: Outcomes
    items: list[Credit]


class RmRank(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    staff_id: uuid.UUID
    name: str
    branch_code: str
    branch_name: str
    position: int
    codes: int
    scans: int
    sign_ins: int
    outcomes: Outcomes


class BranchRank(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    branch_code: str
    branch_name: str
    rms: int
    outcomes: Outcomes


class ChannelRank(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    codes: int
    scans: int
    sign_ins: int
    outcomes: Outcomes


class CodeRank(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code_id: uuid.UUID
    title: str
    channel: str
    owner: str
    outcomes: Outcomes


class Policy(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attribution_window_days: int = Field(ge=1, le=365)


class SigningKey(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kid: str
    current: bool
    created_at: datetime
    retired_at: datetime | None
