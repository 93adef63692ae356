"""部分提前支取: one partial early withdrawal per time deposit."""

from __future__ import annotations

from datetime import date

import pytest

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, Term
from contactless.corebank.errors import (
    DepositNotActive,
    NotYourAccount,
    PartialWithdrawalNotAllowed,
    PartialWithdrawalUsed,
    RemainingBelowMinimum,
)
from contactless.platform.kernel import Kernel
from tests.corebank.test_dayend import refused
from tests.factories.corebank import JOB, TELLER, cny, customer_actor, key, make_pair

START = date(2025, 1, 10)


def placed(kernel: Kernel, amount: str, product: DepositProduct = DepositProduct.TIME,
           funds: str = "500000.00") -> tuple[object, object]:
    pair = make_pair(kernel, alice_funds=funds)
    with kernel.db.session() as session:
        deposit = corebank.place_deposit(session, customer_actor(pair.alice),
                                         idempotency_key=key(),
                                         source_account_id=pair.alice_account, product=product,
                                         term=Term.Y1, amount=cny(amount), on=START)
    return pair, deposit


def test_the_part_taken_earns_the_demand_rate_and_the_rest_keeps_its_terms(
        kernel: Kernel) -> None:
    pair, deposit = placed(kernel, "10000.00", funds="10000.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        result = corebank.withdraw_deposit_partially(
            session, alice, idempotency_key=key(), deposit_id=deposit.id,
            amount=cny("4000.00"), on=date(2025, 4, 10))
    # 4,000 × 0.20% × 90 / 365
    assert result.interest == cny("1.97")
    assert result.paid_to_demand == cny("4001.97")
    assert result.remaining_principal == cny("6000.00")
    with kernel.db.session() as session:
        after = corebank.get_deposit(session, alice, deposit_id=deposit.id)
        assert after.principal == cny("6000.00")
        assert (after.annual_rate, after.term, after.maturity_date, after.status) == \
            (deposit.annual_rate, "1y", deposit.maturity_date, "active")
        assert after.partial_withdrawn == cny("4000.00")
        # a year on 6,000 at the 1-year rate
        assert after.interest_at_maturity == cny("81.00")
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("4001.97")
        assert corebank.verify_books(session).ok
    with kernel.db.session() as session:
        report = corebank.run_maturities(session, JOB, on=deposit.maturity_date)
        assert report.deposits[0].principal == cny("6000.00")


def test_a_second_partial_withdrawal_is_refused(kernel: Kernel) -> None:
    pair, deposit = placed(kernel, "10000.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        corebank.withdraw_deposit_partially(session, alice, idempotency_key=key(),
                                            deposit_id=deposit.id, amount=cny("100.00"),
                                            on=date(2025, 2, 1))
    refused(kernel, lambda session: corebank.withdraw_deposit_partially(
        session, alice, idempotency_key=key(), deposit_id=deposit.id, amount=cny("100.00"),
        on=date(2025, 3, 1)), PartialWithdrawalUsed, "partial_withdrawal_used")


@pytest.mark.parametrize("amount", ["9950.01", "10000.00", "12000.00"])
def test_less_than_the_minimum_may_not_stay(kernel: Kernel, amount: str) -> None:
    pair, deposit = placed(kernel, "10000.00")
    refused(kernel, lambda session: corebank.withdraw_deposit_partially(
        session, customer_actor(pair.alice), idempotency_key=key(), deposit_id=deposit.id,
        amount=cny(amount), on=date(2025, 2, 1)), RemainingBelowMinimum,
        "remaining_below_minimum")


def test_exactly_the_minimum_may_stay(kernel: Kernel) -> None:
    pair, deposit = placed(kernel, "10000.00")
    with kernel.db.session() as session:
        result = corebank.withdraw_deposit_partially(
            session, customer_actor(pair.alice), idempotency_key=key(), deposit_id=deposit.id,
            amount=cny("9950.00"), on=date(2025, 2, 1))
    assert result.remaining_principal == cny("50.00")


def test_large_cds_follow_their_product_rule(kernel: Kernel) -> None:
    pair, deposit = placed(kernel, "300000.00", product=DepositProduct.CD)
    alice = customer_actor(pair.alice)
    refused(kernel, lambda session: corebank.withdraw_deposit_partially(
        session, alice, idempotency_key=key(), deposit_id=deposit.id, amount=cny("1000.00"),
        on=date(2025, 2, 1)), PartialWithdrawalNotAllowed, "partial_withdrawal_not_allowed")
    kernel.settings.cd_partial_withdrawal = True
    try:
        refused(kernel, lambda session: corebank.withdraw_deposit_partially(
            session, alice, idempotency_key=key(), deposit_id=deposit.id,
            amount=cny("100000.01"), on=date(2025, 2, 1)), RemainingBelowMinimum,
            "remaining_below_minimum")
        with kernel.db.session() as session:
            result = corebank.withdraw_deposit_partially(
                session, alice, idempotency_key=key(), deposit_id=deposit.id,
                amount=cny("100000.00"), on=date(2025, 2, 1))
        assert result.remaining_principal == cny("200000.00")
    finally:
        kernel.settings.cd_partial_withdrawal = False


def test_others_and_matured_deposits_cannot_be_partly_withdrawn(kernel: Kernel) -> None:
    pair, deposit = placed(kernel, "10000.00")
    refused(kernel, lambda session: corebank.withdraw_deposit_partially(
        session, customer_actor(pair.bob), idempotency_key=key(), deposit_id=deposit.id,
        amount=cny("100.00"), on=date(2025, 2, 1)), NotYourAccount, "not_your_account")
    refused(kernel, lambda session: corebank.withdraw_deposit_partially(
        session, TELLER, idempotency_key=key(), deposit_id=deposit.id, amount=cny("100.00"),
        on=date(2026, 1, 10)), DepositNotActive, "deposit_not_active")
