"""Demand accounts and payments: the service functions the platform calls."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from contactless.corebank.errors import AccountNotFound
from contactless.corebank.port import CoreBankPort
from contactless.corebank.schemas import (
    AccountView,
    OutboundTransferView,
    Posted,
    TransferResult,
)
from contactless.corebank.service.approvals import file, money_out, over_debit_limit
from contactless.corebank.service.core import (
    check_customer_access,
    get_port,
    idempotent,
    money_details,
    permit,
    require_staff,
)
from contactless.identity.approvals import ApprovalView, second_person_needed
from contactless.identity.permissions import Operation
from contactless.platform.context import Actor
from contactless.platform.money import Money


def _account_in_scope(session: Session, actor: Actor, account_id: uuid.UUID,
                      operation: Operation) -> AccountView:
    permit(actor, operation)
    account = get_port(session).get_account(account_id)
    check_customer_access(session, actor, account.customer_id, operation=operation)
    return account


def _owner(session: Session, account_id: uuid.UUID) -> uuid.UUID | None:
    """The customer an account belongs to (named by the books' events)."""
    return get_port(session).get_account(account_id).customer_id


def _outbound_in_scope(session: Session, actor: Actor, transfer_id: uuid.UUID,
                       operation: Operation) -> OutboundTransferView:
    permit(actor, operation)
    port = get_port(session)
    outbound = port.get_outbound_transfer(transfer_id)
    source = port.get_account(outbound.source_account_id)
    check_customer_access(session, actor, source.customer_id, operation=operation)
    return outbound


def open_account(
    session: Session,
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
    """Open a demand account (活期) of Class I or II for a customer.

    A Class II account (二类户) must be bound to the customer's Class I account here
    (``bound_account_id``) or at another bank (``bound_external_account``); flows with the bound
    account are free, others are capped (see ``constants.CLASS2_*``). Customers may open
    Class II accounts for themselves on their phone; Class I needs staff (face-to-face).
    """
    if actor.is_customer and account_class != 2:
        require_staff(actor)
    check_customer_access(session, actor, customer_id, operation=Operation.ACCOUNT_OPEN)
    return idempotent(
        session, actor, operation="open_account", idempotency_key=idempotency_key,
        request={"customer_id": customer_id, "account_class": account_class,
                 "currency": currency, "bound_account_id": bound_account_id,
                 "bound_external_account": bound_external_account, "on": on},
        result_type=AccountView,
        perform=lambda port: port.open_account(
            actor, idempotency_key=idempotency_key, customer_id=customer_id,
            account_class=account_class, currency=currency, bound_account_id=bound_account_id,
            bound_external_account=bound_external_account, on=on,
        ),
        audit_target=lambda result: ("corebank_account", result.id),
        details=lambda result: {"account_id": result.id, "customer_id": customer_id,
                                "account_class": account_class, "currency": currency},
        topic="corebank.account_opened",
    )


def freeze_account(session: Session, actor: Actor, *, idempotency_key: str,
                   account_id: uuid.UUID, reason: str) -> AccountView:
    """Freeze a demand account: money may still come in, none may leave (branch managers and
    risk analysts of the customer's scope)."""
    _account_in_scope(session, actor, account_id, Operation.ACCOUNT_FREEZE)
    return idempotent(
        session, actor, operation="freeze_account", idempotency_key=idempotency_key,
        request={"account_id": account_id, "reason": reason}, result_type=AccountView,
        perform=lambda port: port.freeze_account(
            actor, idempotency_key=idempotency_key, account_id=account_id, reason=reason),
        audit_target=lambda result: ("corebank_account", result.id),
        details=lambda result: {"status": result.status},
    )


def unfreeze_account(session: Session, actor: Actor, *, idempotency_key: str,
                     account_id: uuid.UUID) -> AccountView | ApprovalView:
    """Lift a freeze. Four eyes: a person's request waits for another branch manager or risk
    analyst of the customer's scope (the answer is the pending approval); the system lifts
    it at once."""
    account = _account_in_scope(session, actor, account_id, Operation.ACCOUNT_UNFREEZE)
    reason = second_person_needed(actor, Operation.ACCOUNT_UNFREEZE)
    if reason:
        return file(session, actor, operation=Operation.ACCOUNT_UNFREEZE, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_account",
                    target_id=account_id, customer_id=account.customer_id,
                    payload={"account_id": str(account_id)})
    return run_unfreeze(session, actor, idempotency_key=idempotency_key, account_id=account_id)


def run_unfreeze(session: Session, actor: Actor, *, idempotency_key: str,
                 account_id: uuid.UUID) -> AccountView:
    """Lifting the freeze itself, for an actor four eyes no longer holds."""
    _account_in_scope(session, actor, account_id, Operation.ACCOUNT_UNFREEZE)
    return idempotent(
        session, actor, operation="unfreeze_account", idempotency_key=idempotency_key,
        request={"account_id": account_id}, result_type=AccountView,
        perform=lambda port: port.unfreeze_account(
            actor, idempotency_key=idempotency_key, account_id=account_id),
        audit_target=lambda result: ("corebank_account", result.id),
        details=lambda result: {"status": result.status},
    )


def deposit_cash(session: Session, actor: Actor, *, idempotency_key: str,
                 account_id: uuid.UUID, amount: Money, memo: str = "",
                 on: date | None = None) -> Posted:
    """Cash paid in at the counter: cash account → demand account (staff only)."""
    account = _account_in_scope(session, actor, account_id, Operation.CASH_DEPOSIT)
    return idempotent(
        session, actor, operation="deposit_cash", idempotency_key=idempotency_key,
        request={"account_id": account_id, "amount": amount, "memo": memo, "on": on},
        result_type=Posted,
        perform=lambda port: port.deposit_cash(
            actor, idempotency_key=idempotency_key, account_id=account_id, amount=amount,
            memo=memo, on=on),
        audit_target=lambda result: ("corebank_account", account_id),
        details=lambda result: {"entry_id": result.entry_id, "customer_id": account.customer_id,
                                **money_details(amount)},
        topic="corebank.cash_deposited",
    )


def withdraw_cash(session: Session, actor: Actor, *, idempotency_key: str,
                  account_id: uuid.UUID, amount: Money, memo: str = "",
                  on: date | None = None) -> Posted | ApprovalView:
    """Cash paid out at the counter: demand account → cash account (staff only). Above
    ``settings.four_eyes_debit_limit`` it waits for a branch manager (the pending approval)."""
    account = _account_in_scope(session, actor, account_id, Operation.CASH_WITHDRAW)
    reason = second_person_needed(actor, Operation.CASH_WITHDRAW,
                                  over_limit=over_debit_limit(session, amount))
    if reason:
        return file(session, actor, operation=Operation.CASH_WITHDRAW, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_account",
                    target_id=account_id, customer_id=account.customer_id, amount=amount,
                    payload={"account_id": str(account_id), "amount": money_out(amount),
                             "memo": memo, "on": on.isoformat() if on else None})
    return run_cash_withdrawal(session, actor, idempotency_key=idempotency_key,
                               account_id=account_id, amount=amount, memo=memo, on=on)


def run_cash_withdrawal(session: Session, actor: Actor, *, idempotency_key: str,
                        account_id: uuid.UUID, amount: Money, memo: str = "",
                        on: date | None = None) -> Posted:
    """The cash withdrawal itself, for an actor four eyes no longer holds."""
    account = _account_in_scope(session, actor, account_id, Operation.CASH_WITHDRAW)
    return idempotent(
        session, actor, operation="withdraw_cash", idempotency_key=idempotency_key,
        request={"account_id": account_id, "amount": amount, "memo": memo, "on": on},
        result_type=Posted,
        perform=lambda port: port.withdraw_cash(
            actor, idempotency_key=idempotency_key, account_id=account_id, amount=amount,
            memo=memo, on=on),
        audit_target=lambda result: ("corebank_account", account_id),
        details=lambda result: {"entry_id": result.entry_id, "customer_id": account.customer_id,
                                **money_details(amount)},
        topic="corebank.cash_withdrawn",
    )


def card_payment(session: Session, actor: Actor, *, idempotency_key: str,
                 account_id: uuid.UUID, amount: Money, merchant: str,
                 on: date | None = None) -> Posted:
    """A debit-card purchase fed by the card system: demand account → clearing."""
    permit(actor, Operation.CARD_PAYMENT)
    return idempotent(
        session, actor, operation="card_payment", idempotency_key=idempotency_key,
        request={"account_id": account_id, "amount": amount, "merchant": merchant, "on": on},
        result_type=Posted,
        perform=lambda port: port.card_payment(
            actor, idempotency_key=idempotency_key, account_id=account_id, amount=amount,
            merchant=merchant, on=on),
        audit_target=lambda result: ("corebank_account", account_id),
        details=lambda result: {"entry_id": result.entry_id,
                                "customer_id": _owner(session, account_id),
                                **money_details(amount)},
        topic="corebank.card_payment",
    )


def receive_inbound_transfer(
    session: Session, actor: Actor, *, idempotency_key: str, target_account_id: uuid.UUID,
    amount: Money, bank_code: str, external_account: str, memo: str = "",
    on: date | None = None,
) -> Posted:
    """Money from another bank (salary, transfers), fed by the clearing system:
    clearing → demand account. Counts toward Class II inflow caps unless it comes from the
    bound external account."""
    permit(actor, Operation.INBOUND_RECEIVE)
    return idempotent(
        session, actor, operation="receive_inbound_transfer", idempotency_key=idempotency_key,
        request={"target_account_id": target_account_id, "amount": amount,
                 "bank_code": bank_code, "external_account": external_account, "memo": memo,
                 "on": on},
        result_type=Posted,
        perform=lambda port: port.receive_inbound_transfer(
            actor, idempotency_key=idempotency_key, target_account_id=target_account_id,
            amount=amount, bank_code=bank_code, external_account=external_account,
            memo=memo, on=on),
        audit_target=lambda result: ("corebank_account", target_account_id),
        details=lambda result: {"entry_id": result.entry_id, "bank_code": bank_code,
                                "customer_id": _owner(session, target_account_id),
                                **money_details(amount)},
        topic="corebank.inbound_transfer",
    )


def transfer(
    session: Session,
    actor: Actor,
    *,
    idempotency_key: str,
    source_account_id: uuid.UUID,
    target_account_id: uuid.UUID,
    amount: Money,
    memo: str = "",
    on: date | None = None,
) -> TransferResult | ApprovalView:
    """Move money between two demand accounts of this bank, posted once per key.

    Four eyes: a staff member's transfer above ``settings.four_eyes_debit_limit`` waits for a
    branch manager (the answer is the pending approval, nothing is posted).

    Refuses (and posts nothing): a non-positive amount (``invalid_amount``), more than two
    decimals (``too_many_decimals``), another currency (``currency_mismatch``), the same
    account twice (``same_account``), an unknown account (``account_not_found``), a customer
    paying from someone else's account (``not_your_account``), a frozen source
    (``account_frozen``), too little money (``insufficient_funds``), and Class II caps
    (``class2_limit_exceeded``).
    """
    permit(actor, Operation.TRANSFER)
    reason = second_person_needed(actor, Operation.TRANSFER,
                                  over_limit=over_debit_limit(session, amount))
    if reason:
        source = _account_in_scope(session, actor, source_account_id, Operation.TRANSFER)
        return file(session, actor, operation=Operation.TRANSFER, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_account",
                    target_id=source_account_id, customer_id=source.customer_id, amount=amount,
                    payload={"source_account_id": str(source_account_id),
                             "target_account_id": str(target_account_id),
                             "amount": money_out(amount), "memo": memo,
                             "on": on.isoformat() if on else None})
    return _transfer(session, actor, source_account_id, idempotency_key=idempotency_key,
                     target_account_id=target_account_id, amount=amount, memo=memo, on=on)


def run_transfer(session: Session, actor: Actor, *, idempotency_key: str,
                 source_account_id: uuid.UUID, target_account_id: uuid.UUID, amount: Money,
                 memo: str = "", on: date | None = None) -> TransferResult:
    """The transfer itself, for an actor four eyes no longer holds."""
    permit(actor, Operation.TRANSFER)
    return _transfer(session, actor, source_account_id, idempotency_key=idempotency_key,
                     target_account_id=target_account_id, amount=amount, memo=memo, on=on)


def _transfer(session: Session, actor: Actor, source_account_id: uuid.UUID, *,
              idempotency_key: str, target_account_id: uuid.UUID, amount: Money, memo: str,
              on: date | None) -> TransferResult:
    """Post the transfer once per key, if the actor may pay from the source account: both
    accounts are held (locked, on the embedded ledger) for the access check, so the posting
    reads them without another round trip."""
    owner: uuid.UUID | None = None

    def in_scope(port: CoreBankPort) -> None:
        nonlocal owner
        held = port.hold_accounts([source_account_id, target_account_id])
        if source_account_id not in held:
            raise AccountNotFound("no account {account_id}", account_id=source_account_id)
        owner = held[source_account_id]
        check_customer_access(session, actor, owner, operation=Operation.TRANSFER)

    return idempotent(
        session, actor, operation="transfer", idempotency_key=idempotency_key,
        request={"source_account_id": source_account_id,
                 "target_account_id": target_account_id, "amount": amount, "memo": memo,
                 "on": on},
        result_type=TransferResult, check=in_scope,
        perform=lambda port: port.transfer(
            actor, idempotency_key=idempotency_key, source_account_id=source_account_id,
            target_account_id=target_account_id, amount=amount, memo=memo, on=on),
        audit_target=lambda result: ("corebank_account", source_account_id),
        details=lambda result: {"entry_id": result.entry_id,
                                "target_account_id": target_account_id,
                                "customer_id": owner, **money_details(amount)},
        topic="corebank.transfer_completed",
    )


def send_outbound_transfer(
    session: Session, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
    bank_code: str, external_account: str, amount: Money, memo: str = "",
    on: date | None = None,
) -> OutboundTransferView | ApprovalView:
    """Send money to another bank: demand account → clearing, status ``pending`` until the
    clearing system settles or returns it. A staff member's transfer above
    ``settings.four_eyes_debit_limit`` waits for a branch manager (the pending approval)."""
    permit(actor, Operation.OUTBOUND_SEND)
    source = get_port(session).get_account(source_account_id)
    check_customer_access(session, actor, source.customer_id, operation=Operation.OUTBOUND_SEND)
    reason = second_person_needed(actor, Operation.OUTBOUND_SEND,
                                  over_limit=over_debit_limit(session, amount))
    if reason:
        return file(session, actor, operation=Operation.OUTBOUND_SEND, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_account",
                    target_id=source_account_id, customer_id=source.customer_id, amount=amount,
                    payload={"source_account_id": str(source_account_id),
                             "bank_code": bank_code, "external_account": external_account,
                             "amount": money_out(amount), "memo": memo,
                             "on": on.isoformat() if on else None})
    return run_outbound(session, actor, idempotency_key=idempotency_key,
                        source_account_id=source_account_id, bank_code=bank_code,
                        external_account=external_account, amount=amount, memo=memo, on=on)


def run_outbound(session: Session, actor: Actor, *, idempotency_key: str,
                 source_account_id: uuid.UUID, bank_code: str, external_account: str,
                 amount: Money, memo: str = "", on: date | None = None) -> OutboundTransferView:
    """Sending itself, for an actor four eyes no longer holds."""
    permit(actor, Operation.OUTBOUND_SEND)
    source = get_port(session).get_account(source_account_id)
    check_customer_access(session, actor, source.customer_id, operation=Operation.OUTBOUND_SEND)
    return idempotent(
        session, actor, operation="send_outbound_transfer", idempotency_key=idempotency_key,
        request={"source_account_id": source_account_id, "bank_code": bank_code,
                 "external_account": external_account, "amount": amount, "memo": memo,
                 "on": on},
        result_type=OutboundTransferView,
        perform=lambda port: port.send_outbound_transfer(
            actor, idempotency_key=idempotency_key, source_account_id=source_account_id,
            bank_code=bank_code, external_account=external_account, amount=amount, memo=memo,
            on=on),
        audit_target=lambda result: ("corebank_outbound", result.id),
        details=lambda result: {"entry_id": result.entry_id, "bank_code": bank_code,
                                "customer_id": source.customer_id, **money_details(amount)},
        topic="corebank.outbound_sent",
    )


def settle_outbound_transfer(session: Session, actor: Actor, *, idempotency_key: str,
                             transfer_id: uuid.UUID,
                             on: date | None = None) -> OutboundTransferView:
    """The other bank accepted a pending transfer: ``pending`` → ``settled``."""
    _outbound_in_scope(session, actor, transfer_id, Operation.OUTBOUND_SETTLE)
    return idempotent(
        session, actor, operation="settle_outbound_transfer", idempotency_key=idempotency_key,
        request={"transfer_id": transfer_id, "on": on}, result_type=OutboundTransferView,
        perform=lambda port: port.settle_outbound_transfer(
            actor, idempotency_key=idempotency_key, transfer_id=transfer_id, on=on),
        audit_target=lambda result: ("corebank_outbound", result.id),
        details=lambda result: {"status": result.status},
        topic="corebank.outbound_settled",
    )


def return_outbound_transfer(session: Session, actor: Actor, *, idempotency_key: str,
                             transfer_id: uuid.UUID, reason: str,
                             on: date | None = None) -> OutboundTransferView | ApprovalView:
    """The other bank sent a pending transfer back: clearing → the customer's account,
    ``pending`` → ``returned``. Four eyes: the customer is credited again, so a person's
    return waits for another branch manager (the pending approval); the clearing feed (the
    system) returns at once."""
    outbound = _outbound_in_scope(session, actor, transfer_id, Operation.OUTBOUND_RETURN)
    held = second_person_needed(actor, Operation.OUTBOUND_RETURN)
    if held:
        permit(actor, Operation.OUTBOUND_RETURN)
        source = get_port(session).get_account(outbound.source_account_id)
        return file(session, actor, operation=Operation.OUTBOUND_RETURN, reason=held,
                    idempotency_key=idempotency_key, target_type="corebank_outbound",
                    target_id=transfer_id, customer_id=source.customer_id,
                    amount=outbound.amount,
                    payload={"transfer_id": str(transfer_id), "reason": reason,
                             "on": on.isoformat() if on else None})
    return run_return(session, actor, idempotency_key=idempotency_key, transfer_id=transfer_id,
                      reason=reason, on=on)


def run_return(session: Session, actor: Actor, *, idempotency_key: str,
               transfer_id: uuid.UUID, reason: str,
               on: date | None = None) -> OutboundTransferView:
    """The return itself, for an actor four eyes no longer holds."""
    _outbound_in_scope(session, actor, transfer_id, Operation.OUTBOUND_RETURN)
    return idempotent(
        session, actor, operation="return_outbound_transfer", idempotency_key=idempotency_key,
        request={"transfer_id": transfer_id, "reason": reason, "on": on},
        result_type=OutboundTransferView,
        perform=lambda port: port.return_outbound_transfer(
            actor, idempotency_key=idempotency_key, transfer_id=transfer_id, reason=reason,
            on=on),
        audit_target=lambda result: ("corebank_outbound", result.id),
        details=lambda result: {"status": result.status,
                                "return_entry_id": result.return_entry_id},
        topic="corebank.outbound_returned",
    )
