"""c. Buy a wealth product (购买理财产品): risk-tolerance questionnaire (C1–C5, valid one year),
suitability (a product's risk R1–R5 may not exceed the customer's level: otherwise it is
refused with the reason), the product documents, confirmation, and a 24-hour cooling-off
period (冷静期) for higher-risk products: the order is placed only when it has passed, and the
customer may cancel before."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.schemas import WealthProductView
from contactless.journeys import repository
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
    _,
)
from contactless.journeys.errors import StepInvalid, UnsuitableProduct
from contactless.journeys.forms import Amount
from contactless.journeys.models import RiskProfile
from contactless.platform.money import Money

QUESTIONNAIRE_VERSION = "2026.1"
VALID_FOR = timedelta(days=365)
COOLING_OFF = {"R4": timedelta(hours=24), "R5": timedelta(hours=24)}
LEVELS = ("C1", "C2", "C3", "C4", "C5")
Answer = Literal["a", "b", "c", "d", "e"]

QUESTIONS: dict[str, tuple[object, dict[str, object], dict[str, int]]] = {
    "age": (_("Your age"),
            {"a": _("18 to 30"), "b": _("31 to 45"), "c": _("46 to 55"), "d": _("56 to 65"),
             "e": _("Over 65")},
            {"a": 4, "b": 5, "c": 3, "d": 2, "e": 1}),
    "experience": (_("Your investment experience"),
                   {"a": _("None"), "b": _("Deposits and bank wealth products only"),
                    "c": _("Funds or bonds, less than 3 years"),
                    "d": _("Stocks or funds, 3 years or more"),
                    "e": _("Derivatives, or investing is my profession")},
                   {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
    "horizon": (_("How long can the money stay invested?"),
                {"a": _("Less than 6 months"), "b": _("6 to 12 months"), "c": _("1 to 3 years"),
                 "d": _("3 to 5 years"), "e": _("More than 5 years")},
                {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
    "loss": (_("The largest loss you could accept"),
             {"a": _("No loss at all"), "b": _("Up to 5%"), "c": _("Up to 10%"),
              "d": _("Up to 30%"), "e": _("More than 30%")},
             {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
    "share": (_("Share of your assets you plan to invest"),
              {"a": _("More than 50%"), "b": _("30% to 50%"), "c": _("20% to 30%"),
               "d": _("10% to 20%"), "e": _("Less than 10%")},
              {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
    "goal": (_("Your main goal"),
             {"a": _("Keep my capital safe"), "b": _("Steady income a little above deposits"),
              "c": _("A balance of income and growth"), "d": _("Growth, accepting swings"),
              "e": _("The highest growth")},
             {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
}


def _question(key: str) -> Any:
    title, labels, _scores = QUESTIONS[key]
    extra: dict[str, Any] = {"widget": "radio", "labels": labels}
    return Field(title=str(title), json_schema_extra=extra)


class QuestionnaireForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: Answer = _question("age")
    experience: Answer = _question("experience")
    horizon: Answer = _question("horizon")
    loss: Answer = _question("loss")
    share: Answer = _question("share")
    goal: Answer = _question("goal")


def assess(answers: dict[str, str]) -> tuple[str, int]:
    """Score 6–30 → C1 (≤10), C2 (≤15), C3 (≤20), C4 (≤25), C5; anyone who accepts no loss at
    all is C1 whatever the rest."""
    score = sum(QUESTIONS[key][2][value] for key, value in answers.items())
    if answers.get("loss") == "a":
        return "C1", score
    for level, ceiling in zip(LEVELS, (10, 15, 20, 25), strict=False):
        if score <= ceiling:
            return level, score
    return "C5", score


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: uuid.UUID | None = None


class PurchaseForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    product_id: str = Field(title=_("Product"), max_length=40,
                            json_schema_extra={"widget": "radio"})
    amount: Amount = Field(title=_("Amount (CNY)"), json_schema_extra={"widget": "amount"})
    account_id: str = Field(title=_("Pay from"), max_length=40,
                            json_schema_extra={"widget": "select"})


def valid_profile(ctx: StepContext) -> RiskProfile | None:
    if ctx.customer_id is None:
        return None
    profile = repository.latest_risk_profile(ctx.session, ctx.customer_id)
    if profile is None or profile.valid_until <= ctx.now:
        return None
    return profile


def _level(ctx: StepContext) -> tuple[str, str]:
    """(level, valid until) from this journey's questionnaire or a valid earlier one."""
    if "risk_profile" in ctx.facts:
        return ctx.facts["risk_profile"]["level"], ctx.facts["risk_profile"]["valid_until"]
    profile = valid_profile(ctx)
    if profile is None:
        return "", ""
    return profile.level, profile.valid_until.date().isoformat()


def _needs_questionnaire(ctx: StepContext) -> bool:
    return "risk_profile" in ctx.facts or valid_profile(ctx) is None


def _assess(ctx: StepContext, form: QuestionnaireForm) -> None:
    answers = form.model_dump()
    level, score = assess(answers)
    profile = RiskProfile(customer_id=ctx.customer_id, level=level, score=score,
                          answers=answers, questionnaire_version=QUESTIONNAIRE_VERSION,
                          assessed_at=ctx.now, valid_until=ctx.now + VALID_FOR,
                          instance_id=ctx.instance_id)
    ctx.session.add(profile)
    ctx.facts["risk_profile"] = {"level": level, "score": score,
                                 "valid_until": profile.valid_until.date().isoformat()}


def _products(ctx: StepContext) -> list[WealthProductView]:
    return [product for product in corebank.list_wealth_products(ctx.session)
            if product.status == "open"]


def _product_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    products = [Choice(str(p.id), _("{name} ({code})", name=p.name, code=p.code),
                       _("Risk {risk}, from {minimum}, latest NAV {nav}", risk=p.risk_level,
                         minimum=p.min_purchase, nav=p.latest_nav or "-"))
                for p in _products(ctx)]
    return {"product_id": products, "account_id": account_choices(ctx)}


def _prefill_product(ctx: StepContext) -> dict[str, str]:
    preset = ctx.params.get("product_id")
    return {"product_id": preset} if preset else {}


def _level_lines(ctx: StepContext) -> list[Line]:
    level, until = _level(ctx)
    return [Line(_("Your risk tolerance"), _("{level}, valid until {date}", level=level,
                                             date=until), emphasis=True)]


def _check_purchase(ctx: StepContext, form: PurchaseForm) -> None:
    product = next(p for p in _products(ctx) if str(p.id) == form.product_id)
    level, _until = _level(ctx)
    if int(product.risk_level[1]) > int(level[1]):
        raise UnsuitableProduct(
            "this product is rated {risk}, above your risk tolerance {level}: we cannot sell "
            "it to you. Choose a product rated up to R{allowed}.",
            risk=product.risk_level, level=level, allowed=level[1])
    amount = Money.of(form.amount, product.currency)
    if amount < product.min_purchase:
        raise StepInvalid("some answers need attention", errors=[
            {"field": "amount", "message": _("the amount is below the product's minimum")}])
    account = account_by_id(ctx, form.account_id)
    if account.balance < amount:
        raise StepInvalid("some answers need attention", errors=[
            {"field": "amount",
             "message": _("the amount is more than the account's balance")}])
    ctx.facts["product"] = {"id": str(product.id), "code": product.code, "name": product.name,
                            "risk": product.risk_level, "currency": product.currency,
                            "nav": str(product.latest_nav) if product.latest_nav else None}
    ctx.facts["purchase"] = {"amount": str(form.amount), "account": account_label(account)}


def _documents(ctx: StepContext) -> list[ConsentDocument]:
    product = ctx.facts["product"]

    def prospectus(_ctx: StepContext, locale: str) -> str:
        if locale == "en":
            return (f"Product description: {product['name']} ({product['code']})\n"
                    f"Risk rating: {product['risk']}. Units are bought at the net asset value "
                    "(NAV) of the trading day after the order (T+1). Past performance does not "
                    "promise future returns; the NAV may fall and you may lose part of what "
                    "you invest.")
        return (f"产品说明书：{product['name']}（{product['code']}）\n"
                f"产品风险等级：{product['risk']}。按下单后一个交易日（T+1）的单位净值确认份额。"
                "产品过往业绩不代表未来表现，净值可能下跌，您可能损失部分本金。")

    def disclosure(_ctx: StepContext, locale: str) -> str:
        if locale == "en":
            return ("Risk disclosure\nWealth products are not deposits and are not covered by "
                    "deposit insurance. The bank does not guarantee the principal or any "
                    "return. Invest only money you can leave invested for the product's term, "
                    "within your risk tolerance.")
        return ("风险揭示书\n理财非存款，产品有风险，投资须谨慎。理财产品不受存款保险保障，"
                "银行不保证本金和收益。请在您的风险承受能力范围内，以可在产品期限内持有的资金投资。")

    def agreement(_ctx: StepContext, locale: str) -> str:
        if locale == "en":
            return ("Sales agreement\nThe money leaves your account when the order is placed; "
                    "units are confirmed at the T+1 NAV. Products rated R4 and R5 have a 24-hour "
                    "cooling-off period: the order is placed after it, and you may cancel it "
                    "free of charge before then.")
        return ("销售协议\n下单时资金从您的账户划出，按T+1净值确认份额。"
                "R4、R5级产品设24小时冷静期：冷静期结束后才下单，冷静期内您可免费取消。")

    return [
        ConsentDocument("wealth_prospectus", f"{product['code']}-2026.1",
                        _("Product description"), prospectus),
        ConsentDocument("wealth_risk_disclosure", "2026.1", _("Risk disclosure"), disclosure),
        ConsentDocument("wealth_sales_agreement", "2026.1", _("Sales agreement"), agreement),
    ]


def _summary(ctx: StepContext) -> list[Line]:
    product = ctx.facts["product"]
    purchase = ctx.facts["purchase"]
    level, _until = _level(ctx)
    lines = [Line(_("Product"), _("{name} ({code})", name=product["name"], code=product["code"])),
             Line(_("Product risk"), product["risk"]),
             Line(_("Your risk tolerance"), level),
             Line(_("Amount"), Money.of(Decimal(purchase["amount"]), product["currency"]),
                  emphasis=True),
             Line(_("Pay from"), purchase["account"]),
             Line(_("Units"), _("confirmed at the next trading day's NAV (T+1)"))]
    if product["risk"] in COOLING_OFF:
        lines.append(Line(_("Cooling-off period"),
                          _("24 hours: the order is placed after it; you may cancel before")))
    return lines


def _cooling_off(ctx: StepContext) -> timedelta | None:
    return COOLING_OFF.get(ctx.facts["product"]["risk"])


def _deal(ctx: StepContext) -> Deal:
    product = ctx.facts["product"]
    return Deal(product=product["code"],
                amount=Money.of(Decimal(ctx.facts["purchase"]["amount"]), product["currency"]),
                attributes={"risk_level": product["risk"]})


def _action(ctx: ActionContext) -> Done:
    product = ctx.facts["product"]
    amount = Money.of(Decimal(ctx.answer("product", "amount")), product["currency"])
    order = corebank.buy_wealth(
        ctx.session, ctx.customer_actor(), idempotency_key=ctx.key("buy_wealth"),
        source_account_id=uuid.UUID(ctx.answer("product", "account_id")),
        product_id=uuid.UUID(product["id"]), amount=amount)
    ctx.facts["order"] = {"id": str(order.id), "settle_date": order.settle_date.isoformat()}
    return Done(product=product["code"], amount=amount,
                references={"order_id": str(order.id), "product_id": product["id"]},
                business=BusinessOutcome(BusinessKind.WEALTH_PURCHASE, order.id))


def _outcome(ctx: StepContext) -> list[Line]:
    product = ctx.facts["product"]
    order = ctx.facts.get("order", {})
    return [Line(_("Order placed"), Money.of(Decimal(ctx.facts["purchase"]["amount"]),
                                             product["currency"]), emphasis=True),
            Line(_("Product"), _("{name} ({code})", name=product["name"], code=product["code"])),
            Line(_("Units confirmed on"), order.get("settle_date", ""))]


JOURNEY = Journey(
    key="wealth_purchase",
    version=1,
    title=_("Buy a wealth product"),
    summary=_("Find out your risk tolerance, choose a product that suits it, read its "
              "documents and buy."),
    params=Params,
    guards=(require_account,),
    steps=(
        Step(key="questionnaire", title=_("Risk tolerance questionnaire"),
             form=QuestionnaireForm, when=_needs_questionnaire, accept=_assess,
             intro=_("Answer six questions. The result (C1 to C5) is valid for one year.")),
        Step(key="product", title=_("Product and amount"), form=PurchaseForm,
             choices=_product_choices, prefill=_prefill_product, show=_level_lines,
             accept=_check_purchase),
        Step(key="documents", title=_("Product documents"), kind=StepKind.CONSENT,
             consents=_documents),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
    cooling_off=_cooling_off,
)
