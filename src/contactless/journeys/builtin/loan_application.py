"""d. Apply for a consumer or small-business loan, or ask to defer repayments (延期还款) when
the epidemic has hit the customer's income.

Form, a document upload, the consents, then a pre-check of the bank's credit rules alongside
the risk port: approved loans are booked and disbursed to the customer's account through the
core-banking port (a loan account with its repayment schedule); larger or stretched ones are
referred to staff, who approve or reject them in the console.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contactless.corebank import service as corebank
from contactless.corebank.constants import MAX_DEFERRAL_MONTHS, RepaymentMethod
from contactless.corebank.schemas import LoanView
from contactless.journeys.builtin.arithmetic import monthly_payment
from contactless.journeys.builtin.common import (
    account_by_id,
    account_choices,
    account_label,
    require_account,
)
from contactless.journeys.declaration import (
    ActionContext,
    BusinessKind,
    BusinessOutcome,
    Choice,
    ConsentDocument,
    Deal,
    Done,
    Journey,
    Line,
    Step,
    StepContext,
    StepKind,
    Upload,
    _,
    fixed_text,
)
from contactless.journeys.errors import LoanHeld, NoLoanToDefer, StepInvalid
from contactless.journeys.forms import Amount
from contactless.platform.context import Actor
from contactless.platform.money import Money
from contactless.risk.port import Decision, Outcome

KINDS = {"consumer": _("Consumer loan"), "business": _("Small-business loan"),
         "deferral": _("Defer repayments (epidemic relief)")}
RATES = {"consumer": Decimal("0.0435"), "business": Decimal("0.0385")}
LIMITS = {"consumer": (Decimal("1000"), Decimal("300000")),
          "business": (Decimal("10000"), Decimal("1000000"))}
# loans up to this amount, with repayments up to half the income, are decided at once
AUTO_APPROVE_LIMIT = Decimal("200000")
AUTO_DTI, MAX_DTI = Decimal("0.5"), Decimal("0.7")
AUTO_DEFERRAL_MONTHS = 3
EPIDEMIC_FROM = date(2019, 12, 1)
PURPOSES = {"renovation": _("Home renovation"), "education": _("Education"),
            "travel": _("Travel"), "car": _("Buying a car"),
            "working_capital": _("Working capital"), "equipment": _("Equipment"),
            "other": _("Other")}
METHODS = {"equal_instalment": _("Equal instalments (等额本息)"),
           "equal_principal": _("Equal principal (等额本金)")}
CAUSES = {"infected": _("I was infected"), "quarantined": _("I was quarantined"),
          "business_suspended": _("My business had to close"),
          "income_lost": _("I lost income because of the epidemic")}


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["consumer", "business", "deferral"] | None = None


class KindForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["consumer", "business", "deferral"] = Field(
        title=_("What would you like to do?"),
        json_schema_extra={"widget": "radio", "labels": dict(KINDS)})


class LoanForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: Amount = Field(title=_("Amount (CNY)"), json_schema_extra={"widget": "amount"})
    term_months: Literal["6", "12", "24", "36"] = Field(
        title=_("Term (months)"), json_schema_extra={"widget": "radio",
                                                     "labels": {"6": "6", "12": "12",
                                                                "24": "24", "36": "36"}})
    method: Literal["equal_instalment", "equal_principal"] = Field(
        title=_("Repayment"), json_schema_extra={"widget": "radio", "labels": dict(METHODS)})
    purpose: Literal["renovation", "education", "travel", "car", "working_capital",
                     "equipment", "other"] = Field(
        title=_("Purpose"), json_schema_extra={"widget": "select", "labels": dict(PURPOSES)})
    monthly_income: Amount = Field(title=_("Monthly income after tax (CNY)"),
                                   json_schema_extra={"widget": "amount"})
    account_id: str = Field(title=_("Pay the loan into"), max_length=40,
                            json_schema_extra={"widget": "select"})


class DeferralForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    loan_id: str = Field(title=_("Loan"), max_length=40, json_schema_extra={"widget": "radio"})
    months: int = Field(title=_("Defer by (months)"), ge=1, le=6,
                        json_schema_extra={"widget": "number"})
    cause: Literal["infected", "quarantined", "business_suspended", "income_lost"] = Field(
        title=_("How the epidemic affected you"),
        json_schema_extra={"widget": "radio", "labels": dict(CAUSES)})
    affected_since: date = Field(title=_("Affected since"), json_schema_extra={"widget": "date"})
    explanation: str = Field(default="", title=_("Anything we should know (optional)"),
                             max_length=500, json_schema_extra={"widget": "textarea"})

    @model_validator(mode="after")
    def _no_markup(self) -> DeferralForm:
        if "<" in self.explanation or ">" in self.explanation:
            raise ValueError("remove the characters < and >")
        return self


def _kind(ctx: StepContext) -> str:
    return str(ctx.answer("kind", "kind") or ctx.params.get("kind") or "")


def _is_loan(ctx: StepContext) -> bool:
    return _kind(ctx) in ("consumer", "business", "")


def _is_deferral(ctx: StepContext) -> bool:
    return _kind(ctx) == "deferral"


def _prefill_kind(ctx: StepContext) -> dict[str, str]:
    return {"kind": ctx.params["kind"]} if ctx.params.get("kind") else {}


def _choose_kind(ctx: StepContext, form: KindForm) -> None:
    if form.kind == "deferral" and not _active_loans(ctx):
        raise NoLoanToDefer("you have no loan that can be deferred")


def _active_loans(ctx: StepContext) -> list[LoanView]:
    if ctx.customer_id is None:
        return []
    return [loan for loan in corebank.loans_of_customer(ctx.session, ctx.customer_actor(),
                                                        customer_id=ctx.customer_id)
            if loan.status == "active"]


def _loan_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    return {"account_id": account_choices(ctx)}


def _check_loan(ctx: StepContext, form: LoanForm) -> None:
    kind = _kind(ctx)
    low, high = LIMITS[kind]
    if not low <= form.amount <= high:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "amount", "message": _("the amount must be between {low} and {high}",
                                            low=f"{low:,.0f}", high=f"{high:,.0f}")}])
    rate = RATES[kind]
    payment = monthly_payment(form.amount, rate, int(form.term_months), form.method)
    account = account_by_id(ctx, form.account_id)
    ctx.facts["loan"] = {"rate": str(rate), "payment": str(payment),
                         "dti": str((payment / form.monthly_income).quantize(Decimal("0.0001"))),
                         "account": account_label(account)}


def _deferral_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    loans = [Choice(str(loan.id), _("Loan of {principal}", principal=loan.principal),
                    _("Outstanding {outstanding}; {months} months deferred so far",
                      outstanding=loan.outstanding, months=loan.deferred_months))
             for loan in _active_loans(ctx)]
    return {"loan_id": loans}


def _check_deferral(ctx: StepContext, form: DeferralForm) -> None:
    if not EPIDEMIC_FROM <= form.affected_since <= ctx.today:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "affected_since",
            "message": _("the date must be between {start} and today", start=EPIDEMIC_FROM)}])
    loan = next(loan for loan in _active_loans(ctx) if str(loan.id) == form.loan_id)
    ctx.facts["deferral"] = {"deferred_before": loan.deferred_months,
                             "outstanding": str(loan.outstanding.amount),
                             "currency": loan.outstanding.currency}


PROOF = Upload(name="proof", label=_("Proof (photo or PDF)"), kinds=frozenset({"image", "pdf"}),
               help=_("Income proof for a loan; for a deferral, proof of how the epidemic "
                      "affected you. Up to 5 MB."))

CREDIT_CONSENT = ConsentDocument(
    key="credit_report_authorisation", version="2026.1",
    title=_("Authorisation to query your credit report"),
    text=fixed_text({
        "zh-CN": ("征信查询授权书（2026.1 版）\n本人授权本行在贷款审批及贷后管理期间，"
                  "向中国人民银行征信中心查询、报送本人的信用信息。授权期限自签署之日起至贷款结清之日止。"),
        "en": ("Authorisation to query your credit report (version 2026.1)\nI allow the bank "
               "to query and report my credit information at the Credit Reference Center of "
               "the People's Bank of China while it decides on and manages the loan, from "
               "today until the loan is repaid."),
    }))
LOAN_CONTRACT = ConsentDocument(
    key="loan_contract", version="2026.1", title=_("Loan contract"),
    text=fixed_text({
        "zh-CN": ("个人借款合同（2026.1 版）\n贷款经审批后发放至您指定的本人账户。您应按还款计划"
                  "按月还款，本行从放款账户自动扣款。逾期将按合同计收罚息并报送征信。您可随时"
                  "提前还款，提前还款部分按实际天数计息。"),
        "en": ("Loan contract (version 2026.1)\nOnce approved, the loan is paid into the "
               "account in your name that you chose. You repay monthly by the schedule; the "
               "bank collects each instalment from that account. Late payment incurs penalty "
               "interest as the contract states and is reported to the credit bureau. You may "
               "repay early at any time; interest on the amount repaid early runs to the day."),
    }))
DEFERRAL_AGREEMENT = ConsentDocument(
    key="deferral_agreement", version="2026.1", title=_("Repayment deferral agreement"),
    text=fixed_text({
        "zh-CN": ("延期还款协议（2026.1 版）\n经批准后，未还各期还款日顺延所申请的月数；延期期间"
                  "利息照常计算，并计入延期后的首期还款。延期不影响您的征信记录。每笔贷款累计"
                  "延期不超过12个月。"),
        "en": ("Repayment deferral agreement (version 2026.1)\nOnce approved, every unpaid "
               "instalment moves later by the months asked for. Interest keeps accruing and is "
               "added to the first instalment after the deferral. A deferral does not harm "
               "your credit record. A loan may be deferred by 12 months at most in all."),
    }))


def _consents(ctx: StepContext) -> list[ConsentDocument]:
    return [DEFERRAL_AGREEMENT] if _is_deferral(ctx) else [CREDIT_CONSENT, LOAN_CONTRACT]


def _money(amount: str | Decimal, currency: str = "CNY") -> Money:
    return Money.of(Decimal(amount), currency)


def _summary(ctx: StepContext) -> list[Line]:
    if _is_deferral(ctx):
        deferral = ctx.facts.get("deferral", {})
        return [Line(_("Request"), KINDS["deferral"], emphasis=True),
                Line(_("Outstanding"), _money(deferral.get("outstanding", "0"),
                                              deferral.get("currency", "CNY"))),
                Line(_("Defer by (months)"), ctx.answer("deferral", "months")),
                Line(_("Reason"), CAUSES.get(ctx.answer("deferral", "cause", ""), ""))]
    loan = ctx.facts.get("loan", {})
    return [Line(_("Loan"), KINDS.get(_kind(ctx), ""), emphasis=True),
            Line(_("Amount"), _money(ctx.answer("loan", "amount", "0")), emphasis=True),
            Line(_("Term (months)"), ctx.answer("loan", "term_months")),
            Line(_("Repayment"), METHODS.get(ctx.answer("loan", "method", ""), "")),
            Line(_("Annual rate"), f"{Decimal(loan.get('rate', '0')) * 100:.2f}%"),
            Line(_("First monthly payment"), _money(loan.get("payment", "0")), emphasis=True),
            Line(_("Pay the loan into"), loan.get("account", ""))]


def _precheck(ctx: StepContext) -> Decision:
    """The bank's credit rules: small loans with repayments up to half the income are decided
    at once, up to 70% or above 200,000 go to an underwriter, beyond that they are declined;
    deferrals of up to 3 months are granted at once, longer ones are reviewed."""
    if _is_deferral(ctx):
        months = int(ctx.answer("deferral", "months"))
        before = int(ctx.facts.get("deferral", {}).get("deferred_before", 0))
        if before + months > MAX_DEFERRAL_MONTHS:
            return Decision(Outcome.BLOCK, ("deferral_limit_reached",))
        if months > AUTO_DEFERRAL_MONTHS:
            return Decision(Outcome.REVIEW, ("deferral_longer_than_3_months",))
        return Decision(Outcome.APPROVE, ("deferral_within_policy",))
    dti = Decimal(ctx.facts["loan"]["dti"])
    amount = Decimal(ctx.answer("loan", "amount"))
    if dti > MAX_DTI:
        return Decision(Outcome.BLOCK, ("debt_to_income_too_high",))
    if dti > AUTO_DTI or amount > AUTO_APPROVE_LIMIT:
        return Decision(Outcome.REVIEW, ("referred_to_underwriter",))
    return Decision(Outcome.APPROVE, ("within_credit_policy",))


def _deal(ctx: StepContext) -> Deal:
    if _is_deferral(ctx):
        return Deal(product="loan:deferral",
                    attributes={"months": ctx.answer("deferral", "months"),
                                "cause": ctx.answer("deferral", "cause")})
    return Deal(product=f"loan:{_kind(ctx)}", amount=_money(ctx.answer("loan", "amount")),
                attributes={"term_months": ctx.answer("loan", "term_months"),
                            "dti": ctx.facts["loan"]["dti"]})


def _engine(channel: str) -> Actor:
    """The journey engine booking the customer's own application (the system, not a
    person: the person who decides is the one who pays it out)."""
    return Actor(kind="system", id="journey-engine", channel=channel, display="journey engine")


def _action(ctx: ActionContext) -> Done:
    """Booking and disbursing are the bank's acts: the engine's actor when the rules approved
    at once, the reviewing staff member otherwise."""
    if _is_deferral(ctx):
        loan_id = uuid.UUID(ctx.answer("deferral", "loan_id"))
        deferred = corebank.defer_loan(ctx.session, ctx.bank_actor,
                                       idempotency_key=ctx.key("defer_loan"), loan_id=loan_id,
                                       months=int(ctx.answer("deferral", "months")))
        next_due = next((i.due_date for i in deferred.schedule if i.status == "due"), None)
        ctx.facts["result"] = {"loan_id": str(deferred.id),
                               "next_due": next_due.isoformat() if next_due else ""}
        return Done(product="loan:deferral", references={"loan_id": str(deferred.id)})
    kind = _kind(ctx)
    principal = _money(ctx.answer("loan", "amount"))
    account_id = uuid.UUID(ctx.answer("loan", "account_id"))
    if ctx.customer_id is None:
        raise RuntimeError("a loan needs a customer")
    # four eyes: the customer's application, booked by the engine, is paid out by the bank's
    # decision (the engine when the rules approved at once, else the reviewing staff member)
    booked = corebank.book_loan(
        ctx.session, _engine(ctx.channel), idempotency_key=ctx.key("book_loan"),
        customer_id=ctx.customer_id, demand_account_id=account_id, principal=principal,
        annual_rate=RATES[kind], term_months=int(ctx.answer("loan", "term_months")),
        method=RepaymentMethod(ctx.answer("loan", "method")))
    if not isinstance(booked, LoanView):
        raise LoanHeld("the loan waits for a second person's approval")
    disbursed = corebank.disburse_loan(ctx.session, ctx.bank_actor,
                                       idempotency_key=ctx.key("disburse_loan"),
                                       loan_id=booked.id)
    if not isinstance(disbursed, LoanView):
        raise LoanHeld("the loan waits for a second person's approval")
    first = disbursed.schedule[0] if disbursed.schedule else None
    ctx.facts["result"] = {"loan_id": str(disbursed.id),
                           "loan_account_id": str(disbursed.account_id),
                           "first_due": first.due_date.isoformat() if first else "",
                           "first_total": str(first.total.amount) if first else "0"}
    return Done(product=f"loan:{kind}", amount=principal,
                references={"loan_id": str(disbursed.id),
                            "loan_account_id": str(disbursed.account_id)},
                business=BusinessOutcome(BusinessKind.LOAN_DISBURSED, disbursed.id))


def _outcome(ctx: StepContext) -> list[Line]:
    result = ctx.facts.get("result", {})
    if _is_deferral(ctx):
        return [Line(_("Deferral granted"), _("{months} months", months=ctx.answer(
                    "deferral", "months")), emphasis=True),
                Line(_("Next repayment due"), result.get("next_due", ""))]
    return [Line(_("Paid into your account"), _money(ctx.answer("loan", "amount")),
                 emphasis=True),
            Line(_("First repayment"), _("{amount} on {date}",
                                         amount=_money(result.get("first_total", "0")),
                                         date=result.get("first_due", "")))]


JOURNEY = Journey(
    key="loan_application",
    version=1,
    title=_("Apply for a loan"),
    summary=_("Apply for a consumer or small-business loan, or ask to defer repayments if "
              "the epidemic hit your income."),
    params=Params,
    guards=(require_account,),
    steps=(
        Step(key="kind", title=_("Loan or deferral"), form=KindForm, prefill=_prefill_kind,
             accept=_choose_kind),
        Step(key="loan", title=_("Loan details"), form=LoanForm, when=_is_loan,
             choices=_loan_choices, accept=_check_loan),
        Step(key="deferral", title=_("Deferral request"), form=DeferralForm,
             when=_is_deferral, choices=_deferral_choices, accept=_check_deferral),
        Step(key="documents", title=_("Documents"), uploads=(PROOF,)),
        Step(key="consent", title=_("Agreements"), kind=StepKind.CONSENT, consents=_consents),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
    precheck=_precheck,
)
