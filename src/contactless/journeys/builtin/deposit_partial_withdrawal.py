"""Take part of a time deposit out early (部分提前支取), once per deposit.

The customer chooses a deposit and an amount, sees the interest the part earns at the demand
rate for the days held and what stays at the deposit's own rate until maturity, and confirms.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositStatus
from contactless.corebank.errors import (
    PartialWithdrawalNotAllowed,
    PartialWithdrawalUsed,
    RemainingBelowMinimum,
)
from contactless.corebank.schemas import DepositView
from contactless.journeys.builtin.deposit_renewal import PRODUCTS, TERMS, percent
from contactless.journeys.declaration import (
    ActionContext,
    Choice,
    Deal,
    Done,
    Journey,
    Line,
    Step,
    StepContext,
    StepKind,
    _,
)
from contactless.journeys.errors import NothingToWithdraw, StepInvalid
from contactless.journeys.forms import Amount
from contactless.platform.money import Money


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deposit_id: uuid.UUID | None = None


class WithdrawalForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    deposit_id: str = Field(title=_("Deposit"), max_length=40,
                            json_schema_extra={"widget": "radio"})
    amount: Amount = Field(title=_("Amount to take out (CNY)"),
                           json_schema_extra={"widget": "amount"})


def _eligible(ctx: StepContext) -> list[DepositView]:
    """Active deposits before maturity that were not partly withdrawn yet."""
    if ctx.customer_id is None:
        return []
    return [deposit for deposit in corebank.deposits_of_customer(
                ctx.session, ctx.customer_actor(), customer_id=ctx.customer_id)
            if deposit.status == DepositStatus.ACTIVE and deposit.maturity_date > ctx.today
            and deposit.partial_withdrawn is None]


def _has_deposit(ctx: StepContext) -> None:
    if not _eligible(ctx):
        raise NothingToWithdraw("you have no time deposit that can be partly withdrawn")


def _choices(ctx: StepContext) -> dict[str, list[Choice]]:
    return {"deposit_id": [
        Choice(str(d.id), _("{product} {term}, {principal}", product=PRODUCTS[d.product],
                            term=TERMS[d.term], principal=d.principal),
               _("Rate {rate}, matures on {date}", rate=percent(d.annual_rate),
                 date=d.maturity_date))
        for d in _eligible(ctx)]}


def _prefill(ctx: StepContext) -> dict[str, str]:
    preset = ctx.params.get("deposit_id")
    return {"deposit_id": preset} if preset else {}


def _quote(ctx: StepContext, form: WithdrawalForm) -> None:
    deposit = next(d for d in _eligible(ctx) if str(d.id) == form.deposit_id)
    amount = Money.of(form.amount, deposit.principal.currency)
    try:
        quote = corebank.quote_partial_withdrawal(ctx.session, ctx.customer_actor(),
                                                  deposit_id=deposit.id, amount=amount)
    except RemainingBelowMinimum as error:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "amount",
            "message": _("at least {minimum} must stay in the deposit",
                         minimum=error.extra.get("minimum", ""))}]) from error
    except (PartialWithdrawalUsed, PartialWithdrawalNotAllowed) as error:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "deposit_id",
            "message": _("this deposit cannot be partly withdrawn")}]) from error
    ctx.facts["quote"] = {
        "deposit_id": str(deposit.id), "product": deposit.product, "term": deposit.term,
        "currency": deposit.principal.currency, "amount": str(quote.amount.amount),
        "interest": str(quote.interest.amount), "days": quote.days,
        "demand_rate": str(quote.annual_rate_applied),
        "remaining": str(quote.remaining_principal.amount),
        "remaining_interest": str(quote.remaining_interest_at_maturity.amount),
        "rate": str(deposit.annual_rate), "maturity_date": deposit.maturity_date.isoformat(),
    }


def _money(ctx: StepContext, name: str) -> Money:
    quote = ctx.facts["quote"]
    return Money.of(Decimal(quote[name]), quote["currency"])


def _summary(ctx: StepContext) -> list[Line]:
    quote = ctx.facts["quote"]
    return [
        Line(_("Deposit"), _("{product} {term}", product=PRODUCTS[quote["product"]],
                             term=TERMS[quote["term"]])),
        Line(_("Amount taken out"), _money(ctx, "amount"), emphasis=True),
        Line(_("Interest on it"), _("{interest}: {days} days at the demand rate {rate}",
                                    interest=_money(ctx, "interest"), days=quote["days"],
                                    rate=percent(Decimal(quote["demand_rate"])))),
        Line(_("Paid to your account"), _money(ctx, "amount") + _money(ctx, "interest"),
             emphasis=True),
        Line(_("Stays in the deposit"), _money(ctx, "remaining")),
        Line(_("At its rate {rate} until {date}", rate=percent(Decimal(quote["rate"])),
               date=quote["maturity_date"]), _money(ctx, "remaining_interest")),
    ]


def _deal(ctx: StepContext) -> Deal:
    quote = ctx.facts["quote"]
    return Deal(product=f"{quote['product']}:partial_withdrawal", amount=_money(ctx, "amount"),
                attributes={"deposit_id": quote["deposit_id"]})


def _action(ctx: ActionContext) -> Done:
    quote = ctx.facts["quote"]
    done = corebank.withdraw_deposit_partially(
        ctx.session, ctx.customer_actor(), idempotency_key=ctx.key("partial"),
        deposit_id=uuid.UUID(quote["deposit_id"]), amount=_money(ctx, "amount"))
    ctx.facts["result"] = {"paid": str(done.paid_to_demand.amount)}
    return Done(product=f"{quote['product']}:partial_withdrawal", amount=done.principal,
                references={"deposit_id": quote["deposit_id"]})


def _outcome(ctx: StepContext) -> list[Line]:
    quote = ctx.facts["quote"]
    paid = Money.of(Decimal(ctx.facts.get("result", {}).get("paid", "0")), quote["currency"])
    return [Line(_("Paid to your account"), paid, emphasis=True),
            Line(_("Stays in the deposit"), _money(ctx, "remaining")),
            Line(_("Maturity date"), quote["maturity_date"])]


JOURNEY = Journey(
    key="deposit_partial_withdrawal",
    version=1,
    title=_("Take part of a time deposit out"),
    summary=_("Take part of a time deposit out before maturity: that part earns the demand "
              "rate, the rest keeps its rate and maturity. Once per deposit."),
    params=Params,
    guards=(_has_deposit,),
    steps=(
        Step(key="amount", title=_("Deposit and amount"), form=WithdrawalForm,
             choices=_choices, prefill=_prefill, accept=_quote),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
)
