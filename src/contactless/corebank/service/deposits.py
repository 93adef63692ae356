"""Time deposits, large CDs, rates and the maturity run."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RateProduct,
    Term,
)
from contactless.corebank.schemas import (
    DepositSettlement,
    DepositView,
    MaturityReport,
    PartialWithdrawalQuote,
    RateView,
)
from contactless.corebank.service.core import (
    announce_settled_orders,
    check_customer_access,
    embedded_ledger,
    get_port,
    idempotent,
    money_details,
    permit,
)
from contactless.identity.permissions import Operation
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.events import publish
from contactless.platform.money import Money


def current_rate(session: Session, *, product: RateProduct, term: str, currency: str = "CNY",
                 on: date) -> Decimal:
    """The annual rate (a fraction: 0.0135 is 1.35%) effective on ``on``."""
    return get_port(session).current_rate(product=product, term=term, currency=currency, on=on)


def set_deposit_rate(session: Session, actor: Actor, *, idempotency_key: str,
                     product: RateProduct, term: str, currency: str, annual_rate: Decimal,
                     effective_from: date) -> RateView:
    """Add (or correct) a rate effective from a date; deposits placed or renewed from then on
    take it, deposits already running keep theirs (staff only)."""
    permit(actor, Operation.RATE_SET)
    return idempotent(
        session, actor, operation="set_deposit_rate", idempotency_key=idempotency_key,
        request={"product": product, "term": term, "currency": currency,
                 "annual_rate": annual_rate, "effective_from": effective_from},
        result_type=RateView,
        perform=lambda port: port.set_deposit_rate(
            actor, idempotency_key=idempotency_key, product=product, term=term,
            currency=currency, annual_rate=annual_rate, effective_from=effective_from),
        audit_target=lambda result: ("corebank_rate", f"{result.product}:{result.term}"),
        details=lambda result: result.model_dump(mode="json"),
    )


def seed_default_rates(session: Session) -> int:
    """Write the default CNY rate table (demand 0.20%, time 1.05%–1.80%, CDs a little higher)
    into the embedded ledger's rate table once; returns the rows added."""
    return embedded_ledger(session).seed_default_rates()


def place_deposit(
    session: Session,
    actor: Actor,
    *,
    idempotency_key: str,
    source_account_id: uuid.UUID,
    product: DepositProduct,
    term: Term,
    amount: Money,
    instruction: MaturityInstruction = MaturityInstruction.PAYOUT,
    on: date | None = None,
) -> DepositView:
    """Move money from a demand account into a new time deposit (整存整取) or large CD
    (大额存单, at least 200,000 CNY) at the rate effective today for that term. The deposit
    matures ``term`` after ``on`` and then follows ``instruction``."""
    permit(actor, Operation.DEPOSIT_PLACE)
    source = get_port(session).get_account(source_account_id)
    check_customer_access(session, actor, source.customer_id,
                          operation=Operation.DEPOSIT_PLACE)
    return idempotent(
        session, actor, operation="place_deposit", idempotency_key=idempotency_key,
        request={"source_account_id": source_account_id, "product": product, "term": term,
                 "amount": amount, "instruction": instruction, "on": on},
        result_type=DepositView,
        perform=lambda port: port.place_deposit(
            actor, idempotency_key=idempotency_key, source_account_id=source_account_id,
            product=product, term=term, amount=amount, instruction=instruction, on=on),
        audit_target=lambda result: ("corebank_deposit", result.id),
        details=lambda result: {"deposit_id": result.id, "customer_id": result.customer_id,
                                "product": result.product,
                                "term": result.term, "annual_rate": result.annual_rate,
                                "maturity_date": result.maturity_date,
                                **money_details(amount)},
        topic="corebank.deposit_placed",
    )


def change_maturity_instruction(
    session: Session, actor: Actor, *, idempotency_key: str, deposit_id: uuid.UUID,
    instruction: MaturityInstruction, renewal_term: Term | None = None,
    on: date | None = None,
) -> DepositView:
    """Choose what happens at maturity: renew principal and interest (本息转存), renew the
    principal and pay the interest out (本金转存), or pay everything out (到期支取); a renewal
    goes into ``renewal_term`` when given (at that term's rate on the maturity date), in the
    same entry as the maturity. Allowed until the day before maturity
    (``instruction_locked`` from the maturity date on)."""
    permit(actor, Operation.DEPOSIT_INSTRUCT)
    deposit = get_port(session).get_deposit(deposit_id)
    check_customer_access(session, actor, deposit.customer_id,
                          operation=Operation.DEPOSIT_INSTRUCT)
    return idempotent(
        session, actor, operation="change_maturity_instruction",
        idempotency_key=idempotency_key,
        request={"deposit_id": deposit_id, "instruction": instruction,
                 "renewal_term": renewal_term, "on": on},
        result_type=DepositView,
        perform=lambda port: port.change_maturity_instruction(
            actor, idempotency_key=idempotency_key, deposit_id=deposit_id,
            instruction=instruction, renewal_term=renewal_term, on=on),
        audit_target=lambda result: ("corebank_deposit", result.id),
        details=lambda result: {"deposit_id": result.id, "instruction": result.instruction,
                                "renewal_term": result.renewal_term,
                                "before": deposit.instruction,
                                "renewal_term_before": deposit.renewal_term},
        topic="corebank.deposit_instruction_changed",
    )


def withdraw_deposit_early(session: Session, actor: Actor, *, idempotency_key: str,
                           deposit_id: uuid.UUID,
                           on: date | None = None) -> DepositSettlement:
    """Close a deposit before maturity: the principal comes back with interest at the demand
    rate for the days held (ACT/365), not the deposit rate."""
    permit(actor, Operation.DEPOSIT_WITHDRAW_EARLY)
    deposit = get_port(session).get_deposit(deposit_id)
    check_customer_access(session, actor, deposit.customer_id,
                          operation=Operation.DEPOSIT_WITHDRAW_EARLY)
    return idempotent(
        session, actor, operation="withdraw_deposit_early", idempotency_key=idempotency_key,
        request={"deposit_id": deposit_id, "on": on}, result_type=DepositSettlement,
        perform=lambda port: port.withdraw_deposit_early(
            actor, idempotency_key=idempotency_key, deposit_id=deposit_id, on=on),
        audit_target=lambda result: ("corebank_deposit", result.deposit_id),
        details=lambda result: {"deposit_id": result.deposit_id,
                                "entry_id": result.entry_id, "days": result.days,
                                "interest": result.interest.amount,
                                "customer_id": deposit.customer_id},
        topic="corebank.deposit_withdrawn_early",
    )


def quote_partial_withdrawal(session: Session, actor: Actor, *, deposit_id: uuid.UUID,
                             amount: Money, on: date | None = None) -> PartialWithdrawalQuote:
    """What :func:`withdraw_deposit_partially` would pay and leave, refused the same way."""
    deposit = get_port(session).get_deposit(deposit_id)
    check_customer_access(session, actor, deposit.customer_id)
    return get_port(session).quote_partial_withdrawal(deposit_id=deposit_id, amount=amount,
                                                      on=on)


def withdraw_deposit_partially(session: Session, actor: Actor, *, idempotency_key: str,
                               deposit_id: uuid.UUID, amount: Money,
                               on: date | None = None) -> DepositSettlement:
    """部分提前支取, once per deposit: ``amount`` comes back with interest at the demand rate
    for the days held (ACT/365); the rest keeps its rate, term and maturity. At least the
    minimum remaining amount (``partial_withdrawal_minimum``, 50 CNY; a large CD its 200,000)
    must stay (``remaining_below_minimum``); a second one is refused
    (``partial_withdrawal_used``), and large CDs allow none unless the bank's product does
    (``partial_withdrawal_not_allowed``)."""
    permit(actor, Operation.DEPOSIT_WITHDRAW_EARLY)
    deposit = get_port(session).get_deposit(deposit_id)
    check_customer_access(session, actor, deposit.customer_id,
                          operation=Operation.DEPOSIT_WITHDRAW_EARLY)
    return idempotent(
        session, actor, operation="withdraw_deposit_partially",
        idempotency_key=idempotency_key,
        request={"deposit_id": deposit_id, "amount": amount, "on": on},
        result_type=DepositSettlement,
        perform=lambda port: port.withdraw_deposit_partially(
            actor, idempotency_key=idempotency_key, deposit_id=deposit_id, amount=amount,
            on=on),
        audit_target=lambda result: ("corebank_deposit", result.deposit_id),
        details=lambda result: {"deposit_id": result.deposit_id,
                                "entry_id": result.entry_id, "days": result.days,
                                "interest": result.interest.amount,
                                "remaining": (result.remaining_principal.amount
                                              if result.remaining_principal else None),
                                "customer_id": deposit.customer_id, **money_details(amount)},
        topic="corebank.deposit_partially_withdrawn",
    )


def run_maturities(session: Session, actor: Actor, *, on: date) -> MaturityReport:
    """Process everything due by ``on``: wealth orders at T+1 NAV, deposits per their
    instruction, matured wealth products, loan instalments. Running it again for the same
    date changes nothing (each item is keyed by its id and date)."""
    permit(actor, Operation.BATCH_RUN)
    report = get_port(session).run_maturities(actor, on=on)
    announce_settled_orders(session, report.wealth_orders_settled)
    for matured in report.deposits:
        details = {"instruction": matured.instruction, "on": on.isoformat(),
                   "principal": str(matured.principal.amount),
                   "interest": str(matured.interest.amount),
                   "currency": matured.principal.currency,
                   "renewed_deposit_id": (str(matured.renewed_deposit_id)
                                          if matured.renewed_deposit_id else None)}
        audit.record(session, actor, action="corebank.deposit_matured",
                     target_type="corebank_deposit", target_id=matured.deposit_id,
                     details=details)
        publish(session, "corebank.deposit_matured",
                {"deposit_id": str(matured.deposit_id), **details})
    if report.deposits or report.wealth_orders_confirmed or report.wealth_products_matured \
            or report.instalments_collected or report.failed:
        audit.record(session, actor, action="corebank.run_maturities",
                     target_type="corebank_run", target_id=on.isoformat(),
                     details={"deposits": len(report.deposits),
                              "wealth_orders": report.wealth_orders_confirmed,
                              "wealth_products": report.wealth_products_matured,
                              "holdings_paid": report.holdings_paid_out,
                              "instalments": report.instalments_collected,
                              "instalments_unpaid": report.instalments_unpaid,
                              "failed": len(report.failed)})
    return report
