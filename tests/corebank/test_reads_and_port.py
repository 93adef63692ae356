"""Statements, the trial balance, who may read what, and plugging in another core."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.errors import AccountNotFound, NotYourAccount, PortNotConfigured
from contactless.corebank.ledger import EmbeddedLedger
from contactless.corebank.port import CoreBankPort
from contactless.corebank.schemas import AccountView
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from tests.factories.corebank import JOB, TELLER, cny, customer_actor, key, make_pair

DAY = date(2025, 5, 1)


def test_a_statement_pages_newest_first_with_running_balances(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="100.00")
    alice = customer_actor(pair.alice)
    with kernel.db.session() as session:
        for n in range(1, 6):
            corebank.transfer(session, alice, idempotency_key=key(),
                              source_account_id=pair.alice_account,
                              target_account_id=pair.bob_account, amount=cny(f"{n}.00"),
                              memo=f"#{n}", on=DAY)
        first = corebank.account_history(session, alice, account_id=pair.alice_account,
                                         page=1, page_size=4)
        second = corebank.account_history(session, alice, account_id=pair.alice_account,
                                          page=2, page_size=4)
        with pytest.raises(NotYourAccount):
            corebank.account_history(session, customer_actor(pair.bob),
                                     account_id=pair.alice_account)
    assert first.total == 6
    assert second.total == 6
    lines = first.items + second.items
    assert [line.seq for line in lines] == [6, 5, 4, 3, 2, 1]
    assert [line.amount.amount for line in lines] == [
        Decimal(v) for v in ("-5.00", "-4.00", "-3.00", "-2.00", "-1.00", "100.00")]
    assert [line.balance_after.amount for line in lines] == [
        Decimal(v) for v in ("85.00", "90.00", "94.00", "97.00", "99.00", "100.00")]
    assert lines[0].memo == "#5"
    assert lines[0].kind == "transfer"
    assert lines[-1].kind == "cash_deposit"


def test_the_trial_balance_lists_every_kind_and_balances(kernel: Kernel) -> None:
    pair = make_pair(kernel, alice_funds="500.00", bob_funds="250.00")
    with kernel.db.session() as session:
        corebank.card_payment(session, JOB, idempotency_key=key(),
                              account_id=pair.bob_account, amount=cny("50.00"), merchant="x")
        tb = corebank.trial_balance(session)
    lines = {(line.currency, line.account_kind): line for line in tb.lines}
    assert lines[("CNY", "cash")].debits == Decimal("750.00")
    assert lines[("CNY", "demand")].credits == Decimal("700.00")
    assert lines[("CNY", "demand")].accounts == 2
    assert lines[("CNY", "clearing")].credits == Decimal("50.00")
    assert tb.totals["CNY"].debits == tb.totals["CNY"].credits == Decimal("750.00")
    assert tb.balanced


def test_customers_read_only_their_own_and_staff_within_their_scope(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    with kernel.db.session() as session:
        mine = corebank.accounts_of_customer(session, customer_actor(pair.alice),
                                             customer_id=pair.alice)
        assert [account.id for account in mine] == [pair.alice_account]
        with pytest.raises(NotYourAccount) as caught:
            corebank.accounts_of_customer(session, customer_actor(pair.alice),
                                          customer_id=pair.bob)
        assert caught.value.status == 403
        with pytest.raises(NotYourAccount):
            corebank.get_account(session, customer_actor(pair.alice),
                                 account_id=pair.bob_account)
        with pytest.raises(AccountNotFound):
            corebank.get_account(session, TELLER, account_id=uuid.uuid4())
        only_alice = {pair.alice}
        corebank.get_account(session, TELLER, account_id=pair.alice_account,
                             can_see_customer=only_alice.__contains__)
        with pytest.raises(NotYourAccount):
            corebank.get_account(session, TELLER, account_id=pair.bob_account,
                                 can_see_customer=only_alice.__contains__)
        partner = Actor(kind="partner", id="acme", channel="partner")
        with pytest.raises(NotYourAccount):
            corebank.get_account(session, partner, account_id=pair.bob_account)
        assert corebank.loans_of_customer(session, TELLER, customer_id=pair.bob) == []
        assert corebank.holdings_of_customer(session, TELLER, customer_id=pair.bob) == []


def test_the_embedded_ledger_implements_the_port(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        port = corebank.get_port(session)
        assert isinstance(port, EmbeddedLedger)
        assert isinstance(port, CoreBankPort)


class RecordingCore(EmbeddedLedger):
    """A stand-in for a bank's own core: records what it was asked, answers like the ledger."""

    calls: list[str] = []

    def open_account(self, actor: Actor, **kwargs: object) -> AccountView:  # type: ignore[override]
        RecordingCore.calls.append(f"open_account:{kwargs['idempotency_key']}")
        return super().open_account(actor, **kwargs)  # type: ignore[arg-type]


def make_recording_core(session: Session) -> CoreBankPort:
    return RecordingCore(session)


def test_a_bank_plugs_its_own_core_in_through_settings(kernel: Kernel) -> None:
    pair = make_pair(kernel)
    RecordingCore.calls.clear()
    settings = SimpleNamespace(corebank_port=f"{__name__}:make_recording_core",
                               timezone="Asia/Shanghai", audit_key=kernel.settings.audit_key)
    with kernel.db.session() as session:
        session.info["kernel"] = SimpleNamespace(settings=settings, extensions={})
        assert isinstance(corebank.get_port(session), RecordingCore)
        corebank.open_account(session, TELLER, idempotency_key="via-core", customer_id=pair.bob)
        # the service still guards the key: a replay never reaches the core
        corebank.open_account(session, TELLER, idempotency_key="via-core", customer_id=pair.bob)
    assert RecordingCore.calls == ["open_account:via-core"]


def test_a_misconfigured_port_is_a_clear_error(kernel: Kernel) -> None:
    with kernel.db.session() as session:
        for name in ("no_such_entry_point", "no.such.module:factory"):
            session.info["kernel"] = SimpleNamespace(settings=SimpleNamespace(corebank_port=name))
            with pytest.raises(PortNotConfigured) as caught:
                corebank.get_port(session)
            assert caught.value.code == "corebank_port_not_configured"
