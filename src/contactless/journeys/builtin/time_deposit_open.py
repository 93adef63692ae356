"""d. Place a new time deposit or buy a large CD (存入定期 / 购买大额存单) from a demand account.

The customer picks the product, then the term from the rate table in force today, the amount
(at least the product's minimum, at most the account's balance) and what happens at maturity;
reads the deposit agreement and the deposit-insurance notice, confirms, and the core places
the deposit (the risk port is asked first, like every money-moving journey). New money in a
deposit is the conversion deposit-retention marketing sells: the outcome is ``deposit_placed``.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DEPOSIT_MINIMUMS,
    DepositProduct,
    MaturityInstruction,
    RateProduct,
    Term,
)
from contactless.journeys.builtin.arithmetic import TERM_MONTHS, add_months, deposit_interest
from contactless.journeys.builtin.common import (
    account_by_id,
    account_choices,
    account_label,
    require_account,
)
from contactless.journeys.builtin.deposit_renewal import OPTIONS, PRODUCTS, TERMS, percent
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
    _,
    fixed_text,
)
from contactless.journeys.errors import StepInvalid
from contactless.journeys.forms import Amount
from contactless.platform.money import Money

CURRENCY = "CNY"
TermCode = Literal["3m", "6m", "1y", "2y", "3y", "5y"]
# a code's product parameter: "cd", "time", or a catalogue code such as "CD-3Y" / "TD-1Y"
PRESET = re.compile(r"^(?P<product>cd|td|time)(?:[-:_]?(?P<term>3m|6m|1y|2y|3y|5y))?$",
                    re.IGNORECASE)


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product: str | None = Field(default=None, max_length=32)
    term: TermCode | None = None


class ProductForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    product: Literal["time", "cd"] = Field(title=_("Product"),
                                           json_schema_extra={"widget": "radio"})


class AmountForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    term: TermCode = Field(title=_("Term"), json_schema_extra={"widget": "radio"})
    amount: Amount = Field(title=_("Amount (CNY)"), json_schema_extra={"widget": "amount"})
    account_id: str = Field(title=_("Pay from"), max_length=40,
                            json_schema_extra={"widget": "select"})
    instruction: Literal["renew_all", "renew_principal", "payout"] = Field(
        title=_("At maturity"), json_schema_extra={"widget": "radio"})


def preset(params: dict[str, str]) -> tuple[str | None, str | None]:
    """(product, term) a code asks for, if its parameters name them."""
    match = PRESET.fullmatch((params.get("product") or "").strip())
    product = term = None
    if match:
        product = "cd" if match["product"].lower() == "cd" else "time"
        term = match["term"].lower() if match["term"] else None
    return product, params.get("term") or term


def _rate(ctx: StepContext, product: str, term: str) -> Decimal:
    return corebank.current_rate(ctx.session, product=RateProduct(product), term=term,
                                 currency=CURRENCY, on=ctx.today)


def minimum(product: str) -> Money:
    return Money.of(DEPOSIT_MINIMUMS[DepositProduct(product)], CURRENCY)


def _product_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    options = []
    for product, label in PRODUCTS.items():
        rates = [_rate(ctx, product, term) for term in TERMS]
        options.append(Choice(product, label, _(
            "{low} to {high} a year, from {minimum}", low=percent(min(rates)),
            high=percent(max(rates)), minimum=minimum(product))))
    return {"product": options}


def _prefill_product(ctx: StepContext) -> dict[str, str]:
    product, _term = preset(ctx.params)
    return {"product": product} if product else {}


def _take_product(ctx: StepContext, form: ProductForm) -> None:
    ctx.facts["product"] = form.product


def _product(ctx: StepContext) -> str:
    return str(ctx.facts.get("product") or ctx.answer("product", "product", "time"))


def _amount_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    product = _product(ctx)
    terms = [Choice(term, label, _("rate {rate} a year", rate=percent(_rate(ctx, product, term))))
             for term, label in TERMS.items()]
    return {"term": terms, "account_id": account_choices(ctx),
            "instruction": [Choice(key, label) for key, label in OPTIONS.items()]}


def _prefill_amount(ctx: StepContext) -> dict[str, str]:
    _product_preset, term = preset(ctx.params)
    return {"term": term or "1y", "instruction": "renew_all"}


def _product_lines(ctx: StepContext) -> list[Line]:
    product = _product(ctx)
    return [Line(_("Product"), PRODUCTS[product]),
            Line(_("Minimum amount"), minimum(product))]


def _check_amount(ctx: StepContext, form: AmountForm) -> None:
    product = _product(ctx)
    amount = Money.of(form.amount, CURRENCY)
    if amount < minimum(product):
        raise StepInvalid("some answers need attention", errors=[
            {"field": "amount", "message": _("a {product} starts at {minimum}",
                                             product=PRODUCTS[product],
                                             minimum=minimum(product))}])
    account = account_by_id(ctx, form.account_id)
    if account.balance < amount:
        raise StepInvalid("some answers need attention", errors=[
            {"field": "amount", "message": _("the amount is more than the account's balance")}])
    rate = _rate(ctx, product, form.term)
    end = add_months(ctx.today, TERM_MONTHS[form.term])
    ctx.facts["quote"] = {
        "product": product, "term": form.term, "amount": str(form.amount),
        "rate": str(rate), "start": ctx.today.isoformat(), "end": end.isoformat(),
        "interest": str(deposit_interest(form.amount, rate, ctx.today, end)),
        "instruction": form.instruction, "account": account_label(account),
        "account_id": str(account.id),
    }


def _quote(ctx: StepContext) -> dict[str, str]:
    return dict(ctx.facts["quote"])


def _money(amount: str) -> Money:
    return Money.of(Decimal(amount), CURRENCY)


AGREEMENT = fixed_text({
    "zh-CN": ("定期存款（大额存单）协议\n本行按确认页所示产品、期限和年利率为您开立存款，"
              "资金即时从您选择的账户划入。到期按您选择的方式处理：本息转存、本金转存或到期支取至原账户。"
              "提前支取的部分按支取日挂牌活期利率计息；定期存款和大额存单可部分提前支取一次。"),
    "en": ("Time deposit (large CD) agreement\nThe bank places the deposit with the product, "
           "term and annual rate shown on the confirmation page; the money leaves the account "
           "you chose at once. At maturity it is renewed with its interest, renewed without "
           "it, or paid to that account, as you chose. Any part taken out early earns the "
           "demand rate posted on that day; a deposit can be partly withdrawn once."),
})
INSURANCE = fixed_text({
    "zh-CN": ("存款保险告知\n本行吸收的本外币存款依照《存款保险条例》受到保护，"
              "同一存款人在本行的存款本金和利息合并计算，最高偿付限额为人民币50万元。"),
    "en": ("Deposit insurance notice\nDeposits with the bank are protected under the Deposit "
           "Insurance Regulations: one depositor's principal and interest at the bank are "
           "covered together up to 500,000 CNY."),
})


def _documents(ctx: StepContext) -> list[ConsentDocument]:
    return [ConsentDocument("deposit_agreement", "2026.1", _("Deposit agreement"), AGREEMENT),
            ConsentDocument("deposit_insurance", "2026.1", _("Deposit insurance notice"),
                            INSURANCE)]


def _summary(ctx: StepContext) -> list[Line]:
    quote = _quote(ctx)
    return [
        Line(_("Product"), _("{product} {term}", product=PRODUCTS[quote["product"]],
                             term=TERMS[quote["term"]])),
        Line(_("Amount"), _money(quote["amount"]), emphasis=True),
        Line(_("Pay from"), quote["account"]),
        Line(_("Annual rate"), percent(Decimal(quote["rate"]))),
        Line(_("Start date"), quote["start"]),
        Line(_("Maturity date"), quote["end"]),
        Line(_("Interest at maturity"), _money(quote["interest"]), emphasis=True),
        Line(_("At maturity"), OPTIONS[quote["instruction"]]),
    ]


def _deal(ctx: StepContext) -> Deal:
    quote = _quote(ctx)
    return Deal(product=f"{quote['product']}:{quote['term']}", amount=_money(quote["amount"]),
                attributes={"instruction": quote["instruction"]})


def _action(ctx: ActionContext) -> Done:
    quote = _quote(ctx)
    amount = _money(quote["amount"])
    placed = corebank.place_deposit(
        ctx.session, ctx.customer_actor(), idempotency_key=ctx.key("place"),
        source_account_id=uuid.UUID(quote["account_id"]),
        product=DepositProduct(quote["product"]), term=Term(quote["term"]), amount=amount,
        instruction=MaturityInstruction(quote["instruction"]))
    ctx.facts["result"] = {"deposit_id": str(placed.id),
                           "maturity_date": placed.maturity_date.isoformat(),
                           "rate": str(placed.annual_rate)}
    return Done(product=f"{quote['product']}:{quote['term']}", amount=amount,
                references={"deposit_id": str(placed.id)},
                business=BusinessOutcome(BusinessKind.DEPOSIT_PLACED, placed.id))


def _outcome(ctx: StepContext) -> list[Line]:
    quote = _quote(ctx)
    result = ctx.facts.get("result", {})
    return [Line(_("Deposit placed"), _money(quote["amount"]), emphasis=True),
            Line(_("Product"), _("{product} {term}", product=PRODUCTS[quote["product"]],
                                 term=TERMS[quote["term"]])),
            Line(_("Annual rate"), percent(Decimal(result.get("rate", quote["rate"])))),
            Line(_("Maturity date"), result.get("maturity_date", quote["end"]))]


JOURNEY = Journey(
    key="time_deposit_open",
    version=1,
    title=_("Place a time deposit or buy a large CD"),
    summary=_("Choose a time deposit or a large CD, a term at today's rate and the amount; "
              "the money moves from your account at once."),
    params=Params,
    guards=(require_account,),
    steps=(
        Step(key="product", title=_("Choose a product"), form=ProductForm,
             choices=_product_choices, prefill=_prefill_product, accept=_take_product),
        Step(key="amount", title=_("Term and amount"), form=AmountForm,
             choices=_amount_choices, prefill=_prefill_amount, show=_product_lines,
             accept=_check_amount),
        Step(key="documents", title=_("Deposit documents"), kind=StepKind.CONSENT,
             consents=_documents),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
)
