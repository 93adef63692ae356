"""Core-banking JSON API (/api/v1/corebank) for staff and for customers' own accounts.

Every money-moving or state-changing call takes an ``Idempotency-Key`` header: a replay returns
the first result and posts nothing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contactless.corebank import schemas
from contactless.corebank import service as corebank
from contactless.corebank.bodies import (
    AccountOpen,
    Amount,
    CloseAccountIn,
    DeferIn,
    DepositIn,
    InstructionIn,
    LoanIn,
    OutboundIn,
    PartialWithdrawalIn,
    PrepayIn,
    ReasonIn,
    TransferIn,
    WealthBuyIn,
    WealthRedeemIn,
)
from contactless.corebank.constants import (
    DEMAND_TERM,
    RateProduct,
    RepaymentMethod,
    Term,
)
from contactless.corebank.errors import JourneyRequired, RateNotFound
from contactless.customers.web import CurrentActor
from contactless.identity.approvals import ApprovalView
from contactless.identity.errors import HeldForApproval
from contactless.identity.permissions import Operation, allows
from contactless.identity.web import CurrentStaff
from contactless.platform import guard
from contactless.platform.clock import bank_today
from contactless.platform.context import Actor
from contactless.platform.errors import ValidationFailed
from contactless.web.deps import DbSession, IdempotencyKey, KernelDep
from contactless.web.errors import problem_response
from contactless.web.params import Page

router = APIRouter(prefix="/api/v1/corebank", tags=["corebank"])


def staff_for_money(actor: CurrentActor) -> Actor:
    """The core's write routes are the bank's counter: staff only. A customer moves money
    through a journey (``/api/v1/journeys``), where suitability, consents and the risk check
    run before the core is called."""
    if actor.kind != "staff":
        raise JourneyRequired("customers move money through a journey: /api/v1/journeys")
    return actor


StaffForMoney = Annotated[Actor, Depends(staff_for_money)]


HELD: dict[int | str, dict[str, Any]] = {
    403: {"description": "`four_eyes_required`: held for a second person (four eyes); nothing "
                         "was executed, and the body's `approval` is the pending item a branch "
                         "manager decides at /api/v1/approvals. Also `role_not_allowed`, "
                         "`out_of_scope`."}}


def held_or(result: Any, request: Request) -> Any:
    """The operation's result, or 403 ``four_eyes_required`` with the pending approval when
    four eyes held it (the item is kept: the refusal is only of doing it alone)."""
    if isinstance(result, ApprovalView):
        return problem_response(request, HeldForApproval(
            "this needs a second person: it waits for approval {approval_id}",
            approval_id=str(result.id), approval=result.model_dump(mode="json")))
    return result


SCREENED = {
    "transfer": Operation.TRANSFER, "outbound_transfer": Operation.OUTBOUND_SEND,
    "outbound_settlement": Operation.OUTBOUND_SETTLE,
    "outbound_return": Operation.OUTBOUND_RETURN, "deposit_placement": Operation.DEPOSIT_PLACE,
    "deposit_early_withdrawal": Operation.DEPOSIT_WITHDRAW_EARLY,
    "deposit_partial_withdrawal": Operation.DEPOSIT_WITHDRAW_EARLY,
    "account_closure": Operation.ACCOUNT_CLOSE, "wealth_purchase": Operation.WEALTH_BUY,
    "wealth_redemption": Operation.WEALTH_REDEEM, "loan_booking": Operation.LOAN_BOOK,
    "loan_disbursement": Operation.LOAN_DISBURSE, "loan_repayment": Operation.LOAN_REPAY,
    "loan_prepayment": Operation.LOAN_REPAY,
}


def screened(session: DbSession, actor: Actor, key: str, kind: str, *,
             account: uuid.UUID | None = None, amount: Amount | None = None,
             payee: str | None = None) -> None:
    """The risk check, before anything is posted: a block answers ``risk_blocked`` and a
    review ``risk_review_required`` (a case for an analyst); either way nothing moves. A role
    the permission table refuses is left to the service's refusal, unassessed."""
    if not any(allows(role, SCREENED[kind]) for role in {actor.role, *actor.extra_roles}):
        return
    money = amount.money() if amount else None  # an amount the core refuses is refused here
    if money is not None and money.amount <= 0:
        return  # the core refuses it as it always did: nothing to assess
    guard.check(session, actor, guard.Guarded(
        kind=kind, channel=actor.channel, account=account,
        amount=money.amount if money else None,
        currency=amount.currency if amount else None, payee=payee,
        attributes={"idempotency_key": key}))


def _decimal(value: str, field: str) -> Decimal:
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise ValidationFailed("{field} must be a decimal number",
                               field=field, code="invalid_number") from exc
    if not result.is_finite():
        raise ValidationFailed("{field} must be a decimal number",
                               field=field, code="invalid_number")
    return result


# staff name the customer; a customer may leave it out (their own), which a schema cannot say
# per caller: it is documented required, what staff must send
CustomerId = Annotated[uuid.UUID | None, Query(
    description="the customer (required for staff; a customer may leave it out: their own)",
    json_schema_extra={"x-required": True})]


def _customer_of(actor: Actor, customer_id: uuid.UUID | None) -> uuid.UUID:
    if customer_id is not None:
        return customer_id
    if actor.kind == "customer":
        return uuid.UUID(actor.id)
    raise ValidationFailed("give customer_id", code="customer_id_required")


# ---- reads ---------------------------------------------------------------------------------


@router.get("/accounts", response_model=list[schemas.AccountView])
def list_accounts(session: DbSession, actor: CurrentActor,
                  customer_id: CustomerId = None) -> Any:
    """A customer's demand accounts (customers: their own; staff: `customer_id` in scope)."""
    return corebank.accounts_of_customer(session, actor,
                                         customer_id=_customer_of(actor, customer_id))


@router.get("/accounts/{account_id}", response_model=schemas.AccountView)
def get_account(account_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> Any:
    return corebank.get_account(session, actor, account_id=account_id)


@router.get("/accounts/{account_id}/history", response_model=schemas.HistoryPage)
def account_history(account_id: uuid.UUID, session: DbSession, actor: CurrentActor,
                    page: Page = 1,
                    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
                    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", json_schema_extra={
                        "pattern": r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"})] = None
                    ) -> Any:
    """A statement page, newest first, with the running balance after each line and the
    other side masked; ``month`` (YYYY-MM) keeps one month."""
    return corebank.account_history(session, actor, account_id=account_id, page=page,
                                    page_size=page_size, month=_month(month))


def _month(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise ValidationFailed("month is YYYY-MM", code="invalid_month") from exc


@router.get("/deposits", response_model=list[schemas.DepositView])
def list_deposits(session: DbSession, actor: CurrentActor, customer_id: CustomerId = None,
                  active_only: bool = True) -> Any:
    return corebank.deposits_of_customer(session, actor,
                                         customer_id=_customer_of(actor, customer_id),
                                         active_only=active_only)


@router.get("/holdings", response_model=list[schemas.HoldingView])
def list_holdings(session: DbSession, actor: CurrentActor,
                  customer_id: CustomerId = None) -> Any:
    return corebank.holdings_of_customer(session, actor,
                                         customer_id=_customer_of(actor, customer_id))


@router.get("/loans", response_model=list[schemas.LoanView])
def list_loans(session: DbSession, actor: CurrentActor,
               customer_id: CustomerId = None) -> Any:
    return corebank.loans_of_customer(session, actor, customer_id=_customer_of(actor, customer_id))


@router.get("/wealth-products", response_model=list[schemas.WealthProductView])
def wealth_products(session: DbSession, actor: CurrentActor) -> Any:
    del actor
    return corebank.list_wealth_products(session)


RATE_TERMS = [DEMAND_TERM, *(term.value for term in Term)]


@router.get("/rates/{product}/{term}")
def deposit_rate(product: RateProduct, session: DbSession, kernel: KernelDep,
                 actor: CurrentActor,
                 term: Annotated[str, Path(json_schema_extra={"enum": RATE_TERMS})]
                 ) -> dict[str, str]:
    """The annual rate effective today (a fraction: 0.0135 is 1.35%). Demand rates have the
    term ``none``, time and CD rates one of the deposit terms; another pair is no rate (404)."""
    del actor
    if term in RATE_TERMS and (term == DEMAND_TERM) != (product is RateProduct.DEMAND):
        raise RateNotFound("no {product} rate for the term {term}", product=product.value,
                           term=term)
    rate = corebank.current_rate(session, product=product, term=term,
                                 on=bank_today(kernel.settings))
    return {"product": product.value, "term": term, "annual_rate": str(rate)}


@router.get("/trial-balance", response_model=schemas.TrialBalance)
def trial_balance(session: DbSession, actor: CurrentStaff) -> Any:
    return corebank.trial_balance(session, actor)


# ---- writes -------------------------------------------------------------------------------------


@router.post("/accounts", response_model=schemas.AccountView, status_code=201)
def open_account(body: AccountOpen, session: DbSession, actor: StaffForMoney,
                 key: IdempotencyKey) -> Any:
    return corebank.open_account(session, actor, idempotency_key=key,
                                 customer_id=body.customer_id, account_class=body.account_class,
                                 currency=body.currency, bound_account_id=body.bound_account_id,
                                 bound_external_account=body.bound_external_account)


@router.post("/accounts/{account_id}/freeze", response_model=schemas.AccountView)
def freeze(account_id: uuid.UUID, body: ReasonIn, session: DbSession, actor: StaffForMoney,
           key: IdempotencyKey) -> Any:
    return corebank.freeze_account(session, actor, idempotency_key=key, account_id=account_id,
                                   reason=body.reason)


@router.post("/accounts/{account_id}/unfreeze", response_model=schemas.AccountView, responses=HELD)
def unfreeze(request: Request, account_id: uuid.UUID, session: DbSession, actor: StaffForMoney,
             key: IdempotencyKey) -> Any:
    return held_or(corebank.unfreeze_account(session, actor, idempotency_key=key,
                                             account_id=account_id), request)


@router.post("/transfers", response_model=schemas.TransferResult, status_code=201, responses=HELD)
def transfer(request: Request, body: TransferIn, session: DbSession, actor: StaffForMoney,
             key: IdempotencyKey) -> Any:
    """Between two accounts of this bank."""
    screened(session, actor, key, "transfer", account=body.source_account_id,
             amount=body.amount, payee=f"acct:{body.target_account_id}")
    return held_or(corebank.transfer(session, actor, idempotency_key=key,
                                     source_account_id=body.source_account_id,
                                     target_account_id=body.target_account_id,
                                     amount=body.amount.money(), memo=body.memo), request)


@router.post("/outbound-transfers", response_model=schemas.OutboundTransferView, status_code=201,
             responses=HELD)
def outbound(request: Request, body: OutboundIn, session: DbSession, actor: StaffForMoney,
             key: IdempotencyKey) -> Any:
    """To another bank through the clearing account; pending until settled or returned."""
    screened(session, actor, key, "outbound_transfer", account=body.source_account_id,
             amount=body.amount, payee=f"{body.bank_code}/{body.external_account}")
    return held_or(corebank.send_outbound_transfer(session, actor, idempotency_key=key,
                                                   source_account_id=body.source_account_id,
                                                   bank_code=body.bank_code,
                                                   external_account=body.external_account,
                                                   amount=body.amount.money(), memo=body.memo),
                   request)


@router.post("/outbound-transfers/{transfer_id}/settle",
             response_model=schemas.OutboundTransferView)
def settle(transfer_id: uuid.UUID, session: DbSession, actor: StaffForMoney,
           key: IdempotencyKey) -> Any:
    screened(session, actor, key, "outbound_settlement", payee=f"outbound:{transfer_id}")
    return corebank.settle_outbound_transfer(session, actor, idempotency_key=key,
                                             transfer_id=transfer_id)


@router.post("/outbound-transfers/{transfer_id}/return",
             response_model=schemas.OutboundTransferView, responses=HELD)
def return_transfer(request: Request, transfer_id: uuid.UUID, body: ReasonIn, session: DbSession,
                    actor: StaffForMoney, key: IdempotencyKey) -> Any:
    """The other bank sent the money back: the customer is credited again."""
    screened(session, actor, key, "outbound_return", payee=f"outbound:{transfer_id}")
    return held_or(corebank.return_outbound_transfer(session, actor, idempotency_key=key,
                                                     transfer_id=transfer_id, reason=body.reason),
                   request)


@router.post("/deposits", response_model=schemas.DepositView, status_code=201)
def place_deposit(body: DepositIn, session: DbSession, actor: StaffForMoney,
                  key: IdempotencyKey) -> Any:
    screened(session, actor, key, "deposit_placement", account=body.source_account_id,
             amount=body.amount, payee=f"product:{body.product.value}")
    return corebank.place_deposit(session, actor, idempotency_key=key,
                                  source_account_id=body.source_account_id, product=body.product,
                                  term=body.term, amount=body.amount.money(),
                                  instruction=body.instruction)


@router.put("/deposits/{deposit_id}/instruction", response_model=schemas.DepositView)
def change_instruction(deposit_id: uuid.UUID, body: InstructionIn, session: DbSession,
                       actor: StaffForMoney, key: IdempotencyKey) -> Any:
    return corebank.change_maturity_instruction(session, actor, idempotency_key=key,
                                                deposit_id=deposit_id,
                                                instruction=body.instruction,
                                                renewal_term=body.renewal_term)


@router.post("/deposits/{deposit_id}/early-withdrawal", response_model=schemas.DepositSettlement)
def withdraw_early(deposit_id: uuid.UUID, session: DbSession, actor: StaffForMoney,
                   key: IdempotencyKey) -> Any:
    screened(session, actor, key, "deposit_early_withdrawal", payee=f"deposit:{deposit_id}")
    return corebank.withdraw_deposit_early(session, actor, idempotency_key=key,
                                           deposit_id=deposit_id)


@router.post("/deposits/{deposit_id}/partial-withdrawal",
             response_model=schemas.DepositSettlement)
def withdraw_partially(deposit_id: uuid.UUID, body: PartialWithdrawalIn, session: DbSession,
                       actor: StaffForMoney, key: IdempotencyKey) -> Any:
    """部分提前支取 (once per deposit): the amount earns the demand rate for the days held;
    the rest keeps its rate, term and maturity."""
    screened(session, actor, key, "deposit_partial_withdrawal", amount=body.amount,
             payee=f"deposit:{deposit_id}")
    return corebank.withdraw_deposit_partially(session, actor, idempotency_key=key,
                                               deposit_id=deposit_id,
                                               amount=body.amount.money())


@router.post("/accounts/{account_id}/closure", response_model=schemas.AccountClosure)
def close_account(request: Request, account_id: uuid.UUID, body: CloseAccountIn,
                  session: DbSession, actor: StaffForMoney, key: IdempotencyKey) -> Any:
    """销户: interest settled to the day before, the balance moved to another of the
    customer's accounts (customers close their Class II accounts through the journey). Staff
    close with four eyes: 403 ``four_eyes_required`` with the pending approval, which a branch
    manager approves."""
    screened(session, actor, key, "account_closure", account=account_id,
             payee=f"acct:{body.transfer_to_account_id}" if body.transfer_to_account_id else None)
    return held_or(corebank.close_account(session, actor, idempotency_key=key,
                                          account_id=account_id,
                                          transfer_to_account_id=body.transfer_to_account_id),
                   request)


@router.get("/closed-days/last", response_model=schemas.ClosedDay | None)
def last_closed_day(session: DbSession, actor: CurrentStaff) -> Any:
    """The last closed business day with its trial balance and general ledger."""
    return corebank.last_closed_day(session, actor)


@router.post("/wealth-orders", response_model=schemas.WealthOrderView, status_code=201)
def buy_wealth(body: WealthBuyIn, session: DbSession, actor: StaffForMoney,
               key: IdempotencyKey) -> Any:
    screened(session, actor, key, "wealth_purchase", account=body.source_account_id,
             amount=body.amount, payee=f"wealth:{body.product_id}")
    return corebank.buy_wealth(session, actor, idempotency_key=key,
                               source_account_id=body.source_account_id,
                               product_id=body.product_id, amount=body.amount.money())


@router.post("/wealth-redemptions", response_model=schemas.WealthOrderView, status_code=201)
def redeem_wealth(body: WealthRedeemIn, session: DbSession, actor: StaffForMoney,
                  key: IdempotencyKey) -> Any:
    screened(session, actor, key, "wealth_redemption", payee=f"holding:{body.holding_id}")
    return corebank.redeem_wealth(session, actor, idempotency_key=key, holding_id=body.holding_id,
                                  units=_decimal(body.units, "units"))


@router.post("/loans", response_model=schemas.LoanView, status_code=201, responses=HELD)
def book_loan(request: Request, body: LoanIn, session: DbSession, actor: StaffForMoney,
              key: IdempotencyKey) -> Any:
    screened(session, actor, key, "loan_booking", account=body.demand_account_id,
             amount=body.principal, payee=f"loan_for:{body.customer_id}")
    try:
        method = RepaymentMethod(body.method)
    except ValueError as exc:
        raise ValidationFailed("unknown repayment method", code="invalid_method") from exc
    return held_or(corebank.book_loan(session, actor, idempotency_key=key,
                                      customer_id=body.customer_id,
                                      demand_account_id=body.demand_account_id,
                                      principal=body.principal.money(),
                                      annual_rate=_decimal(body.annual_rate, "annual_rate"),
                                      term_months=body.term_months, method=method), request)


@router.post("/loans/{loan_id}/disbursement", response_model=schemas.LoanView, responses=HELD)
def disburse(request: Request, loan_id: uuid.UUID, session: DbSession, actor: StaffForMoney,
             key: IdempotencyKey) -> Any:
    screened(session, actor, key, "loan_disbursement", payee=f"loan:{loan_id}")
    return held_or(corebank.disburse_loan(session, actor, idempotency_key=key, loan_id=loan_id),
                   request)


@router.post("/loans/{loan_id}/repayments", response_model=schemas.LoanRepayment)
def repay(loan_id: uuid.UUID, session: DbSession, actor: StaffForMoney,
          key: IdempotencyKey) -> Any:
    """Pay the next instalment due from the linked demand account."""
    screened(session, actor, key, "loan_repayment", payee=f"loan:{loan_id}")
    return corebank.repay_instalment(session, actor, idempotency_key=key, loan_id=loan_id)


@router.post("/loans/{loan_id}/prepayments", response_model=schemas.LoanRepayment)
def prepay(loan_id: uuid.UUID, body: PrepayIn, session: DbSession, actor: StaffForMoney,
           key: IdempotencyKey) -> Any:
    screened(session, actor, key, "loan_prepayment", amount=body.amount,
             payee=f"loan:{loan_id}")
    return corebank.prepay_loan(session, actor, idempotency_key=key, loan_id=loan_id,
                                amount=body.amount.money())


@router.post("/loans/{loan_id}/deferrals", response_model=schemas.LoanView)
def defer(loan_id: uuid.UUID, body: DeferIn, session: DbSession, actor: StaffForMoney,
          key: IdempotencyKey) -> Any:
    """延期还款: shift the remaining schedule by N months."""
    return corebank.defer_loan(session, actor, idempotency_key=key, loan_id=loan_id,
                               months=body.months)


