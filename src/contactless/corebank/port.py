"""The core-banking port: everything the platform asks of a core banking system.

The embedded ledger (:class:`contactless.corebank.ledger.EmbeddedLedger`) implements it on the
platform's own database. A bank that runs its own core implements this Protocol (an adapter
over the core's API), returns the same result models, and names its factory in settings
(see docs/corebank.md). The service layer (:mod:`contactless.corebank.service`) wraps every
call with authorization, idempotency, audit and domain events, so an adapter does none of it.

Conventions: ``actor`` says who acts and through which channel; ``idempotency_key`` is the
caller's key (an adapter passes it on as the core's request serial number); ``on`` is the
business date, None meaning today in the bank's time zone (jobs, demo data and tests set it).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RateProduct,
    RepaymentMethod,
    RiskLevel,
    Term,
)
from contactless.corebank.schemas import (
    AccountClosure,
    AccountView,
    ClosedDay,
    ClosingQuote,
    DepositSettlement,
    DepositView,
    HistoryPage,
    HoldingView,
    LedgerEntryView,
    LoanRepayment,
    LoanView,
    MaturityReport,
    OutboundTransferView,
    PartialWithdrawalQuote,
    Posted,
    RateView,
    SettlementResult,
    TransferResult,
    TrialBalance,
    WealthOrderView,
    WealthProductView,
    WealthSettlementReport,
)
from contactless.platform.context import Actor
from contactless.platform.money import Money


@runtime_checkable
class CoreBankPort(Protocol):
    # -- demand accounts -----------------------------------------------------------------------

    def open_account(
        self, actor: Actor, *, idempotency_key: str, customer_id: uuid.UUID,
        account_class: int = 1, currency: str = "CNY",
        bound_account_id: uuid.UUID | None = None, bound_external_account: str | None = None,
        on: date | None = None,
    ) -> AccountView: ...

    def freeze_account(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                       reason: str) -> AccountView: ...

    def unfreeze_account(self, actor: Actor, *, idempotency_key: str,
                         account_id: uuid.UUID) -> AccountView: ...

    def close_account(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                      transfer_to_account_id: uuid.UUID | None = None,
                      on: date | None = None) -> AccountClosure: ...

    def quote_closing(self, *, account_id: uuid.UUID,
                      on: date | None = None) -> ClosingQuote: ...

    def check_closing(self, *, account_id: uuid.UUID,
                      transfer_to_account_id: uuid.UUID | None = None,
                      on: date | None = None) -> None: ...

    def deposit_cash(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                     amount: Money, memo: str = "", on: date | None = None) -> Posted: ...

    def withdraw_cash(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                      amount: Money, memo: str = "", on: date | None = None) -> Posted: ...

    def card_payment(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                     amount: Money, merchant: str, on: date | None = None) -> Posted: ...

    def receive_inbound_transfer(
        self, actor: Actor, *, idempotency_key: str, target_account_id: uuid.UUID,
        amount: Money, bank_code: str, external_account: str, memo: str = "",
        on: date | None = None,
    ) -> Posted: ...

    def hold_accounts(self, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
        """The owning customer of each account a transfer is about to post to (None for the
        bank's own accounts; the missing ones left out), for the caller's access check. The
        embedded ledger locks the accounts here, so the ``transfer`` that follows in the
        same transaction needs no statement of its own to read them; a port that locks
        inside ``transfer`` may simply read them."""
        ...

    def transfer(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        target_account_id: uuid.UUID, amount: Money, memo: str = "", on: date | None = None,
    ) -> TransferResult: ...

    def send_outbound_transfer(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        bank_code: str, external_account: str, amount: Money, memo: str = "",
        on: date | None = None,
    ) -> OutboundTransferView: ...

    def settle_outbound_transfer(self, actor: Actor, *, idempotency_key: str,
                                 transfer_id: uuid.UUID, on: date | None = None
                                 ) -> OutboundTransferView: ...

    def return_outbound_transfer(self, actor: Actor, *, idempotency_key: str,
                                 transfer_id: uuid.UUID, reason: str, on: date | None = None
                                 ) -> OutboundTransferView: ...

    # -- deposits ------------------------------------------------------------------------------

    def current_rate(self, *, product: RateProduct, term: str, currency: str,
                     on: date) -> Decimal: ...

    def set_deposit_rate(self, actor: Actor, *, idempotency_key: str, product: RateProduct,
                         term: str, currency: str, annual_rate: Decimal,
                         effective_from: date) -> RateView: ...

    def place_deposit(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        product: DepositProduct, term: Term, amount: Money,
        instruction: MaturityInstruction = MaturityInstruction.PAYOUT, on: date | None = None,
    ) -> DepositView: ...

    def change_maturity_instruction(
        self, actor: Actor, *, idempotency_key: str, deposit_id: uuid.UUID,
        instruction: MaturityInstruction, renewal_term: Term | None = None,
        on: date | None = None,
    ) -> DepositView: ...

    def withdraw_deposit_early(self, actor: Actor, *, idempotency_key: str,
                               deposit_id: uuid.UUID, on: date | None = None
                               ) -> DepositSettlement: ...

    def quote_partial_withdrawal(self, *, deposit_id: uuid.UUID, amount: Money,
                                 on: date | None = None) -> PartialWithdrawalQuote: ...

    def withdraw_deposit_partially(self, actor: Actor, *, idempotency_key: str,
                                   deposit_id: uuid.UUID, amount: Money,
                                   on: date | None = None) -> DepositSettlement: ...

    def run_maturities(self, actor: Actor, *, on: date) -> MaturityReport: ...

    # -- interest settlement and the day close ------------------------------------------------

    def settle_interest(self, actor: Actor, *, settlement_date: date,
                        max_accounts: int | None = None) -> SettlementResult: ...

    def close_day(self, actor: Actor, *, business_date_to_close: date) -> ClosedDay: ...

    def last_closed_day(self) -> date | None: ...

    def get_closed_day(self, day: date | None = None) -> ClosedDay | None: ...

    # -- wealth --------------------------------------------------------------------------------

    def create_wealth_product(
        self, actor: Actor, *, idempotency_key: str, code: str, name: str, risk_level: RiskLevel,
        min_purchase: Money, maturity_date: date | None, initial_nav: Decimal, nav_date: date,
    ) -> WealthProductView: ...

    def publish_nav(self, actor: Actor, *, idempotency_key: str, product_id: uuid.UUID,
                    nav_date: date, nav: Decimal) -> WealthProductView: ...

    def buy_wealth(self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
                   product_id: uuid.UUID, amount: Money, on: date | None = None
                   ) -> WealthOrderView: ...

    def redeem_wealth(self, actor: Actor, *, idempotency_key: str, holding_id: uuid.UUID,
                      units: Decimal, on: date | None = None) -> WealthOrderView: ...

    def settle_wealth_orders(self, actor: Actor, *, on: date) -> WealthSettlementReport: ...

    # -- loans ---------------------------------------------------------------------------------

    def book_loan(
        self, actor: Actor, *, idempotency_key: str, customer_id: uuid.UUID,
        demand_account_id: uuid.UUID, principal: Money, annual_rate: Decimal, term_months: int,
        method: RepaymentMethod, on: date | None = None,
    ) -> LoanView: ...

    def disburse_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                      on: date | None = None) -> LoanView: ...

    def repay_instalment(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                         on: date | None = None) -> LoanRepayment: ...

    def prepay_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                    amount: Money, on: date | None = None) -> LoanRepayment: ...

    def defer_loan(self, actor: Actor, *, idempotency_key: str, loan_id: uuid.UUID,
                   months: int, on: date | None = None) -> LoanView: ...

    # -- reads ---------------------------------------------------------------------------------

    def get_account(self, account_id: uuid.UUID) -> AccountView: ...

    def accounts_of_customer(self, customer_id: uuid.UUID) -> list[AccountView]: ...

    def get_deposit(self, deposit_id: uuid.UUID) -> DepositView: ...

    def deposits_of_customer(self, customer_id: uuid.UUID, *,
                             active_only: bool = True) -> list[DepositView]: ...

    def get_holding(self, holding_id: uuid.UUID) -> HoldingView: ...

    def holdings_of_customer(self, customer_id: uuid.UUID) -> list[HoldingView]: ...

    def get_loan(self, loan_id: uuid.UUID) -> LoanView: ...

    def loans_of_customer(self, customer_id: uuid.UUID) -> list[LoanView]: ...

    def get_outbound_transfer(self, transfer_id: uuid.UUID) -> OutboundTransferView: ...

    def get_wealth_product(self, product_id: uuid.UUID) -> WealthProductView: ...

    def get_wealth_order(self, order_id: uuid.UUID) -> WealthOrderView: ...

    def entries_for(self, reference_type: str,
                    reference_id: uuid.UUID) -> list[LedgerEntryView]:
        """The entries posted for one contract: ``reference_type`` is "deposit",
        "wealth_order" or "loan" (an adapter maps them to the core's contract numbers)."""
        ...

    def list_wealth_products(self, *, open_only: bool = True) -> list[WealthProductView]: ...

    def account_history(self, account_id: uuid.UUID, *, page: int = 1,
                        page_size: int = 20, month: date | None = None) -> HistoryPage: ...

    def trial_balance(self) -> TrialBalance: ...


__all__ = ["CoreBankPort"]
