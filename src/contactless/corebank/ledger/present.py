"""Rows to the port's result models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contactless.corebank.constants import DepositStatus
from contactless.corebank.interest import simple_interest
from contactless.corebank.ledger.books import natural_balance
from contactless.corebank.ledger.rows import Account
from contactless.corebank.models import (
    LedgerAccount,
    Loan,
    LoanInstalment,
    OutboundTransfer,
    TimeDeposit,
    WealthOrder,
    WealthProduct,
)
from contactless.corebank.schemas import (
    AccountView,
    DepositView,
    InstalmentView,
    LoanView,
    OutboundTransferView,
    WealthOrderView,
    WealthProductView,
)
from contactless.platform.money import Money, round_to_currency


def money(value: Decimal, currency: str) -> Money:
    return Money(round_to_currency(value, currency), currency)


def mask_external(number: str) -> str:
    """Another bank's account number shown as its last four digits."""
    return f"****{number[-4:]}" if len(number) > 4 else "****"


def account_view(account: Account) -> AccountView:
    return AccountView(
        id=account.id,
        number=account.number,
        kind=account.kind,
        currency=account.currency,
        customer_id=account.customer_id,
        account_class=account.account_class,
        status=account.status,
        balance=money(natural_balance(account), account.currency),
        bound_account_id=account.bound_account_id,
        bound_external_account=(
            mask_external(account.bound_external_account)
            if account.bound_external_account else None
        ),
        opened_on=account.opened_on,
        closed_on=account.closed_on,
    )


def deposit_interest(deposit: TimeDeposit) -> Decimal:
    days = (deposit.maturity_date - deposit.start_date).days
    return simple_interest(deposit.principal, deposit.annual_rate, days)


def deposit_view(deposit: TimeDeposit) -> DepositView:
    interest = (
        deposit.interest_paid
        if deposit.status != DepositStatus.ACTIVE and deposit.interest_paid is not None
        else deposit_interest(deposit)
    )
    return DepositView(
        id=deposit.id,
        account_id=deposit.account_id,
        customer_id=deposit.customer_id,
        demand_account_id=deposit.demand_account_id,
        product=deposit.product,
        term=deposit.term,
        principal=money(deposit.principal, deposit.currency),
        annual_rate=deposit.annual_rate,
        start_date=deposit.start_date,
        maturity_date=deposit.maturity_date,
        instruction=deposit.instruction,
        renewal_term=deposit.renewal_term,
        interest_at_maturity=money(interest, deposit.currency),
        status=deposit.status,
        renewed_from_id=deposit.renewed_from_id,
        closed_on=deposit.closed_on,
        interest_paid=(
            money(deposit.interest_paid, deposit.currency)
            if deposit.interest_paid is not None else None
        ),
        partial_withdrawn=(money(deposit.partial_withdrawn, deposit.currency)
                           if deposit.partial_withdrawn is not None else None),
        partial_withdrawn_on=deposit.partial_withdrawn_on,
        partial_interest=(money(deposit.partial_interest, deposit.currency)
                          if deposit.partial_interest is not None else None),
    )


def outbound_view(transfer: OutboundTransfer) -> OutboundTransferView:
    return OutboundTransferView(
        id=transfer.id,
        source_account_id=transfer.source_account_id,
        bank_code=transfer.bank_code,
        external_account=mask_external(transfer.external_account),
        amount=money(transfer.amount, transfer.currency),
        status=transfer.status,
        entry_id=transfer.entry_id,
        return_entry_id=transfer.return_entry_id,
        settled_on=transfer.settled_on,
        created_at=transfer.created_at,
    )


def product_view(product: WealthProduct, latest: tuple[Decimal, date] | None
                 ) -> WealthProductView:
    nav, nav_date = latest if latest else (None, None)
    return WealthProductView(
        id=product.id,
        code=product.code,
        name=product.name,
        risk_level=product.risk_level,
        currency=product.currency,
        min_purchase=money(product.min_purchase, product.currency),
        maturity_date=product.maturity_date,
        status=product.status,
        latest_nav=nav,
        latest_nav_date=nav_date,
    )


def order_view(order: WealthOrder) -> WealthOrderView:
    return WealthOrderView(
        id=order.id,
        kind=order.kind,
        product_id=order.product_id,
        holding_id=order.holding_id,
        demand_account_id=order.demand_account_id,
        amount=money(order.amount, order.currency) if order.amount is not None else None,
        units=order.units,
        nav=order.nav,
        trade_date=order.trade_date,
        settle_date=order.settle_date,
        status=order.status,
    )


def instalment_view(instalment: LoanInstalment, currency: str) -> InstalmentView:
    total = instalment.principal + instalment.interest + instalment.deferred_interest
    return InstalmentView(
        number=instalment.number,
        due_date=instalment.due_date,
        principal=money(instalment.principal, currency),
        interest=money(instalment.interest, currency),
        deferred_interest=money(instalment.deferred_interest, currency),
        total=money(total, currency),
        status=instalment.status,
        paid_on=instalment.paid_on,
    )


def loan_view(loan: Loan, account: LedgerAccount, schedule: list[LoanInstalment]) -> LoanView:
    return LoanView(
        id=loan.id,
        account_id=loan.account_id,
        customer_id=loan.customer_id,
        demand_account_id=loan.demand_account_id,
        principal=money(loan.principal, loan.currency),
        outstanding=money(natural_balance(account), loan.currency),
        annual_rate=loan.annual_rate,
        term_months=loan.term_months,
        method=loan.method,
        status=loan.status,
        booked_on=loan.booked_on,
        disbursed_on=loan.disbursed_on,
        deferred_months=loan.deferred_months,
        schedule=[instalment_view(row, loan.currency) for row in schedule],
    )
