"""The books as sets, for callers that select thousands or millions of customers in one
statement (a campaign's audience): each function returns a statement of
``(customer_id, amount)`` in fen, never rows, so the caller joins it into its own
``INSERT … SELECT``. They read the embedded ledger's tables; a plugged core feeds a copy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select, union_all

from contactless.corebank.constants import AccountKind
from contactless.corebank.models import (
    LedgerAccount,
    OutboundTransfer,
    TimeDeposit,
    WealthHolding,
    WealthProduct,
)

AmountRows = Select[Any, Any]


def maturing_amounts(*, start: date, end: date) -> AmountRows:
    """Per customer, the principal of active time deposits and CDs, and the cost of open
    wealth holdings, whose product matures between ``start`` and ``end`` (both included)."""
    deposits = select(TimeDeposit.customer_id, TimeDeposit.principal.label("amount")).where(
        TimeDeposit.status == "active", TimeDeposit.maturity_date >= start,
        TimeDeposit.maturity_date <= end)
    wealth = (select(WealthHolding.customer_id, WealthHolding.cost.label("amount"))
              .join(WealthProduct, WealthProduct.id == WealthHolding.product_id)
              .where(WealthHolding.closed.is_(False), WealthProduct.maturity_date >= start,
                     WealthProduct.maturity_date <= end))
    both = union_all(deposits, wealth).subquery()
    return (select(both.c.customer_id, func.sum(both.c.amount).label("amount"))
            .group_by(both.c.customer_id))


def demand_balances() -> AmountRows:
    """Per customer, the money on their open demand accounts (as they read it)."""
    return (select(LedgerAccount.customer_id, func.sum(-LedgerAccount.balance).label("amount"))
            .where(LedgerAccount.kind == AccountKind.DEMAND.value,
                   LedgerAccount.status != "closed", LedgerAccount.customer_id.is_not(None))
            .group_by(LedgerAccount.customer_id))


def customer_assets() -> AmountRows:
    """Per customer, demand balances, active deposits and wealth at cost together."""
    demand = select(LedgerAccount.customer_id, (-LedgerAccount.balance).label("amount")).where(
        LedgerAccount.kind == AccountKind.DEMAND.value, LedgerAccount.status != "closed",
        LedgerAccount.customer_id.is_not(None))
    deposits = select(TimeDeposit.customer_id, TimeDeposit.principal.label("amount")).where(
        TimeDeposit.status == "active")
    wealth = select(WealthHolding.customer_id, WealthHolding.cost.label("amount")).where(
        WealthHolding.closed.is_(False))
    every = union_all(demand, deposits, wealth).subquery()
    return (select(every.c.customer_id, func.sum(every.c.amount).label("amount"))
            .group_by(every.c.customer_id))


def outbound_rise(*, since: datetime, middle: datetime, until: datetime,
                  rise_percent: int) -> Select[Any, Any, Any]:
    """Customers who sent more to other banks in [middle, until) than in [since, middle), by
    more than ``rise_percent`` (returned transfers left out): (customer_id, recent, before)."""
    recent = func.sum(case((OutboundTransfer.created_at >= middle, OutboundTransfer.amount),
                           else_=literal(0)))
    before = func.sum(case((OutboundTransfer.created_at < middle, OutboundTransfer.amount),
                           else_=literal(0)))
    return (select(LedgerAccount.customer_id, recent.label("recent"), before.label("before"))
            .join(LedgerAccount, LedgerAccount.id == OutboundTransfer.source_account_id)
            .where(and_(OutboundTransfer.status != "returned",
                        OutboundTransfer.created_at >= since,
                        OutboundTransfer.created_at < until))
            .group_by(LedgerAccount.customer_id)
            .having(recent * 100 > before * (100 + rise_percent)))
