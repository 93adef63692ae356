"""Time deposits and large CDs: placing, instructions, early withdrawal and maturity."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RateProduct,
    Term,
)
from contactless.corebank.errors import (
    BelowMinimum,
    DepositNotActive,
    InstructionLocked,
    InsufficientFunds,
    InvalidTerm,
    NotYourAccount,
)
from contactless.corebank.models import DepositRate, JournalEntry
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
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

START = date(2025, 1, 15)


def place(kernel: Kernel, pair: Pair, *, amount: str = "100000.00", term: Term = Term.Y1,
          product: DepositProduct = DepositProduct.TIME,
          instruction: MaturityInstruction = MaturityInstruction.PAYOUT,
          on: date = START) -> uuid.UUID:
    with kernel.db.session() as session:
        return corebank.place_deposit(
            session, customer_actor(pair.alice), idempotency_key=key(),
            source_account_id=pair.alice_account, product=product, term=term,
            amount=cny(amount), instruction=instruction, on=on).id


def balance(kernel: Kernel, account_id: uuid.UUID) -> Decimal:
    with kernel.db.session() as session:
        return corebank.get_account(session, TELLER, account_id=account_id).balance.amount


def test_default_rates_follow_the_published_table() -> None:
    from contactless.corebank.constants import DEFAULT_RATES

    assert DEFAULT_RATES[(RateProduct.DEMAND, "none")] == Decimal("0.0020")
    assert DEFAULT_RATES[(RateProduct.TIME, "1y")] == Decimal("0.0135")
    assert DEFAULT_RATES[(RateProduct.TIME, "5y")] == Decimal("0.0180")
    for term in Term:
        assert DEFAULT_RATES[(RateProduct.CD, term.value)] > \
            DEFAULT_RATES[(RateProduct.TIME, term.value)]


def test_placing_a_deposit_moves_money_at_the_rate_of_the_day(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="150000.00")
    with kernel.db.session() as session:
        deposit = corebank.place_deposit(
            session, customer_actor(pair.alice), idempotency_key=key(),
            source_account_id=pair.alice_account, product=DepositProduct.TIME, term=Term.Y1,
            amount=cny("100000.00"), on=START)
    assert deposit.annual_rate == Decimal("0.0135")
    assert deposit.maturity_date == date(2026, 1, 15)
    assert deposit.interest_at_maturity == cny("1350.00")
    assert deposit.instruction == "payout"
    assert deposit.status == "active"
    assert balance(kernel, pair.alice_account) == Decimal("50000.00")
    assert balance(kernel, deposit.account_id) == Decimal("100000.00")
    with kernel.db.session() as session:
        listed = corebank.deposits_of_customer(session, customer_actor(pair.alice),
                                               customer_id=pair.alice)
        assert [d.id for d in listed] == [deposit.id]
        with pytest.raises(NotYourAccount):
            corebank.deposits_of_customer(session, customer_actor(pair.bob),
                                          customer_id=pair.alice)
        assert corebank.verify_books(session).ok


def test_the_rate_table_is_effective_dated(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="300000.00")
    with kernel.db.session() as session:
        assert corebank.seed_default_rates(session) == 13
        assert corebank.seed_default_rates(session) == 0
        corebank.set_deposit_rate(session, PRODUCT_ADMIN, idempotency_key=key(),
                                  product=RateProduct.TIME, term="1y", currency="CNY",
                                  annual_rate=Decimal("0.0110"), effective_from=date(2025, 6, 1))
        assert session.scalar(select(func.count()).select_from(DepositRate)) == 14
        assert corebank.current_rate(session, product=RateProduct.TIME, term="1y",
                                     on=date(2025, 5, 31)) == Decimal("0.0135")
        assert corebank.current_rate(session, product=RateProduct.TIME, term="1y",
                                     on=date(2025, 6, 1)) == Decimal("0.0110")
    before = place(kernel, pair, on=date(2025, 5, 31))
    after = place(kernel, pair, on=date(2025, 6, 2))
    with kernel.db.session() as session:
        assert corebank.get_deposit(session, TELLER, deposit_id=before).annual_rate \
            == Decimal("0.0135")
        assert corebank.get_deposit(session, TELLER, deposit_id=after).annual_rate \
            == Decimal("0.0110")


def test_a_large_cd_starts_at_200000_and_pays_more(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="500000.00")
    with pytest.raises(BelowMinimum) as caught:
        place(kernel, pair, amount="199999.99", product=DepositProduct.CD)
    assert caught.value.code == "below_minimum"
    cd = place(kernel, pair, amount="200000.00", product=DepositProduct.CD, term=Term.Y3)
    with kernel.db.session() as session:
        view = corebank.get_deposit(session, TELLER, deposit_id=cd)
        assert view.product == "cd"
        assert view.annual_rate == Decimal("0.0215")
        account = corebank.get_account(session, TELLER, account_id=view.account_id)
        assert account.kind == "certificate_of_deposit"


def test_bad_deposits_are_refused(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00")
    with pytest.raises(InsufficientFunds):
        place(kernel, pair, amount="1000.01")
    with pytest.raises(InvalidTerm), kernel.db.session() as session:
        corebank.current_rate(session, product=RateProduct.TIME, term="7y", on=START)
    with pytest.raises(NotYourAccount), kernel.db.session() as session:
        corebank.place_deposit(session, customer_actor(pair.bob), idempotency_key=key(),
                               source_account_id=pair.alice_account,
                               product=DepositProduct.TIME, term=Term.M3,
                               amount=cny("10.00"), on=START)
    assert balance(kernel, pair.alice_account) == Decimal("1000.00")


def test_the_instruction_can_change_until_the_day_before_maturity(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="10000.00")
    deposit = place(kernel, pair, amount="10000.00", term=Term.M3)  # matures 2025-04-15
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        changed = corebank.change_maturity_instruction(
            session, alice, idempotency_key=key(), deposit_id=deposit,
            instruction=MaturityInstruction.RENEW_ALL, on=date(2025, 4, 14))
        assert changed.instruction == "renew_all"
        with pytest.raises(InstructionLocked):
            corebank.change_maturity_instruction(
                session, alice, idempotency_key=key(), deposit_id=deposit,
                instruction=MaturityInstruction.PAYOUT, on=date(2025, 4, 15))
        with pytest.raises(NotYourAccount):
            corebank.change_maturity_instruction(
                session, customer_actor(pair.bob), idempotency_key=key(), deposit_id=deposit,
                instruction=MaturityInstruction.PAYOUT, on=date(2025, 4, 1))
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "corebank.change_maturity_instruction")) == 1


def test_early_withdrawal_pays_the_demand_rate_for_the_days_held(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100000.00")
    deposit = place(kernel, pair, amount="100000.00", term=Term.Y2)
    with kernel.db.session() as session:
        settled = corebank.withdraw_deposit_early(session, customer_actor(pair.alice),
                                                  idempotency_key=key(), deposit_id=deposit,
                                                  on=date(2025, 4, 15))
    # 90 days at 0.20%: 100000 × 0.002 × 90 / 365 = 49.315… → 49.32
    assert settled.days == 90
    assert settled.annual_rate_applied == Decimal("0.0020")
    assert settled.interest == cny("49.32")
    assert balance(kernel, pair.alice_account) == Decimal("100049.32")
    with kernel.db.session() as session:
        view = corebank.get_deposit(session, TELLER, deposit_id=deposit)
        assert view.status == "withdrawn"
        assert view.interest_paid == cny("49.32")
        with pytest.raises(DepositNotActive):
            corebank.withdraw_deposit_early(session, customer_actor(pair.alice),
                                            idempotency_key=key(), deposit_id=deposit,
                                            on=date(2025, 4, 16))
        lines = {line.account_kind: line for line in corebank.trial_balance(session).lines}
        assert lines["interest_expense"].debits == Decimal("49.32")
        assert corebank.verify_books(session).ok


@pytest.mark.parametrize(("instruction", "to_demand", "renewed"), [
    (MaturityInstruction.PAYOUT, "101350.00", None),
    (MaturityInstruction.RENEW_ALL, "0.00", "101350.00"),
    (MaturityInstruction.RENEW_PRINCIPAL, "1350.00", "100000.00"),
])
def test_maturity_follows_the_instruction(kernel: Kernel, instruction: MaturityInstruction,
                                          to_demand: str, renewed: str | None) -> None:
    pair = make_pair(kernel, alice_funds="100000.00")
    deposit = place(kernel, pair, instruction=instruction)
    with kernel.db.session() as session:
        nothing = corebank.run_maturities(session, JOB, on=date(2026, 1, 14))
        assert nothing.deposits == []
        report = corebank.run_maturities(session, JOB, on=date(2026, 1, 15))
    assert [m.deposit_id for m in report.deposits] == [deposit]
    assert report.deposits[0].interest == cny("1350.00")
    assert balance(kernel, pair.alice_account) == Decimal(to_demand)
    with kernel.db.session() as session:
        old = corebank.get_deposit(session, TELLER, deposit_id=deposit)
        assert old.status == ("matured" if renewed is None else "renewed")
        active = corebank.deposits_of_customer(session, TELLER, customer_id=pair.alice)
        if renewed is None:
            assert active == []
        else:
            (fresh,) = active
            assert fresh.principal == cny(renewed)
            assert fresh.renewed_from_id == deposit
            assert fresh.start_date == date(2026, 1, 15)
            assert fresh.maturity_date == date(2027, 1, 15)
            assert fresh.instruction == instruction.value
        assert corebank.verify_books(session).ok
        assert corebank.trial_balance(session).balanced


def test_a_renewal_into_another_term_happens_in_the_maturity_entry(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100000.00")
    deposit = place(kernel, pair)  # 1 year from 2025-01-15
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        same = corebank.change_maturity_instruction(
            session, alice, idempotency_key=key(), deposit_id=deposit,
            instruction=MaturityInstruction.RENEW_ALL, renewal_term=Term.Y1, on=date(2025, 6, 1))
        assert same.renewal_term is None  # its own term needs no note
        paid = corebank.change_maturity_instruction(
            session, alice, idempotency_key=key(), deposit_id=deposit,
            instruction=MaturityInstruction.PAYOUT, renewal_term=Term.Y3, on=date(2025, 6, 1))
        assert paid.renewal_term is None  # nothing is renewed
        longer = corebank.change_maturity_instruction(
            session, alice, idempotency_key=key(), deposit_id=deposit,
            instruction=MaturityInstruction.RENEW_PRINCIPAL, renewal_term=Term.Y3,
            on=date(2025, 6, 1))
        assert (longer.instruction, longer.renewal_term) == ("renew_principal", "3y")
        entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with kernel.db.session() as session:
        report = corebank.run_maturities(session, JOB, on=date(2026, 1, 15))
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries + 1
        (fresh,) = corebank.deposits_of_customer(session, TELLER, customer_id=pair.alice)
        three_years = corebank.current_rate(session, product=RateProduct.TIME, term="3y",
                                            on=date(2026, 1, 15))
        assert corebank.verify_books(session).ok
    assert report.deposits[0].renewed_deposit_id == fresh.id
    assert (fresh.term, fresh.principal, fresh.renewal_term) == ("3y", cny("100000.00"), None)
    assert fresh.annual_rate == three_years
    assert fresh.maturity_date == date(2029, 1, 15)
    assert balance(kernel, pair.alice_account) == Decimal("1350.00")  # the interest


def test_running_maturities_twice_changes_nothing(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="30000.00")
    place(kernel, pair, amount="10000.00", term=Term.M3)
    place(kernel, pair, amount="10000.00", term=Term.M3, instruction=MaturityInstruction.RENEW_ALL)
    place(kernel, pair, amount="10000.00", term=Term.M6)
    with kernel.db.session() as session:
        first = corebank.run_maturities(session, JOB, on=date(2025, 4, 15))
        entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with kernel.db.session() as session:
        second = corebank.run_maturities(session, JOB, on=date(2025, 4, 15))
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert len(first.deposits) == 2
    assert second.deposits == []
    # 10000 × 1.05% × 90 / 365 = 25.89
    assert {m.interest for m in first.deposits} == {cny("25.89")}


def test_a_runner_that_missed_days_catches_up_including_renewals(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="10000.00")
    deposit = place(kernel, pair, amount="10000.00", term=Term.M3,
                    instruction=MaturityInstruction.RENEW_ALL)
    with kernel.db.session() as session:
        report = corebank.run_maturities(session, JOB, on=date(2025, 8, 1))
    # matured 2025-04-15, renewed, matured again 2025-07-15, renewed again
    assert len(report.deposits) == 2
    assert report.deposits[0].deposit_id == deposit
    with kernel.db.session() as session:
        (current,) = corebank.deposits_of_customer(session, TELLER, customer_id=pair.alice)
        assert current.start_date == date(2025, 7, 15)
        # 10000 + 25.89 (90 days), then + 26.25 on 10025.89 (91 days)
        assert current.principal == cny("10052.14")


def test_customers_cannot_run_the_maturity_job(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    from contactless.corebank.errors import StaffOnly

    with pytest.raises(StaffOnly), kernel.db.session() as session:
        corebank.run_maturities(session, customer_actor(pair.alice), on=START)
