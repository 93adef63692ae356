"""a. Open a Class II account online (线上开立二类户) with e-KYC, bound to a card of another bank.

A person who is not yet a customer proves their mobile by one-time code and starts as a
prospect; the customer and the account are created at the end, under the QR code's first
owner as primary RM (else the bank's default RM).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.constants import CLASS2_DAILY_INFLOW_LIMIT
from contactless.journeys.builtin.common import (
    IdentityForm,
    check_identity,
    identity_lines,
    prefill_mobile,
    selfie_step,
)
from contactless.journeys.declaration import (
    ActionContext,
    BusinessKind,
    BusinessOutcome,
    ConsentDocument,
    Deal,
    Done,
    Journey,
    Line,
    Step,
    StepContext,
    StepKind,
    _,
    fixed_text,
)
from contactless.journeys.errors import AlreadyCustomer
from contactless.journeys.forms import CardNumber

BANKS = {
    "ICBC": _("Industrial and Commercial Bank of China"),
    "CCB": _("China Construction Bank"),
    "BOC": _("Bank of China"),
    "ABC": _("Agricultural Bank of China"),
    "BOCOM": _("Bank of Communications"),
    "CMB": _("China Merchants Bank"),
    "PSBC": _("Postal Savings Bank of China"),
    "CIB": _("Industrial Bank"),
}
BankCode = Literal["ICBC", "CCB", "BOC", "ABC", "BOCOM", "CMB", "PSBC", "CIB"]


class CardForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bank: BankCode = Field(title=_("Bank of your card"),
                           json_schema_extra={"widget": "select", "labels": dict(BANKS)})
    card_number: CardNumber = Field(title=_("Debit card number"), max_length=23,
                                    json_schema_extra={"widget": "text"})


def mask_card(number: str) -> str:
    return f"{number[:4]} **** **** {number[-4:]}" if len(number) >= 8 else "****"


def _identity(ctx: StepContext, form: IdentityForm) -> None:
    check_identity(ctx, form)
    if ctx.is_prospect:
        from contactless.customers import service as customers

        if customers.find_by_id_number(ctx.session, id_number=form.id_number) is not None:
            raise AlreadyCustomer("you are already our customer: sign in with your registered "
                                  "mobile number")


AGREEMENT = ConsentDocument(
    key="class2_agreement", version="2026.1", title=_("Class II account agreement"),
    text=fixed_text({
        "zh-CN": (
            "二类账户服务协议（2026.1 版）\n"
            "一、本账户为个人银行结算二类账户，须绑定本人同名一类账户或他行借记卡。\n"
            "二、与绑定账户之间的资金往来不受限额限制；与非绑定账户之间，日累计转入、转出"
            "各不超过人民币1万元，年累计各不超过人民币20万元。\n"
            "三、本账户不得出租、出借、出售，不得用于违法犯罪活动；银行发现异常可依法采取"
            "限制措施。\n"
            "四、您可随时通过手机银行申请销户。"),
        "en": (
            "Class II account agreement (version 2026.1)\n"
            "1. This is a Class II personal settlement account. It must be bound to a Class I "
            "account in your name or to your debit card at another bank.\n"
            "2. Money to and from the bound account is not limited. With any other account, "
            "inflows and outflows are each limited to CNY 10,000 a day and CNY 200,000 a "
            "year.\n"
            "3. The account may not be rented, lent or sold, nor used for any crime; the bank "
            "may restrict it as the law allows when it sees unusual activity.\n"
            "4. You may close the account at any time in mobile banking."),
    }),
)
PRIVACY = ConsentDocument(
    key="personal_information", version="2026.1",
    title=_("Consent to process personal information"),
    text=fixed_text({
        "zh-CN": (
            "个人信息处理授权书（2026.1 版）\n"
            "为开立账户并履行反洗钱义务，您同意本行收集并处理您的姓名、身份证号码、手机号码、"
            "人脸图像及绑定银行卡信息，用于身份核验、账户管理与风险防控。人脸图像仅用于本次"
            "身份核验并加密保存。您可依法查询、更正、删除您的个人信息或撤回授权。"),
        "en": (
            "Consent to process personal information (version 2026.1)\n"
            "To open the account and meet anti-money-laundering duties, you allow the bank to "
            "collect and process your name, ID number, mobile number, face image and bound card "
            "details for identity verification, account management and risk control. The face "
            "image is used only for this verification and is kept encrypted. You may access, "
            "correct or delete your personal information, or withdraw this consent, as the law "
            "provides."),
    }),
)


def _summary(ctx: StepContext) -> list[Line]:
    bank = ctx.answer("card", "bank", "")
    return [*identity_lines(ctx),
            Line(_("Account"), _("Class II account (CNY)")),
            Line(_("Bound card"), _("{bank} {card}", bank=BANKS.get(bank, bank),
                                    card=mask_card(ctx.answer("card", "card_number", "")))),
            Line(_("Daily limit with other accounts"),
                 _("CNY {amount} in, CNY {amount} out",
                   amount=f"{CLASS2_DAILY_INFLOW_LIMIT:,.0f}"))]


def _action(ctx: ActionContext) -> Done:
    customer_id = ctx.ensure_customer(name=ctx.answer("identity", "name"),
                                      mobile=ctx.answer("identity", "mobile"),
                                      id_number=ctx.answer("identity", "id_number"))
    bank = ctx.answer("card", "bank")
    card = ctx.answer("card", "card_number")
    account = corebank.open_account(
        ctx.session, ctx.customer_actor(), idempotency_key=ctx.key("open_account"),
        customer_id=customer_id, account_class=2, bound_external_account=f"{bank}:{card}")
    ctx.facts["account"] = {"id": str(account.id), "number": account.number}
    return Done(product="class2_account",
                references={"account_id": str(account.id), "account_number": account.number},
                business=BusinessOutcome(BusinessKind.ACCOUNT_OPENED, account.id))


def _outcome(ctx: StepContext) -> list[Line]:
    account = ctx.facts.get("account", {})
    bank = ctx.answer("card", "bank", "")
    return [Line(_("Your new account"), account.get("number", ""), emphasis=True),
            Line(_("Account"), _("Class II account (CNY)")),
            Line(_("Bound card"), _("{bank} {card}", bank=BANKS.get(bank, bank),
                                    card=mask_card(ctx.answer("card", "card_number", ""))))]


JOURNEY = Journey(
    key="open_account_class2",
    version=1,
    title=_("Open a Class II account"),
    summary=_("Open an electronic account in minutes with your ID card and a card of "
              "another bank."),
    prospects=True,
    steps=(
        Step(key="identity", title=_("Your identity"), form=IdentityForm,
             intro=_("Enter your details exactly as on your resident ID card."),
             prefill=prefill_mobile, accept=_identity),
        selfie_step(),
        Step(key="card", title=_("Bind your card"), form=CardForm,
             intro=_("Bind a debit card in your own name at another bank; money moves freely "
                     "between it and your new account.")),
        Step(key="consent", title=_("Agreements"), kind=StepKind.CONSENT,
             consents=lambda ctx: [AGREEMENT, PRIVACY]),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=lambda ctx: Deal(product="class2_account",
                          attributes={"bound_bank": ctx.answer("card", "bank")}),
    action=_action,
    outcome=_outcome,
)
