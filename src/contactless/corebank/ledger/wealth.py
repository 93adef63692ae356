"""Wealth products (理财): NAVs, subscriptions and redemptions settled at T+1, maturity payouts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select

from contactless.corebank.constants import (
    AccountKind,
    OrderKind,
    OrderStatus,
    ProductStatus,
    RiskLevel,
)
from contactless.corebank.errors import (
    BelowMinimum,
    DuplicateProduct,
    HoldingNotFound,
    InsufficientUnits,
    InvalidNav,
    InvalidUnits,
    NavNotFound,
    OrderNotFound,
    ProductClosed,
    ProductNotFound,
)
from contactless.corebank.interest import to_fen
from contactless.corebank.ledger.books import (
    RUNNER_SCOPE,
    LedgerBase,
    check_amount,
    credit,
    debit,
)
from contactless.corebank.ledger.present import order_view, product_view
from contactless.corebank.models import WealthHolding, WealthNav, WealthOrder, WealthProduct
from contactless.corebank.schemas import (
    WealthOrderView,
    WealthProductView,
    WealthSettlementReport,
)
from contactless.platform.context import Actor
from contactless.platform.money import Money

# fund units are counted to two decimals whatever the fund's currency: a unit is no money
UNIT_DECIMALS = 2
UNIT = Decimal(1).scaleb(-UNIT_DECIMALS)
SETTLEMENT_LAG = timedelta(days=1)  # T+1


class WealthOps(LedgerBase):
    # -- products and prices -------------------------------------------------------------------

    def latest_nav(self, product_id: uuid.UUID, *, on: date | None = None,
                   after: date | None = None) -> tuple[Decimal, date] | None:
        """The newest NAV dated on or before ``on`` (and strictly after ``after``)."""
        query = select(WealthNav.nav, WealthNav.nav_date).where(
            WealthNav.product_id == product_id
        )
        if on is not None:
            query = query.where(WealthNav.nav_date <= on)
        if after is not None:
            query = query.where(WealthNav.nav_date > after)
        row = self.session.execute(
            query.order_by(WealthNav.nav_date.desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else None

    def create_wealth_product(
        self, actor: Actor, *, idempotency_key: str, code: str, name: str, risk_level: RiskLevel,
        min_purchase: Money, maturity_date: date | None, initial_nav: Decimal, nav_date: date,
    ) -> WealthProductView:
        risk_level = RiskLevel(risk_level)
        check_amount(min_purchase)
        if initial_nav <= 0:
            raise InvalidNav("a NAV is positive")
        if self.session.scalar(select(WealthProduct.id).where(WealthProduct.code == code)):
            raise DuplicateProduct("product {product_code} exists already", product_code=code)
        product = WealthProduct(
            id=uuid.uuid4(), code=code[:32], name=name[:128], risk_level=risk_level.value,
            currency=min_purchase.currency, min_purchase=min_purchase.amount,
            maturity_date=maturity_date, status=ProductStatus.OPEN.value,
        )
        self.session.add(product)
        self.session.add(WealthNav(product_id=product.id, nav_date=nav_date, nav=initial_nav))
        return product_view(product, (initial_nav, nav_date))

    def publish_nav(self, actor: Actor, *, idempotency_key: str, product_id: uuid.UUID,
                    nav_date: date, nav: Decimal) -> WealthProductView:
        if nav <= 0:
            raise InvalidNav("a NAV is positive")
        product = self.get_row(WealthProduct, product_id, ProductNotFound)
        row = self.session.scalar(select(WealthNav).where(
            WealthNav.product_id == product_id, WealthNav.nav_date == nav_date
        ))
        if row is None:
            self.session.add(WealthNav(product_id=product_id, nav_date=nav_date, nav=nav))
        else:
            row.nav = nav
        self.session.flush()
        return product_view(product, self.latest_nav(product_id))

    def _open_product(self, product_id: uuid.UUID, settle_date: date) -> WealthProduct:
        product = self.get_row(WealthProduct, product_id, ProductNotFound)
        if product.status != ProductStatus.OPEN or (
            product.maturity_date is not None and settle_date >= product.maturity_date
        ):
            raise ProductClosed("product {product_code} takes no more orders",
                                product_code=product.code)
        return product

    # -- orders ------------------------------------------------------------------------------

    def buy_wealth(self, actor: Actor, *, idempotency_key: str, source_account_id: uuid.UUID,
                   product_id: uuid.UUID, amount: Money, on: date | None = None
                   ) -> WealthOrderView:
        value = check_amount(amount)
        day = self.value_date(on)
        product = self._open_product(product_id, day + SETTLEMENT_LAG)
        check_amount(amount, product.currency)
        if value < product.min_purchase:
            raise BelowMinimum("product {product_code} starts at {min_purchase}",
                               product_code=product.code, min_purchase=product.min_purchase)
        settlement_id = self.internal_account_id(AccountKind.PRODUCT_SETTLEMENT,
                                                 product.currency)
        accounts = self.lock_accounts([source_account_id, settlement_id])
        source, settlement = accounts[source_account_id], accounts[settlement_id]
        self.require_kind(source, AccountKind.DEMAND)
        check_amount(amount, source.currency)
        self.check_debit(source, value)
        customer_id = source.customer_id
        if customer_id is None:
            raise ProductNotFound("the source account has no customer")
        # the demand account is locked, so this customer's holding cannot be created twice
        holding = self.session.scalar(select(WealthHolding).where(
            WealthHolding.customer_id == customer_id,
            WealthHolding.product_id == product.id,
            WealthHolding.demand_account_id == source.id,
        ))
        if holding is None:
            holding = WealthHolding(
                id=uuid.uuid4(), customer_id=customer_id, product_id=product.id,
                demand_account_id=source.id, units=Decimal(0), units_redeeming=Decimal(0),
                cost=Decimal("0.00"), closed=False,
            )
            self.session.add(holding)
        order = WealthOrder(
            id=uuid.uuid4(), kind=OrderKind.SUBSCRIBE.value, product_id=product.id,
            holding_id=holding.id, customer_id=customer_id, demand_account_id=source.id,
            currency=product.currency, amount=value, trade_date=day,
            settle_date=day + SETTLEMENT_LAG, status=OrderStatus.PENDING.value,
        )
        entry = self.post(
            actor, kind="wealth_subscription", value_date=day, memo=f"buy {product.code}",
            idempotency_key=idempotency_key, reference=("wealth_order", order.id),
            lines=[debit(source, value), credit(settlement, value)],
        )
        order.entry_id = entry.id
        holding.closed = False
        self.session.add(order)
        return order_view(order)

    def redeem_wealth(self, actor: Actor, *, idempotency_key: str, holding_id: uuid.UUID,
                      units: Decimal, on: date | None = None) -> WealthOrderView:
        if units <= 0 or units != units.quantize(UNIT):
            raise InvalidUnits("units are positive with at most two decimals")
        holding = self.lock_row(WealthHolding, holding_id, HoldingNotFound)
        day = self.value_date(on)
        product = self._open_product(holding.product_id, day + SETTLEMENT_LAG)
        if units > holding.units - holding.units_redeeming:
            raise InsufficientUnits(
                '{units} units are available', units=holding.units - holding.units_redeeming
            )
        holding.units_redeeming = holding.units_redeeming + units
        order = WealthOrder(
            id=uuid.uuid4(), kind=OrderKind.REDEEM.value, product_id=product.id,
            holding_id=holding.id, customer_id=holding.customer_id,
            demand_account_id=holding.demand_account_id, currency=product.currency,
            units=units, trade_date=day, settle_date=day + SETTLEMENT_LAG,
            status=OrderStatus.PENDING.value,
        )
        self.session.add(order)
        return order_view(order)

    # -- settlement ----------------------------------------------------------------------------

    def settle_wealth_orders(self, actor: Actor, *, on: date) -> WealthSettlementReport:
        """Confirm every pending order due by ``on`` at the first NAV after its trade date."""
        due = self.session.scalars(
            select(WealthOrder.id)
            .where(WealthOrder.status == OrderStatus.PENDING.value,
                   WealthOrder.settle_date <= on)
            .order_by(WealthOrder.settle_date, WealthOrder.id)
        ).all()
        confirmed: list[uuid.UUID] = []
        waiting = 0
        for order_id in due:
            outcome = self.settle_order(actor, order_id)
            if outcome is None:
                waiting += 1
            elif outcome:
                confirmed.append(order_id)
        return WealthSettlementReport(on=on, confirmed=confirmed, waiting_for_nav=waiting)

    def settle_order(self, actor: Actor, order_id: uuid.UUID) -> bool | None:
        """True when confirmed now, False when already done, None when its NAV is not out."""
        order = self.lock_row(WealthOrder, order_id, OrderNotFound)
        if order.status != OrderStatus.PENDING:
            return False
        priced = self.latest_nav(order.product_id, on=order.settle_date, after=order.trade_date)
        if priced is None:
            return None
        nav = priced[0]
        holding = self.lock_row(WealthHolding, order.holding_id, HoldingNotFound)
        order.nav = nav
        if order.kind == OrderKind.SUBSCRIBE:
            amount = order.amount if order.amount is not None else Decimal(0)
            # units are rounded down to 0.01; the remainder stays in the product
            units = (amount / nav).quantize(UNIT, rounding=ROUND_DOWN)
            order.units = units
            holding.units = holding.units + units
            holding.cost = holding.cost + amount
        else:
            units = order.units if order.units is not None else Decimal(0)
            amount = to_fen(units * nav)
            order.amount = amount
            settlement_id = self.internal_account_id(AccountKind.PRODUCT_SETTLEMENT,
                                                     order.currency)
            accounts = self.lock_accounts([order.demand_account_id, settlement_id])
            if amount > 0:
                entry = self.post(
                    actor, kind="wealth_redemption", value_date=order.settle_date,
                    memo="redemption", idempotency_key=f"wealth-order:{order.id}",
                    scope=RUNNER_SCOPE, reference=("wealth_order", order.id),
                    lines=[debit(accounts[settlement_id], amount),
                           credit(accounts[order.demand_account_id], amount)],
                )
                order.entry_id = entry.id
            before = holding.units
            holding.cost = to_fen(holding.cost * (before - units) / before) if before else \
                Decimal("0.00")
            holding.units = before - units
            holding.units_redeeming = holding.units_redeeming - units
            holding.closed = holding.units == 0
        order.status = OrderStatus.CONFIRMED.value
        return True

    def mature_product(self, actor: Actor, product_id: uuid.UUID) -> int | None:
        """Pay every holding of a matured product at its last NAV; None while it must wait
        (no NAV yet, or orders still pending), 0 when already done."""
        product = self.lock_row(WealthProduct, product_id, ProductNotFound)
        if product.status != ProductStatus.OPEN or product.maturity_date is None:
            return 0
        pending = self.session.scalar(select(WealthOrder.id).where(
            WealthOrder.product_id == product.id,
            WealthOrder.status == OrderStatus.PENDING.value,
        ).limit(1))
        priced = self.latest_nav(product.id, on=product.maturity_date)
        if pending is not None or priced is None:
            return None
        nav, day = priced[0], product.maturity_date
        settlement_id = self.internal_account_id(AccountKind.PRODUCT_SETTLEMENT,
                                                 product.currency)
        query = select(WealthHolding).where(WealthHolding.product_id == product.id)
        if self.is_postgres:
            query = query.with_for_update()
        holdings = self.session.scalars(query.order_by(WealthHolding.id)).all()
        paid = 0
        for holding in holdings:
            if holding.units <= 0:
                continue
            amount = to_fen(holding.units * nav)
            if amount > 0:
                accounts = self.lock_accounts([holding.demand_account_id, settlement_id])
                self.post(
                    actor, kind="wealth_maturity", value_date=day,
                    memo=f"{product.code} matured", scope=RUNNER_SCOPE,
                    idempotency_key=f"holding:{holding.id}:{day.isoformat()}",
                    reference=("wealth_product", product.id),
                    lines=[debit(accounts[settlement_id], amount),
                           credit(accounts[holding.demand_account_id], amount)],
                )
            holding.units = Decimal(0)
            holding.units_redeeming = Decimal(0)
            holding.closed = True
            paid += 1
        product.status = ProductStatus.MATURED.value
        return paid

    def get_nav(self, product_id: uuid.UUID, on: date) -> Decimal:
        priced = self.latest_nav(product_id, on=on)
        if priced is None:
            raise NavNotFound("no NAV for {product_id} on or before {on}",
                              product_id=product_id, on=on)
        return priced[0]
