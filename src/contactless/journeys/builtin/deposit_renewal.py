"""b. Renew a maturing time deposit or CD (到期转存), or set its maturity instruction ahead.

The customer sees the maturity amount, chooses what to renew and the term, sees the rate and
the interest of the new term, and confirms. Before maturity this sets the deposit's maturity
instruction, with the new term when it is not the deposit's own: the core renews it on the
maturity date, in the maturity's own ledger entry. A deposit already paid out in the last 30
days is renewed at once from the demand account (recorded as a renewal order, done).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DepositProduct,
    DepositStatus,
    MaturityInstruction,
    RateProduct,
    Term,
)
from contactless.corebank.schemas import DepositView
from contactless.journeys import repository
from contactless.journeys.builtin.arithmetic import TERM_MONTHS, add_months, deposit_interest
from contactless.journeys.declaration import (
    ActionContext,
    BusinessKind,
    BusinessOutcome,
    Choice,
    Deal,
    Done,
    Journey,
    Line,
    Msg,
    Step,
    StepContext,
    StepKind,
    _,
)
from contactless.journeys.errors import NothingToRenew
from contactless.journeys.models import RenewalOrder
from contactless.platform.money import Money

RECENTLY_PAID_DAYS = 30
PRODUCTS = {"time": _("Time deposit"), "cd": _("Large-denomination CD")}
TERMS = {"3m": _("3 months"), "6m": _("6 months"), "1y": _("1 year"), "2y": _("2 years"),
         "3y": _("3 years"), "5y": _("5 years")}
OPTIONS = {"renew_all": _("Renew principal and interest"),
           "renew_principal": _("Renew the principal, pay the interest to my account"),
           "payout": _("Pay everything to my account at maturity")}
TermCode = Literal["3m", "6m", "1y", "2y", "3y", "5y"]


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deposit_id: uuid.UUID | None = None


class DepositForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    deposit_id: str = Field(title=_("Deposit"), max_length=40,
                            json_schema_extra={"widget": "radio"})


class PlanForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    option: Literal["renew_all", "renew_principal", "payout"] = Field(
        title=_("At maturity"), json_schema_extra={"widget": "radio"})
    term: TermCode = Field(title=_("New term"), json_schema_extra={"widget": "radio"})


def _eligible(ctx: StepContext) -> list[DepositView]:
    """Active deposits that can still take an instruction, then deposits paid out lately
    that were not renewed yet."""
    if ctx.customer_id is None:
        return []
    found = []
    for deposit in corebank.deposits_of_customer(ctx.session, ctx.customer_actor(),
                                                 customer_id=ctx.customer_id,
                                                 active_only=False):
        if deposit.status == DepositStatus.ACTIVE and deposit.maturity_date > ctx.today:
            found.append(deposit)
        elif (deposit.status == DepositStatus.MATURED and deposit.closed_on is not None
              and deposit.closed_on >= ctx.today - timedelta(days=RECENTLY_PAID_DAYS)
              and repository.renewal_order(ctx.session, deposit.id) is None):
            found.append(deposit)
    return sorted(found, key=lambda d: (d.status != DepositStatus.MATURED, d.maturity_date))


def _has_deposit(ctx: StepContext) -> None:
    if not _eligible(ctx):
        raise NothingToRenew("you have no time deposit or CD that can be renewed",
                             alternative="time_deposit_open")


def _deposit_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    options = []
    for deposit in _eligible(ctx):
        label = _("{product} {term}, {principal}", product=PRODUCTS[deposit.product],
                  term=TERMS[deposit.term], principal=deposit.principal)
        if deposit.status == DepositStatus.MATURED:
            detail = _("Matured on {date} and paid to your account", date=deposit.closed_on)
        else:
            detail = _("Matures on {date}; interest at maturity {interest}",
                       date=deposit.maturity_date, interest=deposit.interest_at_maturity)
        options.append(Choice(str(deposit.id), label, detail))
    return {"deposit_id": options}


def _prefill_deposit(ctx: StepContext) -> dict[str, str]:
    preset = ctx.params.get("deposit_id")
    return {"deposit_id": preset} if preset else {}


def _take_deposit(ctx: StepContext, form: DepositForm) -> None:
    deposit = next(d for d in _eligible(ctx) if str(d.id) == form.deposit_id)
    interest = (deposit.interest_paid if deposit.status == DepositStatus.MATURED
                and deposit.interest_paid else deposit.interest_at_maturity)
    ctx.facts["deposit"] = {
        "id": str(deposit.id), "product": deposit.product, "term": deposit.term,
        "principal": str(deposit.principal.amount), "currency": deposit.principal.currency,
        "interest": str(interest.amount), "rate": str(deposit.annual_rate),
        "maturity_date": deposit.maturity_date.isoformat(), "instruction": deposit.instruction,
        "renewal_term": deposit.renewal_term,
        "demand_account_id": str(deposit.demand_account_id),
        "matured": deposit.status == DepositStatus.MATURED,
    }


def _deposit(ctx: StepContext) -> dict[str, str]:
    return dict(ctx.facts["deposit"])


def _money(ctx: StepContext, amount: str | Decimal) -> Money:
    return Money.of(Decimal(amount), _deposit(ctx)["currency"])


def _rate(ctx: StepContext, term: str, on: date) -> Decimal:
    deposit = _deposit(ctx)
    return corebank.current_rate(ctx.session, product=RateProduct(deposit["product"]),
                                 term=term, currency=deposit["currency"], on=on)


def _start_of_new_term(ctx: StepContext) -> date:
    return max(date.fromisoformat(_deposit(ctx)["maturity_date"]), ctx.today)


def _plan_choices(ctx: StepContext) -> dict[str, list[Choice]]:
    deposit = _deposit(ctx)
    start = _start_of_new_term(ctx)
    options = [Choice(key, label) for key, label in OPTIONS.items()
               if not (deposit["matured"] and key == "payout")]
    terms = [Choice(term, label, _("rate {rate} a year", rate=percent(_rate(ctx, term, start))))
             for term, label in TERMS.items()]
    return {"option": options, "term": terms}


def _prefill_plan(ctx: StepContext) -> dict[str, str]:
    return {"term": _deposit(ctx)["term"], "option": "renew_all"}


def percent(rate: Decimal) -> str:
    return f"{rate * 100:.2f}%"


def _maturity_lines(ctx: StepContext) -> list[Line]:
    deposit = _deposit(ctx)
    principal = _money(ctx, deposit["principal"])
    interest = _money(ctx, deposit["interest"])
    lines = [
        Line(_("Deposit"), _("{product} {term}", product=PRODUCTS[deposit["product"]],
                             term=TERMS[deposit["term"]])),
        Line(_("Maturity date"), deposit["maturity_date"]),
        Line(_("Principal"), principal),
        Line(_("Interest at maturity"), interest),
        Line(_("Maturity amount"), principal + interest, emphasis=True),
    ]
    if not deposit["matured"]:
        lines.append(Line(_("Current instruction"),
                          OPTIONS.get(deposit["instruction"], Msg(deposit["instruction"]))))
    return lines


def _quote(ctx: StepContext, form: PlanForm) -> None:
    deposit = _deposit(ctx)
    principal = Decimal(deposit["principal"])
    interest = Decimal(deposit["interest"])
    if form.option == "payout":
        ctx.facts["quote"] = {"option": "payout"}
        return
    amount = principal + interest if form.option == "renew_all" else principal
    start = _start_of_new_term(ctx)
    end = add_months(start, TERM_MONTHS[form.term])
    rate = _rate(ctx, form.term, start)
    ctx.facts["quote"] = {
        "option": form.option, "term": form.term, "amount": str(amount), "rate": str(rate),
        "start": start.isoformat(), "end": end.isoformat(),
        "interest": str(deposit_interest(amount, rate, start, end)),
    }


def _quote_lines(ctx: StepContext) -> list[Line]:
    quote = ctx.facts.get("quote", {})
    lines = _maturity_lines(ctx)
    if quote.get("option") == "payout":
        return [*lines, Line(_("At maturity"), OPTIONS["payout"], emphasis=True)]
    return [*lines,
            Line(_("At maturity"), OPTIONS[quote["option"]]),
            Line(_("New term"), TERMS[quote["term"]]),
            Line(_("Amount renewed"), _money(ctx, quote["amount"]), emphasis=True),
            Line(_("Annual rate"), percent(Decimal(quote["rate"]))),
            Line(_("New maturity date"), quote["end"]),
            Line(_("Interest for the new term"), _money(ctx, quote["interest"]), emphasis=True)]


def _deal(ctx: StepContext) -> Deal:
    quote = ctx.facts.get("quote", {})
    deposit = _deposit(ctx)
    if quote.get("option") == "payout":
        return Deal(product=f"{deposit['product']}:payout")
    return Deal(product=f"{deposit['product']}:{quote['term']}",
                amount=_money(ctx, quote["amount"]),
                attributes={"deposit_id": deposit["id"], "option": quote["option"]})


def _action(ctx: ActionContext) -> Done:
    deposit = _deposit(ctx)
    quote = ctx.facts["quote"]
    deposit_id = uuid.UUID(deposit["id"])
    actor = ctx.customer_actor()
    if deposit["matured"]:
        amount = _money(ctx, quote["amount"])
        placed = corebank.place_deposit(
            ctx.session, actor, idempotency_key=ctx.key("renew"),
            source_account_id=uuid.UUID(deposit["demand_account_id"]),
            product=DepositProduct(deposit["product"]), term=Term(quote["term"]),
            amount=amount)
        _order(ctx, deposit_id, quote, new_deposit_id=placed.id)
        ctx.facts["result"] = {"mode": "renewed", "deposit_id": str(placed.id),
                               "maturity_date": placed.maturity_date.isoformat()}
        return Done(product=f"{deposit['product']}:{quote['term']}", amount=amount,
                    references={"deposit_id": str(placed.id)},
                    business=BusinessOutcome(BusinessKind.DEPOSIT_PLACED, placed.id))
    option = quote["option"]
    # the core renews into the chosen term in the maturity entry itself
    instruction = MaturityInstruction(option)
    renewal_term = (Term(quote["term"]) if option != "payout" and quote["term"] != deposit["term"]
                    else None)
    if (instruction.value != deposit["instruction"]
            or (renewal_term.value if renewal_term else None) != deposit.get("renewal_term")):
        corebank.change_maturity_instruction(ctx.session, actor,
                                             idempotency_key=ctx.key("instruction"),
                                             deposit_id=deposit_id, instruction=instruction,
                                             renewal_term=renewal_term)
    ctx.facts["result"] = {"mode": "instruction", "instruction": option}
    # the same deposit whatever the choice: a later payout instruction is seen on the
    # conversion an earlier renewal choice made (it is lost if the money leaves at maturity)
    kept = BusinessOutcome(BusinessKind.DEPOSIT_KEPT, deposit_id)
    if option == "payout":
        return Done(product=f"{deposit['product']}:payout",
                    references={"deposit_id": deposit["id"]}, business=kept)
    return Done(product=f"{deposit['product']}:{quote['term']}",
                amount=_money(ctx, quote["amount"]), references={"deposit_id": deposit["id"]},
                business=kept)


def _order(ctx: ActionContext, deposit_id: uuid.UUID, quote: dict[str, str], *,
           new_deposit_id: uuid.UUID) -> None:
    """Record the renewal of a deposit already paid out (done at once)."""
    existing = repository.renewal_order(ctx.session, deposit_id)
    order = existing or RenewalOrder(deposit_id=deposit_id, instance_id=ctx.instance_id,
                                     customer_id=ctx.customer_id, channel=ctx.channel,
                                     product=_deposit(ctx)["product"], term=quote["term"],
                                     renew_interest=quote["option"] == "renew_all")
    order.instance_id = ctx.instance_id
    order.term = quote["term"]
    order.renew_interest = quote["option"] == "renew_all"
    order.status = "done"
    order.new_deposit_id = new_deposit_id
    order.executed_at = ctx.now
    ctx.session.add(order)


def _outcome(ctx: StepContext) -> list[Line]:
    result = ctx.facts.get("result", {})
    quote = ctx.facts.get("quote", {})
    if result.get("mode") == "renewed":
        return [Line(_("Renewed"), _money(ctx, quote["amount"]), emphasis=True),
                Line(_("New term"), TERMS[quote["term"]]),
                Line(_("New maturity date"), result["maturity_date"])]
    lines = [Line(_("At maturity"), OPTIONS[result.get("instruction", "payout")],
                  emphasis=True),
             Line(_("Maturity date"), _deposit(ctx)["maturity_date"])]
    if quote.get("option") != "payout":
        lines += [Line(_("New term"), TERMS[quote["term"]]),
                  Line(_("Renewal"), _("automatically on the maturity date"))]
    return lines


JOURNEY = Journey(
    key="deposit_renewal",
    version=1,
    title=_("Renew a time deposit"),
    summary=_("See what your deposit pays at maturity, choose a new term and renew it, or "
              "set what happens at maturity ahead of time."),
    params=Params,
    guards=(_has_deposit,),
    steps=(
        Step(key="deposit", title=_("Choose a deposit"), form=DepositForm,
             choices=_deposit_choices, prefill=_prefill_deposit, accept=_take_deposit),
        Step(key="plan", title=_("Maturity and term"), form=PlanForm, choices=_plan_choices,
             prefill=_prefill_plan, show=_maturity_lines, accept=_quote),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_quote_lines),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
)
