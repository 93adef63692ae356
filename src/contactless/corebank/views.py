"""Pages of the books: a customer's accounts and statements in the console (staff in scope),
and "my products" (我的产品) on the customer's phone."""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contactless.corebank import service as corebank
from contactless.corebank.schemas import DepositView, HoldingView, LoanView
from contactless.customers import service as customers
from contactless.customers.web import CurrentCustomer
from contactless.identity.approvals import ApprovalView
from contactless.identity.permissions import Operation, may
from contactless.identity.web import CurrentStaff
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import N_, gettext_for
from contactless.platform.money import Money, MoneyError
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.labels import LABELS as NAMES
from contactless.web.params import Page
from contactless.web.templating import render

console_router = APIRouter(prefix="/console", include_in_schema=False)
mobile_router = APIRouter(prefix="/m", include_in_schema=False)

INSTRUCTIONS = {
    "renew_all": N_("Renew principal and interest"),
    "renew_principal": N_("Renew principal, pay out interest"),
    "payout": N_("Pay out to the demand account"),
}
# codes of the books shown to people, with the English message id of each
LABELS = {
    "card_payment": N_("Card payment"), "cash_deposit": N_("Cash deposit"),
    "cash_withdrawal": N_("Cash withdrawal"), "deposit_matured": N_("Deposit matured"),
    "deposit_withdrawn_early": N_("Deposit withdrawn early"),
    "deposit_placed": N_("Deposit placed"), "inbound_transfer": N_("Transfer in"),
    "loan_disbursed": N_("Loan disbursed"), "loan_instalment": N_("Loan instalment"),
    "loan_prepayment": N_("Early repayment"), "outbound_return": N_("Transfer returned"),
    "outbound_transfer": N_("Transfer to another bank"), "transfer": N_("Transfer"),
    "wealth_maturity": N_("Wealth product matured"),
    "wealth_redemption": N_("Wealth redemption"),
    "wealth_subscription": N_("Wealth subscription"),
    "interest_settlement": N_("Interest settlement"), "account_closed": N_("Account closed"),
    "deposit_partially_withdrawn": N_("Deposit partly withdrawn"),
    "time_deposit_placed": N_("Deposit placed"), "cd_deposit_placed": N_("Deposit placed"),
    "active": N_("In use"), "frozen": N_("Frozen"), "closed": N_("Closed"),
    "booked": N_("Booked"), "paid_off": N_("paid off"), "due": N_("To be repaid"),
    "paid": N_("Repaid"), "cancelled": N_("Cancelled"), "equal_instalment": N_("equal instalments"),
    "equal_principal": N_("equal principal"),
}


def _books(session: DbSession, actor: Actor, customer_id: uuid.UUID) -> dict[str, Any]:
    return {
        "accounts": corebank.accounts_of_customer(session, actor, customer_id=customer_id),
        "deposits": corebank.deposits_of_customer(session, actor, customer_id=customer_id),
        "holdings": corebank.holdings_of_customer(session, actor, customer_id=customer_id),
        "loans": corebank.loans_of_customer(session, actor, customer_id=customer_id),
        "labels": LABELS,
    }


@console_router.get("/customers/{customer_id}")
def customer_page(request: Request, session: DbSession, actor: CurrentStaff,
                  customer_id: uuid.UUID, error: str | None = None,
                  status: int = 200, notice: str | None = None) -> Response:
    """The customer's profile (masked) and books, for staff whose scope includes them."""
    customer = customers.get_customer(session, actor, customer_id=customer_id)
    gettext = gettext_for(locale_of(request))
    return render(request, "corebank/customer.html", {
        "customer": customer, **_books(session, actor, customer_id), "error": error,
        "notice": notice,
        "masked": corebank.masked_number, "may_360": may(actor, Operation.PROFILE_READ),
        "instruction_of": lambda deposit: _instruction(gettext, deposit)}, status=status)


def _refused(request: Request, session: DbSession, actor: Actor, customer_id: uuid.UUID,
             error: ContactlessError) -> Response:
    """The page again with the refusal in the staff member's language (nothing was posted)."""
    message = gettext_for(locale_of(request))(error.message)
    return customer_page(request, session, actor, customer_id, error=message,
                         status=error.status)


@console_router.post("/customers/{customer_id}/deposits/{deposit_id}/partial-withdrawal",
                     dependencies=[CsrfChecked])
def partial_withdrawal(request: Request, session: DbSession, actor: CurrentStaff,
                       customer_id: uuid.UUID, deposit_id: uuid.UUID,
                       amount: Annotated[str, Form(max_length=24)],
                       key: Annotated[str, Form(min_length=8, max_length=64)]) -> Response:
    """部分提前支取 at the counter, for the customer present (the form's key: once)."""
    try:
        money = Money.of(amount.strip(), "CNY")
    except MoneyError:
        return _refused(request, session, actor, customer_id, MoneyError(
            "the amount is in yuan with at most two decimals, such as 2000.00"))
    try:
        corebank.withdraw_deposit_partially(session, actor, idempotency_key=key,
                                            deposit_id=deposit_id, amount=money)
    except ContactlessError as error:
        return _refused(request, session, actor, customer_id, error)
    return RedirectResponse(f"/console/customers/{customer_id}", status_code=303)


@console_router.post("/customers/{customer_id}/accounts/{account_id}/closure",
                     dependencies=[CsrfChecked])
def close_account(request: Request, session: DbSession, actor: CurrentStaff,
                  customer_id: uuid.UUID, account_id: uuid.UUID,
                  key: Annotated[str, Form(min_length=8, max_length=64)],
                  target: Annotated[str, Form(max_length=40)] = "") -> Response:
    """销户 at the counter: the balance moves to the customer's account chosen."""
    try:
        done = corebank.close_account(
            session, actor, idempotency_key=key, account_id=account_id,
            transfer_to_account_id=uuid.UUID(target) if target else None)
    except (ContactlessError, ValueError) as error:
        if not isinstance(error, ContactlessError):
            error = ContactlessError("choose an account", status=422, code="invalid_target")
        return _refused(request, session, actor, customer_id, error)
    if isinstance(done, ApprovalView):  # four eyes: a branch manager closes it by approving
        notice = gettext_for(locale_of(request))(
            "The closing waits for a branch manager's approval.")
        return customer_page(request, session, actor, customer_id, notice=notice)
    return RedirectResponse(f"/console/customers/{customer_id}", status_code=303)


@console_router.get("/books")
def books_page(request: Request, session: DbSession, actor: CurrentStaff) -> Response:
    """The last closed business day (日终) with its trial balance, and today's."""
    return render(request, "corebank/books.html", {
        "closed": corebank.last_closed_day(session, actor),
        "current": corebank.trial_balance(session, actor)})


@console_router.get("/accounts/{account_id}/number")
def account_number(session: DbSession, actor: CurrentStaff, account_id: uuid.UUID) -> Response:
    """The whole number in place of the masked one (a click on the customer page; audited)."""
    number = corebank.reveal_account_number(session, actor, account_id=account_id)
    return HTMLResponse(html.escape(number), headers={"Cache-Control": "no-store"})


@console_router.get("/accounts/{account_id}")
def account_page(request: Request, session: DbSession, actor: CurrentStaff,
                 account_id: uuid.UUID, page: Page = 1) -> Response:
    """One account's statement with running balances, paged."""
    account = corebank.get_account(session, actor, account_id=account_id)
    history = corebank.account_history(session, actor, account_id=account_id, page=page,
                                       page_size=25)
    return render(request, "corebank/account.html",
                  {"account": account, "history": history, "labels": LABELS})


TERM_NAMES = NAMES["product_detail"]


def _term(gettext: Any, term: str) -> str:
    """A deposit's term as people say it ("3个月", not "3m")."""
    return str(gettext(TERM_NAMES.get(term, term)))


def _instruction(gettext: Any, deposit: DepositView) -> str:
    """What happens at maturity, with the renewal's term when it is not the deposit's own."""
    text = gettext(INSTRUCTIONS.get(deposit.instruction, deposit.instruction))
    if deposit.renewal_term:
        text += " · " + gettext("into {term}").format(term=_term(gettext, deposit.renewal_term))
    return str(text)


def _deposit_item(gettext: Any, deposit: DepositView) -> dict[str, Any]:
    return {
        "title": gettext("Large CD") if deposit.product == "cd" else gettext("Time deposit"),
        "amount": str(deposit.principal),
        "lines": [
            gettext("Term {term}, rate {rate}%").format(
                term=_term(gettext, deposit.term), rate=f"{deposit.annual_rate * 100:.2f}"),
            gettext("Matures on {day}").format(day=deposit.maturity_date.isoformat()),
            gettext("At maturity: {instruction}").format(
                instruction=_instruction(gettext, deposit)),
            gettext("Interest at maturity: {interest}").format(
                interest=str(deposit.interest_at_maturity)),
        ],
        "testid": "deposit",
        "product_id": f"{deposit.product}:{deposit.term}", "product_kind": "time_deposit",
    }


def _holding_item(gettext: Any, holding: HoldingView) -> dict[str, Any]:
    lines = [gettext("{units} units, risk {risk}").format(units=holding.units,
                                                          risk=holding.risk_level)]
    if holding.maturity_date:
        lines.append(gettext("Matures on {day}").format(day=holding.maturity_date.isoformat()))
    if holding.pending_orders:
        lines.append(gettext("{n} orders being confirmed").format(n=len(holding.pending_orders)))
    value = holding.market_value or holding.cost
    return {"title": holding.product_name, "amount": str(value), "lines": lines,
            "testid": "holding", "product_id": holding.product_code, "product_kind": "wealth"}


def _loan_item(gettext: Any, loan: LoanView) -> dict[str, Any]:
    upcoming = next((i for i in loan.schedule if i.status not in ("paid",)), None)
    lines = [gettext("Outstanding {amount}").format(amount=str(loan.outstanding))]
    if upcoming:
        lines.append(gettext("Next instalment {amount} on {day}").format(
            amount=str(upcoming.total), day=upcoming.due_date.isoformat()))
    return {"title": gettext("Loan"), "amount": str(loan.principal), "lines": lines,
            "testid": "loan", "href": f"/m/loans/{loan.id}"}


@mobile_router.get("/products")
def my_products(request: Request, session: DbSession, actor: CurrentCustomer) -> Response:
    gettext = gettext_for(locale_of(request))
    customer_id = uuid.UUID(actor.id)
    customer = customers.get_customer(session, actor, customer_id=customer_id)
    books = _books(session, actor, customer_id)
    sections = []
    if books["accounts"]:
        sections.append({"title": gettext("Accounts"), "items": [
            {"title": gettext("Class {n} account {number}").format(
                n="I" if a.account_class == 1 else "II", number=a.number[-4:]),
             "amount": str(a.balance), "lines": [], "testid": "account",
             "href": f"/m/accounts/{a.id}"}
            for a in books["accounts"] if a.status != "closed"]})
    if books["deposits"]:
        sections.append({"title": gettext("Deposits"),
                         "items": [_deposit_item(gettext, d) for d in books["deposits"]]})
    if books["holdings"]:
        sections.append({"title": gettext("Wealth products"),
                         "items": [_holding_item(gettext, h) for h in books["holdings"]]})
    if books["loans"]:
        sections.append({"title": gettext("Loans"),
                         "items": [_loan_item(gettext, loan) for loan in books["loans"]]})
    return render(request, "m/products.html", {"customer": customer, "sections": sections})
