"""Customer API models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contactless.identity.service import MOBILE_PATTERN

MOBILE = MOBILE_PATTERN.pattern  # what check_mobile accepts, stated in the schema


class OtpRequest(BaseModel):
    mobile: str = Field(min_length=11, max_length=16, json_schema_extra={"pattern": MOBILE})


class OtpSent(BaseModel):
    sent: bool = True
    resend_after: int


class OtpVerify(BaseModel):
    mobile: str = Field(min_length=11, max_length=16, json_schema_extra={"pattern": MOBILE})
    code: str = Field(pattern=r"^\d{6}$")
    anonymous_id: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="the id the app sent its events under before sign-in (its install id): "
                    "those events become the customer's")


class CustomerToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    customer_id: uuid.UUID


class CustomerCreate(BaseModel):
    name: str
    mobile: str
    id_number: str
    primary_rm_id: uuid.UUID


class Customer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    mobile: str
    id_number: str
    primary_rm_id: uuid.UUID
    branch_id: uuid.UUID
    status: str
    created_at: datetime


class CustomerPage(BaseModel):
    items: list[Customer]
    total: int
