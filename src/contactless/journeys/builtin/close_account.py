"""Close a Class II account (二类户销户) on the phone.

The customer chooses the Class II account and where its money goes (another of their
accounts here), sees the interest settled up to today and the total that moves, and confirms;
products still settling into the account are named first. A Class I account is closed with
the bank's staff.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from contactless.corebank import service as corebank
from contactless.identity.approvals import ApprovalView
from contactless.journeys.builtin.common import account_label, demand_accounts
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
    format_money,
)
from contactless.journeys.errors import NothingToClose, StepInvalid
from contactless.platform.money import Money

LINKED = {"time_deposit": _("a time deposit"), "loan": _("a loan"),
          "wealth_holding": _("a wealth product"), "class2_account": _("a Class II account"),
          "outbound_transfer": _("a transfer on its way")}


class Params(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account_id: uuid.UUID | None = None


class CloseForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_id: str = Field(title=_("Account to close"), max_length=40,
                            json_schema_extra={"widget": "radio"})
    target_id: str = Field(title=_("Move the money to"), max_length=40,
                           json_schema_extra={"widget": "select"})


def _closable(ctx: StepContext) -> list[Choice]:
    return [Choice(str(a.id), account_label(a), _("Class II account, balance {balance}",
                                                  balance=format_money(a.balance)))
            for a in demand_accounts(ctx) if a.account_class == 2]


def _has_account(ctx: StepContext) -> None:
    if not _closable(ctx):
        raise NothingToClose("you have no Class II account to close online")


def _choices(ctx: StepContext) -> dict[str, list[Choice]]:
    targets = [Choice(str(a.id), account_label(a), _("Class {cls} account",
                                                     cls="I" if a.account_class == 1 else "II"))
               for a in demand_accounts(ctx)]
    return {"account_id": _closable(ctx), "target_id": targets}


def _prefill(ctx: StepContext) -> dict[str, str]:
    preset = ctx.params.get("account_id")
    accounts = demand_accounts(ctx)
    bound = next((str(a.bound_account_id) for a in accounts
                  if str(a.id) == preset and a.bound_account_id), None)
    return {key: value for key, value in (("account_id", preset), ("target_id", bound))
            if value}


def _quote(ctx: StepContext, form: CloseForm) -> None:
    if form.account_id == form.target_id:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "target_id", "message": _("choose another account for the money")}])
    quote = corebank.quote_closing(ctx.session, ctx.customer_actor(),
                                   account_id=uuid.UUID(form.account_id))
    if quote.linked_products:
        raise StepInvalid("some answers need attention", errors=[{
            "field": "account_id",
            "message": _("first end what still settles into this account: {products}",
                         products=_("、").join(str(LINKED.get(p, p))
                                              for p in quote.linked_products))}])
    target = next(a for a in demand_accounts(ctx) if str(a.id) == form.target_id)
    closing = next(a for a in demand_accounts(ctx) if str(a.id) == form.account_id)
    ctx.facts["closing"] = {
        "account_id": form.account_id, "target_id": form.target_id,
        "account": account_label(closing), "target": account_label(target),
        "currency": quote.total.currency, "balance": str(quote.balance.amount),
        "interest": str(quote.interest.amount), "total": str(quote.total.amount),
    }


def _money(ctx: StepContext, name: str) -> Money:
    closing = ctx.facts["closing"]
    return Money.of(Decimal(closing[name]), closing["currency"])


def _summary(ctx: StepContext) -> list[Line]:
    closing = ctx.facts["closing"]
    return [Line(_("Account to close"), closing["account"]),
            Line(_("Balance"), _money(ctx, "balance")),
            Line(_("Interest up to today"), _money(ctx, "interest")),
            Line(_("Moves to {account}", account=closing["target"]), _money(ctx, "total"),
                 emphasis=True)]


def _deal(ctx: StepContext) -> Deal:
    return Deal(product="class2:close", amount=_money(ctx, "total"),
                attributes={"account_id": ctx.facts["closing"]["account_id"]})


def _action(ctx: ActionContext) -> Done:
    closing = ctx.facts["closing"]
    done = corebank.close_account(ctx.session, ctx.customer_actor(),
                                  idempotency_key=ctx.key("close"),
                                  account_id=uuid.UUID(closing["account_id"]),
                                  transfer_to_account_id=uuid.UUID(closing["target_id"]))
    if isinstance(done, ApprovalView):  # four eyes holds staff, never a customer's own closing
        raise TypeError("a customer's own closing was held for approval")
    ctx.facts["result"] = {"moved": str(done.moved.amount), "closed_on": str(done.closed_on)}
    return Done(product="class2:close", amount=done.moved,
                references={"account_id": closing["account_id"]})


def _outcome(ctx: StepContext) -> list[Line]:
    closing = ctx.facts["closing"]
    result = ctx.facts.get("result", {})
    return [Line(_("Closed"), closing["account"], emphasis=True),
            Line(_("Closed on"), result.get("closed_on", "")),
            Line(_("Moved to {account}", account=closing["target"]),
                 Money.of(Decimal(result.get("moved", "0")), closing["currency"]))]


JOURNEY = Journey(
    key="close_account",
    version=1,
    title=_("Close a Class II account"),
    summary=_("Close a Class II account online: its interest is paid up to today and the "
              "money moves to another of your accounts."),
    params=Params,
    guards=(_has_account,),
    steps=(
        Step(key="account", title=_("Account and where the money goes"), form=CloseForm,
             choices=_choices, prefill=_prefill, accept=_quote),
        Step(key="confirm", title=_("Confirm"), kind=StepKind.CONFIRM, show=_summary),
    ),
    deal=_deal,
    action=_action,
    outcome=_outcome,
)
