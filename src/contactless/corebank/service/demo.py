"""Demo books: six months of believable banking, posted through the ledger's own operations
so that the trial balance holds and every statement line has its entry."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RepaymentMethod,
    RiskLevel,
    Term,
)
from contactless.corebank.interest import add_months, previous_settlement_date
from contactless.corebank.ledger import EmbeddedLedger
from contactless.corebank.ledger.books import natural_balance
from contactless.corebank.models import JournalEntry, WealthNav, WealthProduct
from contactless.corebank.schemas import DemoBooks
from contactless.platform import audit
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.money import Money

HISTORY_DAYS = 182
MATURITY_WINDOW_DAYS = 90
# some deposits fell due in the last weeks and wait for the maturity run (the demo's last
# step), so instructions set before their maturity are seen renewed or paid out
PAST_MATURITY_DAYS = 20
# the printed customer's deposit falls due this many days after the demo's day
SHOWCASE_MATURITY_DAYS = 12
BANKS = ("ICBC", "CCB", "BOC", "ABC", "BOCOM", "CMB")
MERCHANTS = ("超市", "加油站", "餐厅", "药房", "网购", "电影院", "菜市场", "水电缴费")
TERMS = (Term.M3, Term.M6, Term.Y1, Term.Y2, Term.Y3, Term.Y5)
INSTRUCTIONS = (MaturityInstruction.PAYOUT, MaturityInstruction.RENEW_ALL,
                MaturityInstruction.RENEW_PRINCIPAL)

# code, name, risk, min purchase, days to maturity (None: open-ended), yearly drift, noise
PRODUCTS: tuple[tuple[str, str, RiskLevel, str, int | None, float, float], ...] = (
    ("WM-R1-CASH", "天天利现金管理", RiskLevel.R1, "1000.00", None, 0.019, 0.0),
    ("WM-R2-90D", "稳享90天固收", RiskLevel.R2, "10000.00", 45, 0.028, 0.0004),
    ("WM-R2-180D", "稳享180天固收", RiskLevel.R2, "10000.00", 75, 0.031, 0.0005),
    ("WM-R3-1Y", "优选一年混合", RiskLevel.R3, "10000.00", 200, 0.045, 0.002),
    ("WM-R4-EQ", "成长权益精选", RiskLevel.R4, "10000.00", None, 0.08, 0.006),
)


@dataclass(order=True)
class _Event:
    day: date
    order: int
    run: Callable[[], object] = field(compare=False)


def _cents(rng: random.Random, low: int, high: int) -> Money:
    """A random CNY amount between ``low`` and ``high`` yuan, to the fen."""
    return Money(Decimal(rng.randint(low * 100, high * 100)) / 100, "CNY")


class _Seeder:
    def __init__(self, session: Session, rng: random.Random, today: date) -> None:
        self.session = session
        self.rng = rng
        self.today = today
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.ledger = EmbeddedLedger(session)
        self.counter = 0
        self.prefix = "demo"
        self.stats = {"demand": 0, "time": 0, "cd": 0, "holdings": 0, "loans": 0}
        self.products: list[tuple[uuid.UUID, str, Decimal, date | None]] = []

    def key(self) -> str:
        self.counter += 1
        return f"{self.prefix}:{self.counter}"

    def balance(self, account_id: uuid.UUID) -> Decimal:
        account = self.ledger.account(account_id)
        return natural_balance(account) if account is not None else Decimal(0)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    # -- shared products ----------------------------------------------------------------------

    def wealth_products(self) -> None:
        existing = {code: (pid, mp, md) for pid, code, mp, md in self.session.execute(
            select(WealthProduct.id, WealthProduct.code, WealthProduct.min_purchase,
                   WealthProduct.maturity_date))}
        for code, name, risk, minimum, days, drift, noise in PRODUCTS:
            if code in existing:
                pid, min_purchase, maturity = existing[code]
                self.products.append((pid, code, min_purchase, maturity))
                continue
            maturity = self.today + timedelta(days=days) if days is not None else None
            nav_day = self.start - timedelta(days=1)
            view = self.ledger.create_wealth_product(
                SYSTEM, idempotency_key=self.key(), code=code, name=name, risk_level=risk,
                min_purchase=Money.of(minimum), maturity_date=maturity,
                initial_nav=Decimal("1.0000"), nav_date=nav_day,
            )
            nav = 1.0
            history: list[WealthNav] = []
            while nav_day < self.today:
                nav_day += timedelta(days=1)
                nav *= 1 + drift / 365 + self.rng.gauss(0, noise)
                history.append(WealthNav(product_id=view.id, nav_date=nav_day,
                                         nav=Decimal(f"{nav:.4f}")))
            self.session.add_all(history)
            self.products.append((view.id, code, Money.of(minimum).amount, maturity))

    # -- one customer -------------------------------------------------------------------------

    def open_accounts(self, customer_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID | None, date]:
        rng = self.rng
        opened = self.start - timedelta(days=rng.randint(5, 900))
        first = self.ledger.open_account(SYSTEM, idempotency_key=self.key(),
                                         customer_id=customer_id, on=opened).id
        second = None
        if rng.random() < 0.15:
            second = self.ledger.open_account(
                SYSTEM, idempotency_key=self.key(), customer_id=customer_id, account_class=2,
                bound_account_id=first, on=opened + timedelta(days=rng.randint(0, 4)),
            ).id
        self.stats["demand"] += 1 + (second is not None)
        tier = rng.random()
        funds = (_cents(rng, 600_000, 6_000_000) if tier < 0.08
                 else _cents(rng, 80_000, 600_000) if tier < 0.30
                 else _cents(rng, 3_000, 80_000))
        self.ledger.deposit_cash(SYSTEM.with_channel("counter"), idempotency_key=self.key(),
                                 account_id=first, amount=funds, memo="开户存入", on=opened)
        return first, second, opened

    def plan(self, customer_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID | None,
             opened: date, others: list[uuid.UUID]) -> list[_Event]:
        rng = self.rng
        events: list[_Event] = []
        me = Actor(kind="customer", id=str(customer_id), channel="mobile")

        def add(day: date, run: Callable[[], object]) -> None:
            events.append(_Event(day, len(events), run))

        if rng.random() < 0.6:
            salary = _cents(rng, 4_000, 30_000)
            bank = rng.choice(BANKS)
            for month in range(6):
                pay_day = add_months(self.start, month).replace(day=10)
                if self.start <= pay_day <= self.today:
                    add(pay_day, partial(self._salary, first, salary, bank, pay_day))
        for _ in range(rng.randint(2, 5)):
            day = self.day_between(self.start, self.today)
            add(day, partial(self._spend, first, _cents(rng, 20, 1_500),
                             rng.choice(MERCHANTS), day))
        if others and rng.random() < 0.5:
            day = self.day_between(self.start, self.today)
            add(day, partial(self._transfer, me, first, rng.choice(others),
                             _cents(rng, 50, 3_000), day))
        if rng.random() < 0.15:
            day = self.day_between(self.start, self.today)
            add(day, partial(self._outbound, me, first, _cents(rng, 100, 5_000), day))
        if second is not None:
            day = self.day_between(self.start, self.today - timedelta(days=10))
            add(day, partial(self._transfer, me, first, second, _cents(rng, 500, 3_000), day))
            spend_day = day + timedelta(days=rng.randint(1, 9))
            add(spend_day, partial(self._spend, second, _cents(rng, 30, 300),
                                   rng.choice(MERCHANTS), spend_day))
        self._plan_products(me, first, opened, add)
        return events

    def _term_since(self, opened: date, terms: tuple[Term, ...]) -> tuple[Term, date] | None:
        """A term and start date for a deposit maturing between 20 days ago and 90 days from
        now, placed after the account was opened."""
        maturity = self.today + timedelta(days=self.rng.randint(-PAST_MATURITY_DAYS,
                                                                 MATURITY_WINDOW_DAYS))
        fitting = [term for term in terms
                   if opened <= add_months(maturity, -term.months) <= self.today]
        if not fitting:
            return None
        term = self.rng.choice(fitting)
        return term, add_months(maturity, -term.months)

    def _plan_products(self, me: Actor, first: uuid.UUID, opened: date,
                       add: Callable[[date, Callable[[], object]], None]) -> None:
        rng = self.rng
        funds = self.balance(first)
        placed = self._term_since(opened, TERMS)
        if placed and rng.random() < 0.35 and funds >= 10_000:
            term, start = placed
            top = int(min(funds * Decimal("0.6"), Decimal(100_000)))
            add(start, partial(self._deposit, me, first, DepositProduct.TIME, term,
                               _cents(rng, min(10_000, top), top), start))
        placed = self._term_since(opened, TERMS[:4])
        if placed and funds >= 250_000 and rng.random() < 0.6:
            # 大额存单 for the wealthier customers: 200k up to 5M
            term, start = placed
            top = int(min(funds * Decimal("0.8"), Decimal(5_000_000)))
            amount = Money(Decimal(rng.randrange(200_000, max(top, 200_000) + 1, 10_000)), "CNY")
            add(start, partial(self._deposit, me, first, DepositProduct.CD, term, amount, start))
        if self.products and rng.random() < 0.25:
            for _ in range(rng.randint(1, 2)):
                product_id, _code, minimum, ends = rng.choice(self.products)
                last = self.today if ends is None else min(self.today, ends - timedelta(days=2))
                day = self.day_between(self.start, last)
                amount = Money(max(minimum, Decimal(rng.randrange(10_000, 200_001, 1_000))),
                               "CNY")
                add(day, partial(self._buy, me, first, product_id, amount, day))
        if rng.random() < 0.05:
            day = self.day_between(self.start, self.today - timedelta(days=35))
            add(day, partial(self._loan, first, day))

    # -- operations that first check they can succeed ---------------------------------------

    def _salary(self, account: uuid.UUID, amount: Money, bank: str, day: date) -> None:
        self.ledger.receive_inbound_transfer(
            SYSTEM, idempotency_key=self.key(), target_account_id=account, amount=amount,
            bank_code=bank, external_account="6200000000000000", memo="工资", on=day)

    def _spend(self, account: uuid.UUID, amount: Money, merchant: str, day: date) -> None:
        if self.balance(account) >= amount.amount:
            self.ledger.card_payment(SYSTEM, idempotency_key=self.key(), account_id=account,
                                     amount=amount, merchant=merchant, on=day)

    def _transfer(self, me: Actor, source: uuid.UUID, target: uuid.UUID, amount: Money,
                  day: date) -> None:
        if source != target and self.balance(source) >= amount.amount:
            self.ledger.transfer(me, idempotency_key=self.key(), source_account_id=source,
                                 target_account_id=target, amount=amount, memo="转账", on=day)

    def _outbound(self, me: Actor, source: uuid.UUID, amount: Money, day: date) -> None:
        if self.balance(source) < amount.amount:
            return
        sent = self.ledger.send_outbound_transfer(
            me, idempotency_key=self.key(), source_account_id=source,
            bank_code=self.rng.choice(BANKS), external_account="6222000000000000",
            amount=amount, memo="跨行转账", on=day)
        if day < self.today:
            self.ledger.settle_outbound_transfer(SYSTEM, idempotency_key=self.key(),
                                                 transfer_id=sent.id, on=day)

    def _deposit(self, me: Actor, source: uuid.UUID, product: DepositProduct, term: Term,
                 amount: Money, day: date) -> None:
        if self.balance(source) < amount.amount:
            return
        self.ledger.place_deposit(me, idempotency_key=self.key(), source_account_id=source,
                                  product=product, term=term, amount=amount,
                                  instruction=self.rng.choice(INSTRUCTIONS), on=day)
        self.stats["cd" if product is DepositProduct.CD else "time"] += 1

    def _buy(self, me: Actor, source: uuid.UUID, product_id: uuid.UUID, amount: Money,
             day: date) -> None:
        if self.balance(source) >= amount.amount:
            self.ledger.buy_wealth(me, idempotency_key=self.key(), source_account_id=source,
                                   product_id=product_id, amount=amount, on=day)
            self.stats["holdings"] += 1

    def _loan(self, demand: uuid.UUID, day: date) -> None:
        rng = self.rng
        account = self.ledger.account(demand)
        if account is None or account.customer_id is None:
            return
        loan = self.ledger.book_loan(
            SYSTEM.with_channel("counter"), idempotency_key=self.key(),
            customer_id=account.customer_id, demand_account_id=demand,
            principal=Money(Decimal(rng.randrange(50_000, 500_001, 1_000)), "CNY"),
            annual_rate=Decimal(rng.choice(("0.0345", "0.0395", "0.0435", "0.0490"))),
            term_months=rng.choice((12, 24, 36)),
            method=rng.choice((RepaymentMethod.EQUAL_INSTALMENT,
                               RepaymentMethod.EQUAL_PRINCIPAL)),
            on=day,
        )
        self.ledger.disburse_loan(SYSTEM, idempotency_key=self.key(), loan_id=loan.id, on=day)
        self.stats["loans"] += 1
        for number in range(1, 7):
            due = add_months(day, number)
            if due > self.today:
                break
            if self.ledger.collect_instalment(SYSTEM, loan.id, due) is not True:
                break


def seed_demo_books(session: Session, *, customers: list[uuid.UUID], rng: random.Random,
                    today: date) -> DemoBooks:
    """Open demand accounts (some Class II) with opening cash, post ~6 months of salary,
    card spend, transfers and transfers to other banks, place time deposits and large CDs
    maturing over the next 90 days, buy wealth products (settled at T+1 NAV), book a few
    loans with their paid instalments and settle the last quarter's demand interest — all
    through the ledger's operations, in the caller's
    transaction. The same ``rng`` seed gives the same books (ids aside)."""
    seeder = _Seeder(session, rng, today)
    entries_before = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    seeder.ledger.seed_default_rates()
    seeder.wealth_products()
    opened = [seeder.open_accounts(customer_id) for customer_id in customers]
    class_one = [first for first, _second, _day in opened]
    events: list[_Event] = []
    for customer_id, (first, second, day) in zip(customers, opened, strict=True):
        events += seeder.plan(customer_id, first, second, day, class_one)
    # the last quarter's demand interest (结息), credited the day after its settlement date,
    # before anything else that day
    settled = previous_settlement_date(today, seeder.ledger.settlement_day)
    if settled >= seeder.start:
        events.append(_Event(settled + timedelta(days=1), -1, partial(
            seeder.ledger.settle_interest, SYSTEM.with_channel("job"), settlement_date=settled)))
    # post in value-date order, so statements read like the months they cover
    for event in sorted(events):
        event.run()
    seeder.ledger.settle_wealth_orders(SYSTEM, on=today)
    entries = (session.scalar(select(func.count()).select_from(JournalEntry)) or 0) - entries_before
    audit.record(session, SYSTEM, action="corebank.demo_seeded", target_type="corebank_run",
                 target_id=today.isoformat(),
                 details={"customers": len(customers), "entries": entries})
    return DemoBooks(
        customers=len(customers),
        demand_accounts=seeder.stats["demand"],
        entries=entries,
        time_deposits=seeder.stats["time"],
        certificates_of_deposit=seeder.stats["cd"],
        holdings=seeder.stats["holdings"],
        loans=seeder.stats["loans"],
    )


def seed_showcase(session: Session, *, customer_id: uuid.UUID, today: date) -> None:
    """The customer the demo prints gets, after everything else (so the seeded randomness of
    the rest is untouched): money in their account, a 6-month time deposit set to pay out in
    12 days (their RM's renewal code is for it), a settled wealth holding and a loan being
    repaid. Posted through the ledger like the rest, with the value dates they would have."""
    seeder = _Seeder(session, random.Random(0), today)  # noqa: S311 - demo data, no secret
    seeder.prefix = "demo:showcase"
    seeder.wealth_products()
    me = Actor(kind="customer", id=str(customer_id), channel="mobile")
    accounts = [a for a in seeder.ledger.accounts_of_customer(customer_id)
                if a.kind == "demand" and a.account_class == 1]
    first = accounts[0].id
    maturity = today + timedelta(days=SHOWCASE_MATURITY_DAYS)
    placed = add_months(maturity, -Term.M6.months)
    seeder.ledger.deposit_cash(SYSTEM.with_channel("counter"), idempotency_key=seeder.key(),
                               account_id=first, amount=Money.of("120000.00"), memo="存入",
                               on=placed)
    seeder.ledger.place_deposit(me, idempotency_key=seeder.key(), source_account_id=first,
                                product=DepositProduct.TIME, term=Term.M6,
                                amount=Money.of("50000.00"),
                                instruction=MaturityInstruction.PAYOUT, on=placed)
    holding = next(pid for pid, code, _m, _e in seeder.products if code == "WM-R2-180D")
    seeder.ledger.buy_wealth(me, idempotency_key=seeder.key(), source_account_id=first,
                             product_id=holding, amount=Money.of("30000.00"),
                             on=placed + timedelta(days=20))
    seeder.ledger.settle_wealth_orders(SYSTEM, on=today)
    seeder._loan(first, today - timedelta(days=95))
