"""f. Change the registered mobile number (变更预留手机号): e-KYC (name and ID number against
the bank's records, and a face check), then a one-time code to the old number and one to the
new number, then the change. The old number is told it was replaced."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contactless.customers import service as customers
from contactless.journeys.builtin.common import selfie_step
from contactless.journeys.declaration import (
    ActionContext,
    Deal,
    Done,
    Journey,
    Line,
    Step,
    StepContext,
    StepKind,
    _,
)
from contactless.journeys.ekyc import check_person
from contactless.journeys.errors import MobileTaken
from contactless.journeys.forms import IdNumber, MobileNumber, PersonName
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_mobile


class IdentityForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: PersonName = Field(title=_("Full name as on your ID card"), max_length=40)
    id_number: IdNumber = Field(title=_("Resident ID number"), max_length=18,
                                json_schema_extra={"widget": "text"})
    new_mobile: MobileNumber = Field(title=_("New mobile number"), max_length=14,
                                     json_schema_extra={"widget": "tel"})


def _identity(ctx: StepContext, form: IdentityForm) -> None:
    me = ctx.customer()
    mismatch = (("does_not_match_customer_records",)
                if me.name != form.name or me.id_number != form.id_number else ())
    check_person(ctx.session, ctx.actor, ctx.verifier, name=form.name,
                 id_number=form.id_number, mobile=me.mobile, customer_id=me.id,
                 known_mismatch=mismatch)
    if form.new_mobile == me.mobile:
        raise MobileTaken("this is already your registered mobile number")
    if customers.find_by_mobile(ctx.session, mobile=form.new_mobile) is not None:
        raise MobileTaken("this mobile number is registered to another customer")
    ctx.facts["old_mobile"] = me.mobile


def _old(ctx: StepContext) -> str:
    return str(ctx.facts.get("old_mobile") or ctx.customer().mobile)


def _new(ctx: StepContext) -> str:
    return str(ctx.answer("identity", "new_mobile"))


def _summary(ctx: StepContext) -> list[Line]:
    return [Line(_("Current mobile"), mask_mobile(_old(ctx))),
            Line(_("New mobile"), mask_mobile(_new(ctx)), emphasis=True)]


def _action(ctx: ActionContext) -> Done:
    if ctx.customer_id is None:
        raise RuntimeError("changing a mobile needs a customer")
    old, new = _old(ctx), _new(ctx)
    if customers.find_by_mobile(ctx.session, mobile=new) is not None:
        raise MobileTaken("this mobile number is registered to another customer")
    customers.change_mobile(ctx.session, ctx.customer_actor(), customer_id=ctx.customer_id,
                            mobile=new)
    kernel = kernel_of(ctx.session)
    kernel.channel.send(
        ctx.session, to_mobile=old, kind="journey.mobile_changed",
        body=(f"【{kernel.settings.bank_name}】您的预留手机号已变更为{mask_mobile(new)}。如非本人"
              f"操作，请立即致电本行。 Your registered mobile was changed to {mask_mobile(new)}. "
              "If this was not you, call us now."))
    return Done(product="change_mobile", references={"customer_id": str(ctx.customer_id)})


def _outcome(ctx: StepContext) -> list[Line]:
    return [Line(_("Registered mobile"), mask_mobile(_new(ctx)), emphasis=True),
            Line(_("Next time"), _("Sign in with your new mobile number."))]


JOURNEY = Journey(
    key="change_mobile",
    version=1,
    title=_("Change your mobile number"),
    summary=_("Replace the mobile number registered with the bank, verified by your face and "
              "codes to both numbers."),
    steps=(
        Step(key="identity", title=_("Your identity"), form=IdentityForm, accept=_identity,
             intro=_("Enter your name and ID number as on your ID card, and the new number.")),
        selfie_step(),
        Step(key="old_code", title=_("Code to your current number"), kind=StepKind.CODE,
             code_to=_old, intro=_("We sent a code to your current mobile number.")),
        Step(key="new_code", title=_("Code to your new number"), kind=StepKind.CODE,
             code_to=_new, intro=_("We sent a code to your new mobile number.")),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=lambda ctx: Deal(product="change_mobile"),
    action=_action,
    outcome=_outcome,
)
