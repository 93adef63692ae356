"""Parts the built-in journeys share: the identity form and its e-KYC check, the selfie
(face / liveness) step, the customer's demand accounts as choices."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.schemas import AccountView
from contactless.journeys.declaration import (
    Choice,
    Line,
    Step,
    StepContext,
    Upload,
    _,
    format_money,
)
from contactless.journeys.ekyc import check_person
from contactless.journeys.errors import IdentityNotVerified, NoAccount
from contactless.journeys.forms import IdNumber, MobileNumber, PersonName
from contactless.platform.security import mask_id_number

SELFIE = Upload(name="selfie", label=_("A photo of your face"), liveness=True,
                help=_("Face the camera in good light; JPEG, PNG or WebP, up to 5 MB."))


class IdentityForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: PersonName = Field(title=_("Full name as on your ID card"), max_length=40)
    id_number: IdNumber = Field(title=_("Resident ID number"), max_length=18,
                                json_schema_extra={"widget": "text"})
    mobile: MobileNumber = Field(title=_("Mobile number"), max_length=14,
                                 json_schema_extra={"widget": "tel"})


def prefill_mobile(ctx: StepContext) -> dict[str, str]:
    return {"mobile": ctx.mobile()}


def check_identity(ctx: StepContext, form: IdentityForm) -> None:
    """The mobile must be the one proven by code; for a customer, name and ID number must be
    theirs; the e-KYC verifier checks them against the bank's records."""
    if form.mobile != ctx.mobile():
        raise IdentityNotVerified("use the mobile number you proved with the one-time code")
    mismatch: tuple[str, ...] = ()
    if ctx.customer_id is not None:
        me = ctx.customer()
        if me.id_number != form.id_number or me.name != form.name:
            mismatch = ("does_not_match_customer_records",)
    check_person(ctx.session, ctx.actor, ctx.verifier, name=form.name,
                 id_number=form.id_number, mobile=form.mobile, known_mismatch=mismatch)
    ctx.facts["kyc"] = {"verifier": ctx.verifier.name, "passed": True,
                        "at": ctx.now.isoformat()}


def identity_lines(ctx: StepContext, step: str = "identity") -> list[Line]:
    return [Line(_("Name"), ctx.answer(step, "name", "")),
            Line(_("ID number"), mask_id_number(ctx.answer(step, "id_number", "") or "")),
            Line(_("Mobile number"), ctx.answer(step, "mobile", ""))]


def selfie_step(key: str = "selfie") -> Step:
    return Step(key=key, title=_("Face check"), uploads=(SELFIE,),
                intro=_("Take a photo of your face. We compare it with your ID to make sure it "
                        "is really you."))


def demand_accounts(ctx: StepContext) -> list[AccountView]:
    if ctx.customer_id is None:
        return []
    return [account for account in corebank.accounts_of_customer(
        ctx.session, ctx.customer_actor(), customer_id=ctx.customer_id)
        if account.kind == "demand" and account.status == "active"]


def account_label(account: AccountView) -> str:
    return f"{account.number[:4]} **** {account.number[-4:]}"


def account_choices(ctx: StepContext) -> list[Choice]:
    return [Choice(str(account.id), account_label(account),
                   _("Class {cls} account, balance {balance}",
                     cls="I" if account.account_class == 1 else "II",
                     balance=format_money(account.balance)))
            for account in demand_accounts(ctx)]


def require_account(ctx: StepContext) -> None:
    if not demand_accounts(ctx):
        raise NoAccount("you need a current account with us first: open one online")


def account_by_id(ctx: StepContext, account_id: str) -> AccountView:
    wanted = uuid.UUID(account_id)
    return next(account for account in demand_accounts(ctx) if account.id == wanted)
