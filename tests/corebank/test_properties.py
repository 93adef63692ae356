"""Random sequences of operations never break the books.

After every step: each entry's postings sum to zero per currency and so does the whole book,
each balance (and running balance) equals the sum of its postings, no demand account is below
zero, and every accepted request has posted exactly once (replays post nothing, refusals post
nothing)."""

from __future__ import annotations

import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from pydantic import BaseModel
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RepaymentMethod,
    RiskLevel,
    Term,
)
from contactless.corebank.errors import InterestAlreadySettled
from contactless.corebank.interest import previous_settlement_date
from contactless.corebank.models import InterestSettlement, JournalEntry
from contactless.corebank.schemas import AccountView
from contactless.corebank.service import approvals as corebank_approvals
from contactless.identity import approvals
from contactless.identity.approvals import ApprovalView
from contactless.platform.clock import today_in
from contactless.platform.context import Actor
from contactless.platform.db import Base
from contactless.platform.errors import ContactlessError, IdempotencyKeyReused
from contactless.platform.kernel import build_kernel
from contactless.platform.money import Money
from contactless.platform.store import MemoryStore
from tests.conftest import make_settings
from tests.factories.corebank import (
    CHECKER,
    JOB,
    PRODUCT_ADMIN,
    TELLER,
    customer_actor,
    insert_customers,
)

START = date(2025, 3, 10)
# amounts in fen: mostly everyday sums, sometimes large ones
fen = st.integers(min_value=1, max_value=50_000) | st.integers(min_value=1, max_value=3_000_000)
funding = st.integers(min_value=100_000, max_value=10_000_000)
odd_amount = st.sampled_from([Decimal("0"), Decimal("-1.00"), Decimal("0.001"),
                              Decimal("12.345")])
shared_keys = st.sampled_from(["k1", "k2", "k3"])


def cents(value: int) -> Money:
    return Money(Decimal(value) / 100, "CNY")


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    owner: uuid.UUID


class Books(RuleBasedStateMachine):
    accounts = Bundle("accounts")
    deposits = Bundle("deposits")
    loans = Bundle("loans")
    outbound = Bundle("outbound")

    def __init__(self) -> None:
        super().__init__()
        self.home = tempfile.TemporaryDirectory()
        self.kernel = build_kernel(make_settings(Path(self.home.name), "sqlite://"),
                                   store=MemoryStore())
        Base.metadata.create_all(self.kernel.db.engine)
        corebank_approvals.install(self.kernel)  # a second person's approval runs the item
        self.today = START
        self.fresh = 0
        # (actor scope, key) → (request, result) of every accepted keyed request that posts
        self.accepted: dict[tuple[str, str], tuple[Any, BaseModel]] = {}
        self.posting_keys: set[tuple[str, str]] = set()
        self.replayable: list[tuple[Actor, str, Any, Any, bool | None]] = []
        self.settled: set[date] = set()
        with self.kernel.db.session() as session:
            self.customers = insert_customers(session, self.kernel.cipher, 3)
            self.product = corebank.create_wealth_product(
                session, PRODUCT_ADMIN, idempotency_key="product", code="WM", name="理财",
                risk_level=RiskLevel.R2, min_purchase=cents(100), maturity_date=None,
                initial_nav=Decimal("1"), nav_date=START - timedelta(days=1)).id

    def teardown(self) -> None:
        self.kernel.db.dispose()
        self.home.cleanup()

    # -- helpers --------------------------------------------------------------------------------

    def key(self) -> str:
        self.fresh += 1
        return f"fresh-{self.fresh}"

    def entries(self) -> int:
        with self.kernel.db.session() as session:
            return session.scalar(select(func.count()).select_from(JournalEntry)) or 0

    def attempt(self, actor: Actor, key: str, request: Any, call: Any,
                posts: bool | None = True) -> BaseModel | None:
        """Run one keyed request and check what the books say about it. ``call`` binds every
        argument (the business date too) when the rule runs, so a replay sends the very same
        request. ``posts`` None: an accepted request may post any number of entries (a
        closing posts its interest and its balance move only when there is some)."""
        scope = (f"{actor.kind}:{actor.id}", key)
        rule_name = sys._getframe(1).f_code.co_name
        before = self.entries()
        previous = self.accepted.get(scope)
        try:
            with self.kernel.db.session() as session:
                result: BaseModel = call(session, key)
        except IdempotencyKeyReused:
            event(f"{rule_name}: key reused")
            assert previous is not None
            assert previous[0] != request
            assert self.entries() == before
            return None
        except ContactlessError as error:
            event(f"{rule_name}: refused ({error.code})")
            assert previous is None or previous[0] != request
            assert self.entries() == before, "a refused request posted"
            return None
        event(f"{rule_name}: {'replayed' if previous else 'accepted'}")
        if previous is not None:
            assert previous == (request, result), "a replay returned something else"
            assert self.entries() == before, "a replay posted"
            return result
        self.accepted[scope] = (request, result)
        self.replayable.append((actor, key, request, call, posts))
        if posts:
            self.posting_keys.add(scope)
            assert self.entries() == before + 1, "an accepted request did not post once"
        elif posts is False:
            assert self.entries() == before, "a request that posts nothing posted"
        return result

    # -- rules ----------------------------------------------------------------------------------

    @initialize(target=accounts, funds=funding)
    def first_account(self, funds: int) -> Account:
        return self._open(0, funds)

    @initialize(target=accounts, funds=funding)
    def second_account(self, funds: int) -> Account:
        return self._open(1, funds)

    @rule(target=accounts, who=st.integers(0, 2), funds=st.integers(0, 1) | funding)
    def open_account(self, who: int, funds: int) -> Account:
        return self._open(who, funds)

    def _open(self, who: int, funds: int) -> Account:
        owner = self.customers[who]
        with self.kernel.db.session() as session:
            account = corebank.open_account(session, TELLER, idempotency_key=self.key(),
                                            customer_id=owner, on=self.today)
            if funds:
                corebank.deposit_cash(session, TELLER, idempotency_key=self.key(),
                                      account_id=account.id, amount=cents(funds), on=self.today)
        return Account(account.id, owner)

    @rule(target=accounts, base=accounts)
    def open_class2(self, base: Account) -> Any:
        today = self.today
        actor = customer_actor(base.owner)
        opened = self.attempt(actor, self.key(), None, lambda session, k: corebank.open_account(
            session, actor, idempotency_key=k, customer_id=base.owner, account_class=2,
            bound_account_id=base.id, on=today), posts=False)
        return Account(opened.id, base.owner) if isinstance(opened, AccountView) else multiple()

    @rule(source=accounts, payee=accounts, amount=fen, key=shared_keys | st.just(""),
          as_owner=st.booleans())
    def transfer(self, source: Account, payee: Account, amount: int, key: str,
                 as_owner: bool) -> None:
        today = self.today
        actor = customer_actor(source.owner if as_owner else payee.owner)
        request = ("transfer", source.id, payee.id, amount, self.today)
        self.attempt(actor, key or self.key(), request, lambda session, k: corebank.transfer(
            session, actor, idempotency_key=k, source_account_id=source.id,
            target_account_id=payee.id, amount=cents(amount), on=today))

    @precondition(lambda self: bool(self.replayable))
    @rule(pick=st.integers(min_value=0))
    def replay(self, pick: int) -> None:
        """Send an accepted request again, whatever happened since: same answer, no posting."""
        actor, key, request, call, posts = self.replayable[pick % len(self.replayable)]
        assert self.attempt(actor, key, request, call, posts) is not None

    @rule(source=accounts, payee=accounts, amount=odd_amount)
    def transfer_odd_amount(self, source: Account, payee: Account, amount: Decimal) -> None:
        today = self.today
        actor = customer_actor(source.owner)
        self.attempt(actor, self.key(), None, lambda session, k: corebank.transfer(
            session, actor, idempotency_key=k, source_account_id=source.id,
            target_account_id=payee.id, amount=Money(amount, "CNY"), on=today))

    @rule(account=accounts, amount=fen, key=shared_keys)
    def card_payment(self, account: Account, amount: int, key: str) -> None:
        today = self.today
        request = ("card", account.id, amount, self.today)
        self.attempt(JOB, key, request, lambda session, k: corebank.card_payment(
            session, JOB, idempotency_key=k, account_id=account.id, amount=cents(amount),
            merchant="shop", on=today))

    @rule(account=accounts, amount=fen)
    def salary(self, account: Account, amount: int) -> None:
        today = self.today
        self.attempt(JOB, self.key(), None, lambda session, k: corebank.receive_inbound_transfer(
            session, JOB, idempotency_key=k, target_account_id=account.id,
            amount=cents(amount), bank_code="ICBC", external_account="6222000011112222",
            on=today))

    @rule(target=outbound, account=accounts, amount=fen)
    def send_outbound(self, account: Account, amount: int) -> Any:
        today = self.today
        actor = customer_actor(account.owner)
        sent = self.attempt(actor, self.key(), None,
                            lambda session, k: corebank.send_outbound_transfer(
                                session, actor, idempotency_key=k, source_account_id=account.id,
                                bank_code="CCB", external_account="6217000000000000",
                                amount=cents(amount), on=today))
        return getattr(sent, "id", None) or multiple()

    @rule(transfer_id=consumes(outbound), settle=st.booleans())
    def finish_outbound(self, transfer_id: uuid.UUID, settle: bool) -> None:
        if settle:
            self.attempt(JOB, self.key(), None, lambda session, k:
                         corebank.settle_outbound_transfer(
                             session, JOB, idempotency_key=k, transfer_id=transfer_id),
                         posts=False)
        else:
            self.attempt(JOB, self.key(), None, lambda session, k:
                         corebank.return_outbound_transfer(
                             session, JOB, idempotency_key=k, transfer_id=transfer_id,
                             reason="rejected"))

    @rule(account=accounts, freeze=st.booleans())
    def freeze(self, account: Account, freeze: bool) -> None:
        call = corebank.freeze_account if freeze else corebank.unfreeze_account
        extra = {"reason": "check"} if freeze else {}
        # a freeze is a manager's; lifting it here is the system's (a person's waits for a
        # second person, tested in tests/identity/test_four_eyes.py)
        actor = TELLER if freeze else JOB
        self.attempt(actor, self.key(), None, lambda session, k: call(
            session, actor, idempotency_key=k, account_id=account.id, **extra), posts=False)

    @rule(target=deposits, account=accounts, amount=fen, term=st.sampled_from([Term.M3,
                                                                              Term.M6]),
          instruction=st.sampled_from(list(MaturityInstruction)), cd=st.booleans())
    def place_deposit(self, account: Account, amount: int, term: Term,
                      instruction: MaturityInstruction, cd: bool) -> Any:
        today = self.today
        actor = customer_actor(account.owner)
        value = amount * 10 if cd else amount
        placed = self.attempt(actor, self.key(), None, lambda session, k: corebank.place_deposit(
            session, actor, idempotency_key=k, source_account_id=account.id,
            product=DepositProduct.CD if cd else DepositProduct.TIME, term=term,
            amount=cents(value), instruction=instruction, on=today))
        return getattr(placed, "id", None) or multiple()

    @rule(deposit=deposits, owner=st.integers(0, 2))
    def withdraw_early(self, deposit: uuid.UUID, owner: int) -> None:
        today = self.today
        actor = customer_actor(self.customers[owner])
        self.attempt(actor, self.key(), None, lambda session, k:
                     corebank.withdraw_deposit_early(session, actor, idempotency_key=k,
                                                     deposit_id=deposit, on=today))

    @rule(deposit=deposits, as_owner=st.booleans(), percent=st.integers(1, 100))
    def withdraw_partially(self, deposit: uuid.UUID, as_owner: bool, percent: int) -> None:
        """Take ``percent`` of what the deposit holds: near 100% leaves less than the
        minimum; a second one is refused."""
        today = self.today
        with self.kernel.db.session() as session:
            held = corebank.get_deposit(session, TELLER, deposit_id=deposit)
        owner = held.customer_id if as_owner else self.customers[0]
        actor = customer_actor(owner)
        amount = Money((held.principal.amount * percent / 100).quantize(Decimal("0.01"))
                       or Decimal("0.01"), "CNY")
        self.attempt(actor, self.key(), None, lambda session, k:
                     corebank.withdraw_deposit_partially(session, actor, idempotency_key=k,
                                                         deposit_id=deposit, amount=amount,
                                                         on=today))

    @rule(account=accounts, payee=accounts, as_owner=st.booleans())
    def close_account(self, account: Account, payee: Account, as_owner: bool) -> None:
        """A closing refused for linked products, money left or someone else's target posts
        nothing; a closed account then refuses every posting (the other rules go on
        trying it)."""
        today = self.today
        actor = customer_actor(account.owner) if as_owner else TELLER
        held = self.attempt(actor, self.key(), None, lambda session, k: corebank.close_account(
            session, actor, idempotency_key=k, account_id=account.id,
            transfer_to_account_id=payee.id, on=today), posts=None)
        if isinstance(held, ApprovalView) and held.status == "pending":
            before = self.entries()
            try:  # four eyes: a second branch manager closes it by approving
                with self.kernel.db.session() as session:
                    approvals.approve(session, CHECKER, approval_id=held.id)
            except ContactlessError as error:
                event(f"close_account: approval refused ({error.code})")
                assert self.entries() == before, "a refused approval posted"

    @rule()
    def settle_interest(self) -> None:
        """结息 for the last settlement date passed: once; a second time is refused."""
        due = previous_settlement_date(self.today, 20)
        if due < START:
            return
        before = self.entries()
        try:
            with self.kernel.db.session() as session:
                result = corebank.settle_interest(session, JOB, settlement_date=due)
        except InterestAlreadySettled:
            event("settle_interest: refused (interest_already_settled)")
            assert due in self.settled
            assert self.entries() == before
            return
        event("settle_interest: settled")
        assert due not in self.settled
        assert result.complete
        self.settled.add(due)
        assert self.entries() == before + result.entries

    @rule(account=accounts, amount=fen)
    def buy_wealth(self, account: Account, amount: int) -> None:
        today = self.today
        actor = customer_actor(account.owner)
        self.attempt(actor, self.key(), None, lambda session, k: corebank.buy_wealth(
            session, actor, idempotency_key=k, source_account_id=account.id,
            product_id=self.product, amount=cents(amount), on=today))

    @rule(target=loans, account=accounts, amount=fen, months=st.integers(1, 6),
          method=st.sampled_from(list(RepaymentMethod)))
    def lend(self, account: Account, amount: int, months: int, method: RepaymentMethod) -> Any:
        today = self.today
        with self.kernel.db.session() as session:
            loan = corebank.book_loan(
                session, TELLER, idempotency_key=self.key(), customer_id=account.owner,
                demand_account_id=account.id, principal=cents(amount),
                annual_rate=Decimal("0.0435"), term_months=months, method=method,
                on=today)
        self.attempt(CHECKER, self.key(), None, lambda session, k: corebank.disburse_loan(
            session, CHECKER, idempotency_key=k, loan_id=loan.id, on=today))
        return loan.id

    @rule(loan=loans, amount=fen, early=st.booleans())
    def repay(self, loan: uuid.UUID, amount: int, early: bool) -> None:
        today = self.today
        with self.kernel.db.session() as session:
            borrower = customer_actor(corebank.get_loan(session, TELLER, loan_id=loan).customer_id)
        if early:
            self.attempt(borrower, self.key(), None, lambda session, k: corebank.prepay_loan(
                session, borrower, idempotency_key=k, loan_id=loan, amount=cents(amount),
                on=today))
        else:
            self.attempt(borrower, self.key(), None, lambda session, k:
                         corebank.repay_instalment(session, borrower, idempotency_key=k,
                                                   loan_id=loan, on=today))

    @rule(days=st.integers(1, 40), nav=st.integers(9_000, 11_000))
    def next_days(self, days: int, nav: int) -> None:
        """Time passes: a NAV is published, and the maturity runner runs for each day."""
        with self.kernel.db.session() as session:
            for _ in range(days):
                if self.today + timedelta(days=1) >= today_in(self.kernel.settings.timezone):
                    break  # the books never run ahead of the real calendar (nor may settlement)
                self.today += timedelta(days=1)
                corebank.publish_nav(session, PRODUCT_ADMIN, idempotency_key=self.key(),
                                     product_id=self.product, nav_date=self.today,
                                     nav=Decimal(nav) / 10_000)
                corebank.run_maturities(session, JOB, on=self.today)
                due = self.today - timedelta(days=1)
                if due.month % 3 == 0 and due.day == 20:
                    # the worker settles the quarter on its credit day
                    corebank.settle_interest(session, JOB, settlement_date=due)
                    self.settled.add(due)
        with self.kernel.db.session() as session:
            again = corebank.run_maturities(session, JOB, on=self.today)
            assert again.deposits == []
            assert again.instalments_collected == 0
            assert again.wealth_orders_confirmed == 0

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def books_hold(self) -> None:
        with self.kernel.db.session() as session:
            check = corebank.verify_books(session)
            assert check.ok, check.problems
            assert corebank.trial_balance(session).balanced
            keyed = session.execute(
                select(JournalEntry.idempotency_scope, JournalEntry.idempotency_key,
                       func.count())
                .where(JournalEntry.idempotency_key.is_not(None))
                .group_by(JournalEntry.idempotency_scope, JournalEntry.idempotency_key)
            ).all()
            counts = {(scope, key): n for scope, key, n in keyed}
            periods = session.execute(
                select(InterestSettlement.account_id, InterestSettlement.period_end,
                       func.count())
                .group_by(InterestSettlement.account_id, InterestSettlement.period_end)
            ).all()
        assert all(n == 1 for _account, _period, n in periods)
        assert all(n == 1 for n in counts.values())
        for scope in self.posting_keys:
            assert counts.get(scope) == 1, f"request {scope} is not posted exactly once"


Books.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,  # leave no example files in the working tree
    # each example builds its own in-memory database inside the machine; no fixtures are used
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_operations_keep_the_books = Books.TestCase
