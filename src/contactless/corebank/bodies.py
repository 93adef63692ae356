"""What the core-banking API takes: the request bodies of /api/v1/corebank, with the rules
the code enforces stated in their schema (amounts from the currency table, patterns, bounds)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RepaymentMethod,
    Term,
)
from contactless.platform.money import Money, amount_schema

# a positive decimal, as the units of a redemption and a loan's rate are given
DECIMAL = r"^([1-9][0-9]{0,11}(\.[0-9]{1,8})?|0\.[0-9]{0,7}[1-9])$"


class Amount(BaseModel):
    """Money in: the amount as a string (never a float) and its currency."""

    # the currencies and their decimals, from the one table (platform.money)
    model_config = ConfigDict(json_schema_extra=amount_schema())

    amount: str = Field(examples=["1000.00"], max_length=24)
    currency: str = Field(default="CNY", min_length=3, max_length=3)

    def money(self) -> Money:
        return Money.of(self.amount, self.currency)


class AccountOpen(BaseModel):
    customer_id: uuid.UUID
    account_class: int = 1
    currency: str = "CNY"
    bound_account_id: uuid.UUID | None = None
    bound_external_account: str | None = Field(default=None, max_length=34)


class TransferIn(BaseModel):
    source_account_id: uuid.UUID
    target_account_id: uuid.UUID
    amount: Amount
    memo: str = Field(default="", max_length=140)


class OutboundIn(BaseModel):
    source_account_id: uuid.UUID
    bank_code: str = Field(min_length=3, max_length=12)
    external_account: str = Field(min_length=6, max_length=34)
    amount: Amount
    memo: str = Field(default="", max_length=140)


class DepositIn(BaseModel):
    source_account_id: uuid.UUID
    product: DepositProduct
    term: Term
    amount: Amount
    instruction: MaturityInstruction = MaturityInstruction.PAYOUT


class InstructionIn(BaseModel):
    instruction: MaturityInstruction
    # renew into another term than the deposit's own (ignored for a payout)
    renewal_term: Term | None = None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=200)


class WealthBuyIn(BaseModel):
    source_account_id: uuid.UUID
    product_id: uuid.UUID
    amount: Amount


class WealthRedeemIn(BaseModel):
    holding_id: uuid.UUID
    units: str = Field(max_length=24, json_schema_extra={"pattern": DECIMAL})


class LoanIn(BaseModel):
    customer_id: uuid.UUID
    demand_account_id: uuid.UUID
    principal: Amount
    # a fraction from 0 up to (not including) 1: 0.0435 is 4.35%
    annual_rate: str = Field(examples=["0.0435"], max_length=12,
                             json_schema_extra={"pattern": r"^0(\.[0-9]{1,10})?$"})
    term_months: int = Field(ge=1, le=360)
    method: str = Field(default=RepaymentMethod.EQUAL_INSTALMENT.value, json_schema_extra={
        "enum": [method.value for method in RepaymentMethod]})


class PrepayIn(BaseModel):
    amount: Amount


class PartialWithdrawalIn(BaseModel):
    amount: Amount


class CloseAccountIn(BaseModel):
    # where the balance and the interest go (another of the customer's demand accounts)
    transfer_to_account_id: uuid.UUID | None = None


class DeferIn(BaseModel):
    months: int = Field(ge=1, le=12)
