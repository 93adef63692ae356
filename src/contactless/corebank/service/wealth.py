"""Wealth products (理财): products, NAVs, buying and redeeming at the T+1 NAV."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.corebank.constants import RiskLevel
from contactless.corebank.schemas import (
    WealthOrderView,
    WealthProductView,
    WealthSettlementReport,
)
from contactless.corebank.service.core import (
    announce_settled_orders,
    check_customer_access,
    get_port,
    idempotent,
    money_details,
    permit,
)
from contactless.identity.permissions import Operation
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.money import Money


def create_wealth_product(
    session: Session, actor: Actor, *, idempotency_key: str, code: str, name: str,
    risk_level: RiskLevel, min_purchase: Money, maturity_date: date | None,
    initial_nav: Decimal, nav_date: date,
) -> WealthProductView:
    """Put a wealth product on sale (code unique, risk level R1–R5, minimum purchase, optional
    maturity date) with its first NAV (staff only)."""
    permit(actor, Operation.WEALTH_PRODUCT_MANAGE)
    return idempotent(
        session, actor, operation="create_wealth_product", idempotency_key=idempotency_key,
        request={"code": code, "name": name, "risk_level": risk_level,
                 "min_purchase": min_purchase, "maturity_date": maturity_date,
                 "initial_nav": initial_nav, "nav_date": nav_date},
        result_type=WealthProductView,
        perform=lambda port: port.create_wealth_product(
            actor, idempotency_key=idempotency_key, code=code, name=name,
            risk_level=risk_level, min_purchase=min_purchase, maturity_date=maturity_date,
            initial_nav=initial_nav, nav_date=nav_date),
        audit_target=lambda result: ("corebank_wealth_product", result.id),
        details=lambda result: {"code": code, "risk_level": result.risk_level},
    )


def publish_nav(session: Session, actor: Actor, *, idempotency_key: str,
                product_id: uuid.UUID, nav_date: date, nav: Decimal) -> WealthProductView:
    """Record a product's NAV per unit for a date; pending orders settle against it."""
    permit(actor, Operation.WEALTH_PRODUCT_MANAGE)
    return idempotent(
        session, actor, operation="publish_nav", idempotency_key=idempotency_key,
        request={"product_id": product_id, "nav_date": nav_date, "nav": nav},
        result_type=WealthProductView,
        perform=lambda port: port.publish_nav(
            actor, idempotency_key=idempotency_key, product_id=product_id, nav_date=nav_date,
            nav=nav),
        audit_target=lambda result: ("corebank_wealth_product", product_id),
        details=lambda result: {"nav_date": nav_date, "nav": nav},
    )


def buy_wealth(session: Session, actor: Actor, *, idempotency_key: str,
               source_account_id: uuid.UUID, product_id: uuid.UUID, amount: Money,
               on: date | None = None) -> WealthOrderView:
    """Subscribe (申购): the money leaves the demand account now (→ product settlement);
    units are allocated at the next NAV after the trade date by the T+1 settlement."""
    permit(actor, Operation.WEALTH_BUY)
    source = get_port(session).get_account(source_account_id)
    check_customer_access(session, actor, source.customer_id, operation=Operation.WEALTH_BUY)
    return idempotent(
        session, actor, operation="buy_wealth", idempotency_key=idempotency_key,
        request={"source_account_id": source_account_id, "product_id": product_id,
                 "amount": amount, "on": on},
        result_type=WealthOrderView,
        perform=lambda port: port.buy_wealth(
            actor, idempotency_key=idempotency_key, source_account_id=source_account_id,
            product_id=product_id, amount=amount, on=on),
        audit_target=lambda result: ("corebank_wealth_order", result.id),
        details=lambda result: {"order_id": result.id, "product_id": product_id,
                                "customer_id": source.customer_id,
                                **money_details(amount)},
        topic="corebank.wealth_subscribed",
    )


def redeem_wealth(session: Session, actor: Actor, *, idempotency_key: str,
                  holding_id: uuid.UUID, units: Decimal,
                  on: date | None = None) -> WealthOrderView:
    """Redeem (赎回) units: they are reserved now and paid to the demand account at the T+1
    NAV by the settlement step."""
    permit(actor, Operation.WEALTH_REDEEM)
    owner = get_port(session).get_holding(holding_id).customer_id
    check_customer_access(session, actor, owner, operation=Operation.WEALTH_REDEEM)
    return idempotent(
        session, actor, operation="redeem_wealth", idempotency_key=idempotency_key,
        request={"holding_id": holding_id, "units": units, "on": on},
        result_type=WealthOrderView,
        perform=lambda port: port.redeem_wealth(
            actor, idempotency_key=idempotency_key, holding_id=holding_id, units=units, on=on),
        audit_target=lambda result: ("corebank_wealth_order", result.id),
        details=lambda result: {"order_id": result.id, "product_id": result.product_id,
                                "units": units,
                                "customer_id": owner},
        topic="corebank.wealth_redeemed",
    )


def settle_wealth_orders(session: Session, actor: Actor, *, on: date) -> WealthSettlementReport:
    """Confirm pending orders due by ``on`` (also part of ``run_maturities``); orders whose NAV
    is not yet published wait for a later run."""
    permit(actor, Operation.BATCH_RUN)
    report = get_port(session).settle_wealth_orders(actor, on=on)
    announce_settled_orders(session, report.confirmed)
    if report.confirmed:
        audit.record(session, actor, action="corebank.settle_wealth_orders",
                     target_type="corebank_run", target_id=on.isoformat(),
                     details={"confirmed": len(report.confirmed),
                              "waiting_for_nav": report.waiting_for_nav})
    return report
