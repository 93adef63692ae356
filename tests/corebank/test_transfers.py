"""Moving money between customers and to other banks."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.errors import (
    AccountFrozen,
    AccountNotFound,
    InsufficientFunds,
    InvalidAmount,
    NotYourAccount,
    SameAccount,
    StaffOnly,
    TransferNotPending,
)
from contactless.corebank.models import IdempotentRequest, JournalEntry, Posting
from contactless.platform.audit import AuditEntry
from contactless.platform.audit_verify import verify_chain
from contactless.platform.db import Base
from contactless.platform.errors import IdempotencyKeyReused
from contactless.platform.events import OutboxEvent
from contactless.platform.kernel import Kernel
from contactless.platform.money import CurrencyMismatch, Money, TooManyDecimals, UnknownCurrency
from tests.factories.corebank import (
    JOB,
    TELLER,
    cny,
    customer_actor,
    key,
    make_pair,
    open_account,
)


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_transfer_moves_money_and_leaves_a_balanced_entry(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        result = corebank.transfer(session, alice, idempotency_key="t-1",
                                   source_account_id=pair.alice_account,
                                   target_account_id=pair.bob_account, amount=cny("250.50"),
                                   memo="dinner")
    assert result.source_balance == cny("749.50")
    with kernel.db.session() as session:
        assert corebank.get_account(session, TELLER, account_id=pair.bob_account).balance \
            == cny("250.50")
        entry = session.get(JournalEntry, result.entry_id)
        assert entry is not None
        assert (entry.actor_kind, entry.actor_id, entry.channel) == \
            ("customer", str(pair.alice), "mobile")
        postings = session.scalars(select(Posting).where(Posting.entry_id == entry.id)).all()
        assert sum(p.amount for p in postings) == 0
        assert len(postings) == 2
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "corebank.transfer")) == 1
        assert verify_chain(session).ok
        topics = session.scalars(select(OutboxEvent.topic)).all()
        assert "corebank.transfer_completed" in topics
        assert corebank.verify_books(session).ok


def test_a_replay_returns_the_first_result_and_posts_nothing(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100.00")
    alice = customer_actor(pair.alice)
    request = dict(source_account_id=pair.alice_account, target_account_id=pair.bob_account,
                   amount=cny("10.00"))
    with kernel.db.session() as session:
        first = corebank.transfer(session, alice, idempotency_key="same", **request)
    with kernel.db.session() as session:
        entries = count(session, JournalEntry)
        again = corebank.transfer(session, alice, idempotency_key="same", **request)
        # 10.0 is the same request as 10.00
        also = corebank.transfer(session, alice, idempotency_key="same",
                                 **{**request, "amount": Money(Decimal("10.0"), "CNY")})
        assert again == first == also
        assert count(session, JournalEntry) == entries
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("90.00")


def test_a_replay_after_the_money_is_spent_returns_the_first_result(kernel: Kernel) -> None:
    # the key is claimed after the posting is worked out: the replay's own posting is refused
    # (no funds left), and the first request's result comes back instead of that refusal
    pair = make_pair(kernel, alice_funds="100.00")
    alice = customer_actor(pair.alice)
    request = dict(source_account_id=pair.alice_account, target_account_id=pair.bob_account,
                   amount=cny("100.00"))
    with kernel.db.session() as session:
        first = corebank.transfer(session, alice, idempotency_key="all-of-it", **request)
    with kernel.db.session() as session:
        assert corebank.transfer(session, alice, idempotency_key="all-of-it", **request) == first
        with pytest.raises(InsufficientFunds):  # a new key is a new transfer
            corebank.transfer(session, alice, idempotency_key="all-of-it-again", **request)
        assert session.scalar(select(func.count()).select_from(IdempotentRequest).where(
            IdempotentRequest.key.like("all-of-it%"))) == 1
        assert corebank.verify_books(session).ok


def test_the_same_key_with_another_request_is_refused(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        corebank.transfer(session, alice, idempotency_key="k", source_account_id=pair.alice_account,
                          target_account_id=pair.bob_account, amount=cny("10.00"))
    with pytest.raises(IdempotencyKeyReused) as caught, kernel.db.session() as session:
        corebank.transfer(session, alice, idempotency_key="k", source_account_id=pair.alice_account,
                          target_account_id=pair.bob_account, amount=cny("11.00"))
    assert caught.value.code == "idempotency_key_reused"
    with kernel.db.session() as session:
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("90.00")


def test_keys_are_scoped_to_the_actor(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100.00", bob_funds="100.00")
    with kernel.db.session() as session:
        corebank.transfer(session, customer_actor(pair.alice), idempotency_key="mine",
                          source_account_id=pair.alice_account,
                          target_account_id=pair.bob_account, amount=cny("1.00"))
        corebank.transfer(session, customer_actor(pair.bob), idempotency_key="mine",
                          source_account_id=pair.bob_account,
                          target_account_id=pair.alice_account, amount=cny("2.00"))
        mine = session.scalars(select(IdempotentRequest.scope).where(
            IdempotentRequest.key == "mine")).all()
        assert sorted(mine) == sorted([f"customer:{pair.alice}", f"customer:{pair.bob}"])
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("101.00")


def _refused(kernel: Kernel, actor_id: uuid.UUID, source: uuid.UUID, target: uuid.UUID,
             amount: Money, error: type[Exception], code: str) -> None:
    with kernel.db.session() as session:
        entries, requests = count(session, JournalEntry), count(session, IdempotentRequest)
    with pytest.raises(error) as caught, kernel.db.session() as session:
        corebank.transfer(session, customer_actor(actor_id), idempotency_key=key(),
                          source_account_id=source, target_account_id=target, amount=amount)
    assert getattr(caught.value, "code", None) == code
    with kernel.db.session() as session:
        assert count(session, JournalEntry) == entries
        assert count(session, IdempotentRequest) == requests
        assert corebank.verify_books(session).ok


@pytest.mark.parametrize(("amount", "error", "code"), [
    (Money(Decimal("0"), "CNY"), InvalidAmount, "invalid_amount"),
    (Money(Decimal("-5.00"), "CNY"), InvalidAmount, "invalid_amount"),
    (Money(Decimal("1.005"), "CNY"), TooManyDecimals, "too_many_decimals"),
    (Money(Decimal("1.00"), "USD"), CurrencyMismatch, "currency_mismatch"),
    (Money(Decimal("1000.01"), "CNY"), InsufficientFunds, "insufficient_funds"),
])
def test_bad_amounts_are_refused_and_post_nothing(kernel: Kernel, amount: Money,
                                                  error: type[Exception], code: str) -> None:
    pair = make_pair(kernel, alice_funds="1000.00")
    _refused(kernel, pair.alice, pair.alice_account, pair.bob_account, amount, error, code)


def test_unknown_currencies_cannot_even_be_money_or_accounts(kernel: Kernel) -> None:
    with pytest.raises(UnknownCurrency):
        Money.of("1.00", "XYZ")
    pair = make_pair(kernel)
    with pytest.raises(UnknownCurrency), kernel.db.session() as session:
        corebank.open_account(session, TELLER, idempotency_key=key(), customer_id=pair.alice,
                              currency="XYZ")


def test_mixed_currency_accounts_cannot_transfer(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00")
    with kernel.db.session() as session:
        usd = open_account(session, pair.bob, currency="USD")
    _refused(kernel, pair.alice, pair.alice_account, usd.id, cny("1.00"), CurrencyMismatch,
             "currency_mismatch")


def test_same_account_unknown_account_and_someone_elses_account(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00", bob_funds="50.00")
    _refused(kernel, pair.alice, pair.alice_account, pair.alice_account, cny("1.00"),
             SameAccount, "same_account")
    _refused(kernel, pair.alice, pair.alice_account, uuid.uuid4(), cny("1.00"),
             AccountNotFound, "account_not_found")
    _refused(kernel, pair.alice, uuid.uuid4(), pair.bob_account, cny("1.00"),
             AccountNotFound, "account_not_found")
    _refused(kernel, pair.alice, pair.bob_account, pair.alice_account, cny("1.00"),
             NotYourAccount, "not_your_account")


def test_a_frozen_account_takes_money_in_but_lets_none_out(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="1000.00", bob_funds="100.00")
    with kernel.db.session() as session:
        frozen = corebank.freeze_account(session, TELLER, idempotency_key=key(),
                                         account_id=pair.alice_account, reason="court order")
        assert frozen.status == "frozen"
    _refused(kernel, pair.alice, pair.alice_account, pair.bob_account, cny("1.00"),
             AccountFrozen, "account_frozen")
    with kernel.db.session() as session:
        corebank.transfer(session, customer_actor(pair.bob), idempotency_key=key(),
                          source_account_id=pair.bob_account,
                          target_account_id=pair.alice_account, amount=cny("5.00"))
        corebank.unfreeze_account(session, JOB, idempotency_key=key(),
                                  account_id=pair.alice_account)
        corebank.transfer(session, customer_actor(pair.alice), idempotency_key=key(),
                          source_account_id=pair.alice_account,
                          target_account_id=pair.bob_account, amount=cny("1005.00"))
        assert corebank.get_account(session, TELLER, account_id=pair.alice_account).balance \
            == cny("0.00")


def test_customers_cannot_freeze_or_pay_in_cash(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    alice = customer_actor(pair.alice)
    with pytest.raises(StaffOnly), kernel.db.session() as session:
        corebank.freeze_account(session, alice, idempotency_key=key(),
                                account_id=pair.bob_account, reason="spite")
    with pytest.raises(StaffOnly), kernel.db.session() as session:
        corebank.deposit_cash(session, alice, idempotency_key=key(),
                              account_id=pair.alice_account, amount=cny("1.00"))


def test_a_failed_operation_leaves_the_callers_session_usable(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="10.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        with pytest.raises(InsufficientFunds):
            corebank.transfer(session, alice, idempotency_key="x",
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny("20.00"))
        # the failure did not use the key up: the same request goes through once funded
        corebank.deposit_cash(session, TELLER, idempotency_key=key(),
                              account_id=pair.alice_account, amount=cny("20.00"))
        corebank.transfer(session, alice, idempotency_key="x",
                          source_account_id=pair.alice_account,
                          target_account_id=pair.bob_account, amount=cny("20.00"))
        done = corebank.transfer(session, alice, idempotency_key="y",
                                 source_account_id=pair.alice_account,
                                 target_account_id=pair.bob_account, amount=cny("4.00"))
        assert done.source_balance == cny("6.00")
    with kernel.db.session() as session:
        assert corebank.verify_books(session).ok


def test_outbound_transfer_is_pending_then_settled(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="500.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        sent = corebank.send_outbound_transfer(
            session, alice, idempotency_key=key(), source_account_id=pair.alice_account,
            bank_code="ICBC", external_account="6222020200112233445", amount=cny("200.00"))
        assert sent.status == "pending"
        assert sent.external_account == "****3445"
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("300.00")
        settled = corebank.settle_outbound_transfer(session, TELLER, idempotency_key=key(),
                                                    transfer_id=sent.id)
        assert settled.status == "settled"
        with pytest.raises(TransferNotPending):
            corebank.return_outbound_transfer(session, JOB, idempotency_key=key(),
                                              transfer_id=sent.id, reason="late")
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("300.00")
        lines = {line.account_kind: line for line in corebank.trial_balance(session).lines}
        assert lines["clearing"].credits == Decimal("200.00")


def test_a_returned_outbound_transfer_credits_the_customer_back(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="500.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        sent = corebank.send_outbound_transfer(
            session, alice, idempotency_key=key(), source_account_id=pair.alice_account,
            bank_code="CCB", external_account="6217000011112222", amount=cny("120.00"))
        returned = corebank.return_outbound_transfer(session, JOB, idempotency_key=key(),
                                                     transfer_id=sent.id,
                                                     reason="account closed")
        assert returned.status == "returned"
        assert returned.return_entry_id is not None
        assert corebank.get_account(session, alice, account_id=pair.alice_account).balance \
            == cny("500.00")
        tb = corebank.trial_balance(session)
        assert tb.balanced
        assert {line.account_kind: line.net for line in tb.lines}["clearing"] == 0
        assert corebank.verify_books(session).ok


def test_card_payments_inbound_transfers_and_cash(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100.00")
    with kernel.db.session() as session:
        paid = corebank.card_payment(session, JOB, idempotency_key=key(),
                                     account_id=pair.alice_account, amount=cny("30.00"),
                                     merchant="coffee")
        assert paid.amount == cny("-30.00")
        assert paid.balance_after == cny("70.00")
        salary = corebank.receive_inbound_transfer(
            session, JOB, idempotency_key=key(), target_account_id=pair.alice_account,
            amount=cny("8000.00"), bank_code="BOC", external_account="6013820000000000",
            memo="salary")
        assert salary.balance_after == cny("8070.00")
        out = corebank.withdraw_cash(session, TELLER, idempotency_key=key(),
                                     account_id=pair.alice_account, amount=cny("70.00"))
        assert out.balance_after == cny("8000.00")
        assert corebank.trial_balance(session).balanced
        assert corebank.verify_books(session).ok
