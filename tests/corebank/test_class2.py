"""Class II accounts (二类户): bound to a Class I account, capped for everything else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    CLASS2_DAILY_INFLOW_LIMIT,
    CLASS2_YEARLY_INFLOW_LIMIT,
    DepositProduct,
    Term,
)
from contactless.corebank.errors import BindingRequired, Class2LimitExceeded, InvalidAccountClass
from contactless.corebank.models import JournalEntry
from contactless.platform.kernel import Kernel
from tests.factories.corebank import (
    JOB,
    TELLER,
    cny,
    customer_actor,
    insert_customers,
    key,
    open_account,
)

DAY = date(2025, 3, 3)


@dataclass(frozen=True)
class Setup:
    owner: uuid.UUID
    other: uuid.UUID
    class1: uuid.UUID
    class2: uuid.UUID
    other_account: uuid.UUID


def setup(kernel: Kernel) -> Setup:
    with kernel.db.session() as session:
        owner, other = insert_customers(session, kernel.cipher, 2)
        class1 = open_account(session, owner, funds="500000.00", on=DAY)
        mobile = corebank.open_account(session, customer_actor(owner), idempotency_key=key(),
                                       customer_id=owner, account_class=2,
                                       bound_account_id=class1.id, on=DAY)
        other_account = open_account(session, other, funds="500000.00", on=DAY)
        return Setup(owner, other, class1.id, mobile.id, other_account.id)


def test_the_limits_are_the_pboc_figures() -> None:
    assert CLASS2_DAILY_INFLOW_LIMIT == 10_000
    assert CLASS2_YEARLY_INFLOW_LIMIT == 200_000


def test_a_class2_account_must_be_bound_to_the_customers_own_class1(kernel: Kernel) -> None:
    s = setup(kernel)
    with pytest.raises(BindingRequired), kernel.db.session() as session:
        corebank.open_account(session, customer_actor(s.owner), idempotency_key=key(),
                              customer_id=s.owner, account_class=2)
    with pytest.raises(BindingRequired), kernel.db.session() as session:
        corebank.open_account(session, customer_actor(s.owner), idempotency_key=key(),
                              customer_id=s.owner, account_class=2,
                              bound_account_id=s.other_account)
    with pytest.raises(InvalidAccountClass), kernel.db.session() as session:
        corebank.open_account(session, TELLER, idempotency_key=key(), customer_id=s.owner,
                              account_class=3)
    with kernel.db.session() as session:
        external = corebank.open_account(session, customer_actor(s.owner),
                                         idempotency_key=key(), customer_id=s.owner,
                                         account_class=2,
                                         bound_external_account="6222020200112233445")
        assert external.account_class == 2
        assert external.bound_external_account == "****3445"


def test_money_from_the_bound_account_is_not_capped(kernel: Kernel) -> None:
    s = setup(kernel)
    with kernel.db.session() as session:
        corebank.transfer(session, customer_actor(s.owner), idempotency_key=key(),
                          source_account_id=s.class1, target_account_id=s.class2,
                          amount=cny("50000.00"), on=DAY)
        corebank.transfer(session, customer_actor(s.owner), idempotency_key=key(),
                          source_account_id=s.class2, target_account_id=s.class1,
                          amount=cny("30000.00"), on=DAY)
        assert corebank.get_account(session, TELLER, account_id=s.class2).balance \
            == cny("20000.00")


def _entries(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def test_inflows_from_others_stop_at_10000_a_day(kernel: Kernel) -> None:
    s = setup(kernel)
    other = customer_actor(s.other)
    with kernel.db.session() as session:
        corebank.transfer(session, other, idempotency_key=key(), source_account_id=s.other_account,
                          target_account_id=s.class2, amount=cny("6000.00"), on=DAY)
        corebank.transfer(session, other, idempotency_key=key(), source_account_id=s.other_account,
                          target_account_id=s.class2, amount=cny("4000.00"), on=DAY)
    before = _entries(kernel)
    with pytest.raises(Class2LimitExceeded) as caught, kernel.db.session() as session:
        corebank.transfer(session, other, idempotency_key=key(), source_account_id=s.other_account,
                          target_account_id=s.class2, amount=cny("0.01"), on=DAY)
    assert caught.value.code == "class2_limit_exceeded"
    assert caught.value.status == 409
    assert caught.value.extra["limit"] == "daily"
    assert _entries(kernel) == before
    with kernel.db.session() as session:
        # a new day, a new allowance; cash at the counter counts too
        corebank.deposit_cash(session, TELLER, idempotency_key=key(), account_id=s.class2,
                              amount=cny("10000.00"), on=DAY + timedelta(days=1))
        with pytest.raises(Class2LimitExceeded):
            corebank.receive_inbound_transfer(
                session, JOB, idempotency_key=key(), target_account_id=s.class2,
                amount=cny("1.00"), bank_code="ICBC", external_account="6222999988887777",
                on=DAY + timedelta(days=1))


def test_outflows_to_others_stop_at_10000_a_day(kernel: Kernel) -> None:
    s = setup(kernel)
    me = customer_actor(s.owner)
    with kernel.db.session() as session:
        corebank.transfer(session, me, idempotency_key=key(), source_account_id=s.class1,
                          target_account_id=s.class2, amount=cny("40000.00"), on=DAY)
        corebank.card_payment(session, JOB, idempotency_key=key(), account_id=s.class2,
                              amount=cny("7000.00"), merchant="appliances", on=DAY)
        with pytest.raises(Class2LimitExceeded):
            corebank.send_outbound_transfer(
                session, me, idempotency_key=key(), source_account_id=s.class2,
                bank_code="CCB", external_account="6217000011112222", amount=cny("3000.01"),
                on=DAY)
        corebank.transfer(session, me, idempotency_key=key(), source_account_id=s.class2,
                          target_account_id=s.other_account, amount=cny("3000.00"), on=DAY)
        # the bank's own products are not capped
        corebank.place_deposit(session, me, idempotency_key=key(), source_account_id=s.class2,
                               product=DepositProduct.TIME, term=Term.M3,
                               amount=cny("20000.00"), on=DAY)
        assert corebank.get_account(session, me, account_id=s.class2).balance \
            == cny("10000.00")


def test_inflows_stop_at_200000_a_year(kernel: Kernel) -> None:
    s = setup(kernel)
    with kernel.db.session() as session:
        for day in range(20):
            corebank.receive_inbound_transfer(
                session, JOB, idempotency_key=key(), target_account_id=s.class2,
                amount=cny("10000.00"), bank_code="ICBC", external_account="6222999988887777",
                on=date(2025, 1, 2) + timedelta(days=day))
        with pytest.raises(Class2LimitExceeded) as caught:
            corebank.receive_inbound_transfer(
                session, JOB, idempotency_key=key(), target_account_id=s.class2,
                amount=cny("1.00"), bank_code="ICBC", external_account="6222999988887777",
                on=date(2025, 6, 1))
        assert caught.value.extra["limit"] == "yearly"
        corebank.receive_inbound_transfer(
            session, JOB, idempotency_key=key(), target_account_id=s.class2,
            amount=cny("10000.00"), bank_code="ICBC", external_account="6222999988887777",
            on=date(2026, 1, 1))
