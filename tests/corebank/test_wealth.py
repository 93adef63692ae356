"""Wealth products: money leaves at once, units arrive at the T+1 NAV."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contactless.corebank import service as corebank
from contactless.corebank.constants import RiskLevel
from contactless.corebank.errors import (
    BelowMinimum,
    DuplicateProduct,
    InsufficientUnits,
    InvalidUnits,
    NotYourAccount,
    ProductClosed,
    StaffOnly,
)
from contactless.platform.kernel import Kernel
from contactless.platform.money import CurrencyMismatch, Money
from tests.factories.corebank import (
    JOB,
    PRODUCT_ADMIN,
    TELLER,
    Pair,
    cny,
    customer_actor,
    key,
    make_pair,
)

T = date(2025, 3, 10)


def product(kernel: Kernel, *, code: str = "WM-1", maturity: date | None = None,
            minimum: str = "1000.00") -> uuid.UUID:
    with kernel.db.session() as session:
        return corebank.create_wealth_product(
            session, PRODUCT_ADMIN, idempotency_key=key(), code=code, name="稳健理财",
            risk_level=RiskLevel.R2, min_purchase=cny(minimum), maturity_date=maturity,
            initial_nav=Decimal("1.0000"), nav_date=T - timedelta(days=1)).id


def nav(kernel: Kernel, product_id: uuid.UUID, day: date, value: str) -> None:
    with kernel.db.session() as session:
        corebank.publish_nav(session, PRODUCT_ADMIN, idempotency_key=key(), product_id=product_id,
                             nav_date=day, nav=Decimal(value))


def buy(kernel: Kernel, pair: Pair, product_id: uuid.UUID, amount: str,
        on: date = T) -> uuid.UUID:
    with kernel.db.session() as session:
        return corebank.buy_wealth(session, customer_actor(pair.alice), idempotency_key=key(),
                                   source_account_id=pair.alice_account,
                                   product_id=product_id, amount=cny(amount), on=on).holding_id


def test_buying_takes_the_money_now_and_allocates_units_at_the_t_plus_1_nav(
        kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="50000.00")
    wm = product(kernel)
    holding = buy(kernel, pair, wm, "10000.00")
    with kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("40000.00")
        (view,) = corebank.holdings_of_customer(session, customer_actor(pair.alice),
                                                customer_id=pair.alice)
        assert view.units == 0
        assert view.pending_orders[0].status == "pending"
        assert view.pending_orders[0].settle_date == T + timedelta(days=1)
        # the T+1 NAV is not out yet: the order waits
        waiting = corebank.run_maturities(session, JOB, on=T + timedelta(days=1))
        assert waiting.wealth_orders_waiting_for_nav == 1
    nav(kernel, wm, T + timedelta(days=1), "1.0250")
    with kernel.db.session() as session:
        report = corebank.run_maturities(session, JOB, on=T + timedelta(days=1))
        assert report.wealth_orders_confirmed == 1
        (view,) = corebank.holdings_of_customer(session, TELLER, customer_id=pair.alice)
    # 10000 / 1.025 = 9756.097… → 9756.09 units (rounded down)
    assert view.id == holding
    assert view.units == Decimal("9756.09")
    assert view.market_value == cny("9999.99")
    assert view.cost == cny("10000.00")
    assert view.pending_orders == []
    with kernel.db.session() as session:
        again = corebank.run_maturities(session, JOB, on=T + timedelta(days=1))
        assert again.wealth_orders_confirmed == 0
        assert corebank.verify_books(session).ok


def test_redeeming_pays_the_t_plus_1_value_into_the_demand_account(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="10000.00")
    wm = product(kernel)
    holding = buy(kernel, pair, wm, "10000.00")
    nav(kernel, wm, T + timedelta(days=1), "1.0000")
    with kernel.db.session() as session:
        corebank.settle_wealth_orders(session, JOB, on=T + timedelta(days=1))
        alice = customer_actor(pair.alice)
        order = corebank.redeem_wealth(session, alice, idempotency_key=key(),
                                       holding_id=holding, units=Decimal("4000.00"),
                                       on=T + timedelta(days=5))
        assert order.status == "pending"
        with pytest.raises(InsufficientUnits):
            corebank.redeem_wealth(session, alice, idempotency_key=key(), holding_id=holding,
                                   units=Decimal("6000.01"), on=T + timedelta(days=5))
        with pytest.raises(InvalidUnits):
            corebank.redeem_wealth(session, alice, idempotency_key=key(), holding_id=holding,
                                   units=Decimal("1.001"), on=T + timedelta(days=5))
        with pytest.raises(NotYourAccount):
            corebank.redeem_wealth(session, customer_actor(pair.bob), idempotency_key=key(),
                                   holding_id=holding, units=Decimal("1"),
                                   on=T + timedelta(days=5))
    nav(kernel, wm, T + timedelta(days=6), "1.0300")
    with kernel.db.session() as session:
        corebank.settle_wealth_orders(session, JOB, on=T + timedelta(days=6))
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("4120.00")
        (view,) = corebank.holdings_of_customer(session, TELLER, customer_id=pair.alice)
        assert view.units == Decimal("6000.00")
        assert view.units_redeeming == 0
        assert view.cost == cny("6000.00")
        assert corebank.verify_books(session).ok


def test_product_rules(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100000.00")
    wm = product(kernel, minimum="5000.00", maturity=T + timedelta(days=3))
    with pytest.raises(DuplicateProduct):
        product(kernel)  # WM-1 again
    with pytest.raises(BelowMinimum):
        buy(kernel, pair, wm, "4999.99")
    with pytest.raises(ProductClosed):
        # would settle on the maturity date
        buy(kernel, pair, wm, "5000.00", on=T + timedelta(days=2))
    with kernel.db.session() as session:
        usd = corebank.create_wealth_product(
            session, PRODUCT_ADMIN, idempotency_key=key(), code="WM-USD", name="美元理财",
            risk_level=RiskLevel.R1, min_purchase=Money.of("100.00", "USD"), maturity_date=None,
            initial_nav=Decimal("1"), nav_date=T).id
    with pytest.raises(CurrencyMismatch), kernel.db.session() as session:
        corebank.buy_wealth(session, customer_actor(pair.alice), idempotency_key=key(),
                            source_account_id=pair.alice_account, product_id=usd,
                            amount=Money.of("500.00", "USD"), on=T)
    with pytest.raises(StaffOnly), kernel.db.session() as session:
        corebank.publish_nav(session, customer_actor(pair.alice), idempotency_key=key(),
                             product_id=wm, nav_date=T, nav=Decimal("9"))
    with kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("100000.00")


def test_a_maturing_product_pays_every_holder_out(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="20000.00", bob_funds="0")
    maturity = T + timedelta(days=30)
    wm = product(kernel, maturity=maturity)
    holding = buy(kernel, pair, wm, "20000.00")
    nav(kernel, wm, T + timedelta(days=1), "1.0000")
    nav(kernel, wm, maturity - timedelta(days=1), "1.0150")
    with kernel.db.session() as session:
        early = corebank.run_maturities(session, JOB, on=maturity - timedelta(days=1))
        assert early.wealth_orders_confirmed == 1
        assert early.wealth_products_matured == 0
        report = corebank.run_maturities(session, JOB, on=maturity)
        assert report.wealth_products_matured == 1
        assert report.holdings_paid_out == 1
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("20300.00")
        assert corebank.holdings_of_customer(session, TELLER, customer_id=pair.alice) == []
        assert corebank.list_wealth_products(session) == []
        assert corebank.get_wealth_product(session, product_id=wm).status == "matured"
        again = corebank.run_maturities(session, JOB, on=maturity)
        assert again.wealth_products_matured == 0
        assert corebank.verify_books(session).ok
    assert holding
