"""Demand accounts: opening, freezing, cash, transfers inside the bank and to other banks."""

from __future__ import annotations

import uuid
from datetime import date

from contactless.corebank.constants import (
    CLASS2_CURRENCY,
    AccountKind,
    AccountStatus,
    LimitDirection,
    OutboundStatus,
)
from contactless.corebank.errors import (
    AccountNotFound,
    BindingRequired,
    CustomerNotFound,
    InvalidAccountClass,
    SameAccount,
    TransferNotFound,
    TransferNotPending,
)
from contactless.corebank.ledger.books import (
    LedgerBase,
    account_number,
    check_amount,
    credit,
    debit,
    natural_balance,
)
from contactless.corebank.ledger.present import account_view, money, outbound_view
from contactless.corebank.models import LedgerAccount, OutboundTransfer
from contactless.corebank.schemas import AccountView, OutboundTransferView, Posted, TransferResult
from contactless.customers import service as customers
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.money import Money, check_currency


class AccountOps(LedgerBase):
    def open_account(
        self,
        actor: Actor,
        *,
        idempotency_key: str,
        customer_id: uuid.UUID,
        account_class: int = 1,
        currency: str = "CNY",
        bound_account_id: uuid.UUID | None = None,
        bound_external_account: str | None = None,
        on: date | None = None,
    ) -> AccountView:
        check_currency(currency)
        if account_class not in (1, 2):
            raise InvalidAccountClass("a demand account is Class I (1) or Class II (2)")
        if not customers.customer_exists(self.session, customer_id=customer_id):
            raise CustomerNotFound("no customer {customer_id}", customer_id=customer_id)
        if account_class == 2:
            if currency != CLASS2_CURRENCY:
                raise InvalidAccountClass("Class II accounts are opened in CNY only")
            self._check_binding(customer_id, bound_account_id, bound_external_account)
        elif bound_account_id or bound_external_account:
            raise InvalidAccountClass("only a Class II account is bound to another account")
        account_id = uuid.uuid4()
        account = LedgerAccount(
            id=account_id,
            number=account_number(AccountKind.DEMAND, account_id),
            kind=AccountKind.DEMAND.value,
            currency=currency,
            customer_id=customer_id,
            account_class=account_class,
            bound_account_id=bound_account_id,
            bound_external_account=bound_external_account,
            status=AccountStatus.ACTIVE.value,
            opened_on=self.value_date(on),
        )
        self.session.add(self.pin(account))
        return account_view(account)

    def _check_binding(self, customer_id: uuid.UUID, bound_account_id: uuid.UUID | None,
                       bound_external_account: str | None) -> None:
        if bound_account_id is None and not bound_external_account:
            raise BindingRequired(
                "a Class II account must be bound to a Class I account of the same customer"
            )
        if bound_account_id is not None:
            bound = self.session.get(LedgerAccount, bound_account_id)
            if bound is None:
                raise AccountNotFound("no account {bound_account_id}",
                                      bound_account_id=bound_account_id)
            if (bound.customer_id != customer_id or bound.kind != AccountKind.DEMAND
                    or bound.account_class != 1):
                raise BindingRequired("the bound account must be the customer's Class I account")

    def _set_status(self, account_id: uuid.UUID, status: AccountStatus,
                    reason: str | None) -> AccountView:
        account = self.lock_accounts([account_id])[account_id]
        self.require_kind(account, AccountKind.DEMAND)
        self.require_open(account)
        account.status = status.value
        account.frozen_reason = reason
        return account_view(account)

    def freeze_account(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                       reason: str) -> AccountView:
        return self._set_status(account_id, AccountStatus.FROZEN, reason[:200])

    def unfreeze_account(self, actor: Actor, *, idempotency_key: str,
                         account_id: uuid.UUID) -> AccountView:
        return self._set_status(account_id, AccountStatus.ACTIVE, None)

    # -- one customer account against an internal account ----------------------------------

    def _single(self, actor: Actor, *, kind: str, account_id: uuid.UUID, amount: Money,
                internal: AccountKind, money_in: bool, counts: bool, memo: str,
                idempotency_key: str, on: date | None) -> Posted:
        value = check_amount(amount)
        internal_id = self.internal_account_id(internal, amount.currency)
        accounts = self.lock_states([account_id, internal_id])
        account, bank = accounts[account_id], accounts[internal_id]
        self.require_kind(account, AccountKind.DEMAND)
        check_amount(amount, account.currency)
        day = self.value_date(on)
        direction = LimitDirection.IN if money_in else LimitDirection.OUT
        if money_in:
            self.require_open(account)
        else:
            self.check_debit(account, value)
        limit = self.check_class2(account, direction, value, day) if counts else None
        if money_in:
            lines = [debit(bank, value), credit(account, value, limit)]
        else:
            lines = [debit(account, value, limit), credit(bank, value)]
        entry = self.post(actor, kind=kind, lines=lines, value_date=day, memo=memo,
                          idempotency_key=idempotency_key, final=True)
        signed = value if money_in else -value
        return Posted(
            entry_id=entry.id,
            account_id=account.id,
            amount=money(signed, account.currency),
            balance_after=money(natural_balance(account), account.currency),
            value_date=day,
        )

    def deposit_cash(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                     amount: Money, memo: str = "", on: date | None = None) -> Posted:
        return self._single(actor, kind="cash_deposit", account_id=account_id, amount=amount,
                            internal=AccountKind.CASH, money_in=True, counts=True,
                            memo=memo or "cash deposit", idempotency_key=idempotency_key, on=on)

    def withdraw_cash(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                      amount: Money, memo: str = "", on: date | None = None) -> Posted:
        return self._single(actor, kind="cash_withdrawal", account_id=account_id,
                            amount=amount, internal=AccountKind.CASH, money_in=False,
                            counts=True, memo=memo or "cash withdrawal",
                            idempotency_key=idempotency_key, on=on)

    def card_payment(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                     amount: Money, merchant: str, on: date | None = None) -> Posted:
        return self._single(actor, kind="card_payment", account_id=account_id, amount=amount,
                            internal=AccountKind.CLEARING, money_in=False, counts=True,
                            memo=merchant, idempotency_key=idempotency_key, on=on)

    def receive_inbound_transfer(
        self, actor: Actor, *, idempotency_key: str, target_account_id: uuid.UUID,
        amount: Money, bank_code: str, external_account: str, memo: str = "",
        on: date | None = None,
    ) -> Posted:
        account = self.get_row(LedgerAccount, target_account_id, AccountNotFound)
        from_bound = bool(account.bound_external_account
                          and account.bound_external_account == external_account)
        return self._single(actor, kind="inbound_transfer", account_id=target_account_id,
                            amount=amount, internal=AccountKind.CLEARING, money_in=True,
                            counts=not from_bound, memo=memo or f"from {bank_code}",
                            idempotency_key=idempotency_key, on=on)

    # -- between two customers -------------------------------------------------------------

    def hold_accounts(self, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
        """The owners of the accounts a transfer is about to post to, for the caller's
        access check (accounts that do not exist left out), locked in id order: the transfer
        that follows in the same transaction reads them without another statement."""
        return {account_id: state.customer_id
                for account_id, state in self.hold_states(account_ids).items()}

    def transfer(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        target_account_id: uuid.UUID, amount: Money, memo: str = "", on: date | None = None,
    ) -> TransferResult:
        if source_account_id == target_account_id:
            raise SameAccount("source and target are the same account")
        value = check_amount(amount)
        accounts = self.lock_states([source_account_id, target_account_id])
        source, target = accounts[source_account_id], accounts[target_account_id]
        self.require_kind(source, AccountKind.DEMAND)
        self.require_kind(target, AccountKind.DEMAND)
        check_amount(amount, source.currency)
        check_amount(amount, target.currency)
        self.require_open(target)
        self.check_debit(source, value)
        day = self.value_date(on)
        bound = source.bound_account_id == target.id or target.bound_account_id == source.id
        out_limit = None if bound else self.check_class2(source, LimitDirection.OUT, value, day)
        in_limit = None if bound else self.check_class2(target, LimitDirection.IN, value, day)
        entry = self.post(
            actor, kind="transfer", value_date=day, memo=memo, idempotency_key=idempotency_key,
            lines=[debit(source, value, out_limit), credit(target, value, in_limit)],
            final=True,
        )
        return TransferResult(
            entry_id=entry.id,
            source_account_id=source.id,
            target_account_id=target.id,
            amount=money(value, source.currency),
            source_balance=money(natural_balance(source), source.currency),
            value_date=day,
            memo=memo,
        )

    # -- to another bank, through clearing ---------------------------------------------------

    def send_outbound_transfer(
        self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
        bank_code: str, external_account: str, amount: Money, memo: str = "",
        on: date | None = None,
    ) -> OutboundTransferView:
        value = check_amount(amount)
        clearing_id = self.internal_account_id(AccountKind.CLEARING, amount.currency)
        accounts = self.lock_accounts([source_account_id, clearing_id])
        source, clearing = accounts[source_account_id], accounts[clearing_id]
        self.require_kind(source, AccountKind.DEMAND)
        check_amount(amount, source.currency)
        self.check_debit(source, value)
        day = self.value_date(on)
        to_bound = bool(source.bound_external_account
                        and source.bound_external_account == external_account)
        limit = None if to_bound else self.check_class2(source, LimitDirection.OUT, value, day)
        transfer_id = uuid.uuid4()
        entry = self.post(
            actor, kind="outbound_transfer", value_date=day, memo=memo or f"to {bank_code}",
            idempotency_key=idempotency_key, reference=("outbound", transfer_id),
            lines=[debit(source, value, limit), credit(clearing, value)],
        )
        transfer = OutboundTransfer(
            id=transfer_id, source_account_id=source.id, bank_code=bank_code[:16],
            external_account=external_account[:40], amount=value, currency=source.currency,
            memo=memo[:200], status=OutboundStatus.PENDING.value, entry_id=entry.id,
            created_at=utcnow(),
        )
        self.session.add(transfer)
        return outbound_view(transfer)

    def _pending_outbound(self, transfer_id: uuid.UUID) -> OutboundTransfer:
        transfer = self.lock_row(OutboundTransfer, transfer_id, TransferNotFound)
        if transfer.status != OutboundStatus.PENDING:
            raise TransferNotPending("transfer {transfer_id} is {state}",
                                     transfer_id=transfer_id, state=transfer.status)
        return transfer

    def settle_outbound_transfer(self, actor: Actor, *, idempotency_key: str,
                                 transfer_id: uuid.UUID, on: date | None = None
                                 ) -> OutboundTransferView:
        transfer = self._pending_outbound(transfer_id)
        # the money already sits in clearing; settlement with the other bank happens through
        # the central bank's system, outside this ledger
        transfer.status = OutboundStatus.SETTLED.value
        transfer.settled_on = self.value_date(on)
        return outbound_view(transfer)

    def return_outbound_transfer(self, actor: Actor, *, idempotency_key: str,
                                 transfer_id: uuid.UUID, reason: str, on: date | None = None
                                 ) -> OutboundTransferView:
        transfer = self._pending_outbound(transfer_id)
        clearing_id = self.internal_account_id(AccountKind.CLEARING, transfer.currency)
        accounts = self.lock_accounts([transfer.source_account_id, clearing_id])
        source, clearing = accounts[transfer.source_account_id], accounts[clearing_id]
        day = self.value_date(on)
        entry = self.post(
            actor, kind="outbound_return", value_date=day, memo=f"returned: {reason}",
            idempotency_key=idempotency_key, reference=("outbound", transfer.id),
            lines=[debit(clearing, transfer.amount), credit(source, transfer.amount)],
        )
        transfer.status = OutboundStatus.RETURNED.value
        transfer.return_entry_id = entry.id
        transfer.return_reason = reason[:200]
        transfer.settled_on = day
        return outbound_view(transfer)
