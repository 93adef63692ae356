"""结息: the quarterly settlement of demand interest, computed set-based in SQL.

An account's 积数 over a span of days is the sum of its day-end balances. With postings
carrying value dates, that sum is one aggregate: each posting dated ``v`` counts on every day
from ``max(v, start)`` to ``end``, so the 积数 is ``Σ amount × (end + 1 − max(v, start))``
over postings dated up to ``end`` (earlier postings make the opening balance). One statement
per batch of accounts and per rate segment, whatever the number of postings.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from typing import cast as cast_table

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from contactless.corebank.constants import (
    DEMAND_TERM,
    AccountKind,
    AccountStatus,
    RateProduct,
)
from contactless.corebank.errors import (
    InterestAlreadySettled,
    InvalidSettlementDate,
    RateNotFound,
    SettlementDayNotOver,
)
from contactless.corebank.interest import (
    accrued_interest,
    is_settlement_date,
    next_settlement_date,
    settlement_period,
)
from contactless.corebank.ledger.books import (
    RUNNER_SCOPE,
    business_date,
    credit,
    debit,
    last_closed_day,
)
from contactless.corebank.ledger.deposits import DepositOps
from contactless.corebank.models import (
    DepositRate,
    InterestRun,
    InterestSettlement,
    LedgerAccount,
    Posting,
)
from contactless.corebank.schemas import SettlementResult
from contactless.platform.context import Actor
from contactless.platform.db import upsert_insert, utcnow

BATCH_SIZE = 1000
SETTLEMENT = cast_table(Table, InterestSettlement.__table__)
EPOCH = date(1970, 1, 1)
SQLITE_EPOCH_JULIAN = 2440587.5  # julianday('1970-01-01')
RUN_RUNNING = "running"
RUN_COMPLETED = "completed"
Segment = tuple[date, date, Decimal]


def day_number(day: date) -> int:
    return (day - EPOCH).days


class InterestOps(DepositOps):
    # -- settings -------------------------------------------------------------------------------

    def _setting(self, name: str, default: Any) -> Any:
        settings = getattr(self.session.info.get("kernel"), "settings", None)
        return getattr(settings, name, default)

    @property
    def settlement_day(self) -> int:
        return int(self._setting("interest_settlement_day", 20))

    @property
    def day_count_basis(self) -> int:
        return int(self._setting("interest_day_count_basis", 360))

    # -- accrual --------------------------------------------------------------------------------

    def demand_rate_segments(self, currency: str, start: date, end: date) -> list[Segment]:
        """The demand rate over [start, end], split where the rate table changes it."""
        changes = self.session.scalars(
            select(DepositRate.effective_from).where(
                DepositRate.product == RateProduct.DEMAND.value,
                DepositRate.term == DEMAND_TERM,
                DepositRate.currency == currency,
                DepositRate.effective_from > start,
                DepositRate.effective_from <= end,
            ).order_by(DepositRate.effective_from)
        ).all()
        bounds = [start, *sorted(set(changes))]
        segments: list[Segment] = []
        for index, first in enumerate(bounds):
            last = bounds[index + 1] - timedelta(days=1) if index + 1 < len(bounds) else end
            rate = self.current_rate(product=RateProduct.DEMAND, term=DEMAND_TERM,
                                     currency=currency, on=first)
            segments.append((first, last, rate))
        return segments

    def _value_day(self) -> ColumnElement[int]:
        if self.is_postgres:
            return (Posting.value_date - cast(literal(EPOCH), Date)).cast(Integer)
        return cast(func.julianday(Posting.value_date) - SQLITE_EPOCH_JULIAN, Integer)

    def balance_days(self, account_ids: list[uuid.UUID], start: date,
                     end: date) -> dict[uuid.UUID, Decimal]:
        """积数 in yuan·days of each account over [start, end], as its owner reads balances."""
        if not account_ids or end < start:
            return {}
        value_day = self._value_day()
        first, last = day_number(start), day_number(end)
        days_counted = literal(last + 1) - case((value_day < first, literal(first)),
                                                else_=value_day)
        rows = self.session.execute(
            select(Posting.account_id,
                   func.sum(cast(Posting.amount, BigInteger) * days_counted))
            .where(Posting.account_id.in_(account_ids), Posting.value_date <= end)
            .group_by(Posting.account_id)
        ).all()
        # demand deposits are credits (negative in storage): the owner's balance is −sum
        return {account_id: -Decimal(int(total)) / 100 for account_id, total in rows
                if total is not None}

    def accrue(self, account_ids: list[uuid.UUID], segments: list[Segment]
               ) -> dict[uuid.UUID, tuple[Decimal, Decimal]]:
        """(积数, interest) of each account over the segments."""
        per_segment = [(self.balance_days(account_ids, first, last), rate)
                       for first, last, rate in segments]
        result: dict[uuid.UUID, tuple[Decimal, Decimal]] = {}
        for account_id in account_ids:
            parts = [(days.get(account_id, Decimal(0)), rate) for days, rate in per_segment]
            total = sum((part for part, _rate in parts), Decimal(0))
            result[account_id] = (total, accrued_interest(parts, self.day_count_basis))
        return result

    def unsettled_accrual_start(self, account: LedgerAccount) -> date:
        """The first day of an account's accrual not paid yet."""
        paid_to = self.session.scalar(
            select(func.max(InterestSettlement.accrued_to))
            .where(InterestSettlement.account_id == account.id)
        )
        return paid_to + timedelta(days=1) if paid_to is not None else account.opened_on

    def record_settlement(self, *, account_id: uuid.UUID, currency: str, accrued_from: date,
                          accrued_to: date, balance_days: Decimal, interest: Decimal,
                          entry_id: uuid.UUID | None) -> None:
        """Interest paid to one account up to a day (a closing settles before the quarter)."""
        self.session.add(InterestSettlement(
            account_id=account_id,
            period_end=next_settlement_date(accrued_to, self.settlement_day),
            accrued_from=accrued_from, accrued_to=accrued_to, balance_days=balance_days,
            interest=interest, currency=currency, entry_id=entry_id,
        ))

    # -- the quarterly run -----------------------------------------------------------------------

    def settle_interest(self, actor: Actor, *, settlement_date: date,
                        max_accounts: int | None = None) -> SettlementResult:
        """Settle the period ending ``settlement_date`` for demand accounts not settled yet, in
        batches of accounts, each batch one balanced entry per currency credited the next
        (open) day. ``max_accounts`` bounds this call; the next call goes on from there."""
        if not is_settlement_date(settlement_date, self.settlement_day):
            raise InvalidSettlementDate(
                "{settlement_date} is not a settlement date "
                "(day {settlement_day} of March, June, September or December)",
                settlement_date=settlement_date, settlement_day=self.settlement_day)
        if settlement_date >= business_date(self.session):
            raise SettlementDayNotOver("{settlement_date} is not over yet",
                                       settlement_date=settlement_date)
        start, end = settlement_period(settlement_date, self.settlement_day)
        credit_day = end + timedelta(days=1)
        closed = last_closed_day(self.session)
        if closed is not None and credit_day <= closed:
            credit_day = closed + timedelta(days=1)
        run = self._claim_run(settlement_date, start, credit_day)
        if run.status == RUN_COMPLETED:
            raise InterestAlreadySettled("interest up to {settlement_date} is settled already",
                                         settlement_date=settlement_date)
        segments, no_rate = self._segments_by_currency(start, end)
        settled = with_interest = entries = 0
        totals: dict[str, Decimal] = defaultdict(Decimal)
        while max_accounts is None or settled < max_accounts:
            size = BATCH_SIZE if max_accounts is None else min(BATCH_SIZE, max_accounts - settled)
            batch = self._unsettled(start, end, list(segments), size)
            if not batch:
                break
            paid, posted = self._settle_batch(actor, run, batch, segments, start, end,
                                              credit_day, totals)
            settled += len(batch)
            with_interest += paid
            entries += posted
        complete = not self._unsettled(start, end, list(segments), 1)
        run.accounts_settled += settled
        if complete:
            run.status = RUN_COMPLETED
            run.finished_at = utcnow()
        return SettlementResult(
            settlement_date=settlement_date, period_start=start, credit_date=credit_day,
            accounts_settled=settled, accounts_with_interest=with_interest, entries=entries,
            interest={currency: total for currency, total in sorted(totals.items())},
            complete=complete, currencies_without_rate=no_rate,
        )

    def _claim_run(self, settlement_date: date, start: date, credit_day: date) -> InterestRun:
        """The period's run row, created by the first caller and locked on PostgreSQL, so two
        runs of one period take turns."""
        self.session.execute(
            upsert_insert(InterestRun, postgresql_engine=self.is_postgres).values(
                id=uuid.uuid4(), settlement_date=settlement_date, period_start=start,
                credit_date=credit_day, status=RUN_RUNNING, accounts_settled=0,
                created_at=utcnow(),
            ).on_conflict_do_nothing(index_elements=["settlement_date"])
        )
        query = select(InterestRun).where(InterestRun.settlement_date == settlement_date)
        if self.is_postgres:
            query = query.with_for_update()
        run = self.session.scalars(query.execution_options(populate_existing=True)).one()
        return run

    def _segments_by_currency(self, start: date, end: date
                              ) -> tuple[dict[str, list[Segment]], list[str]]:
        currencies = self.session.scalars(
            select(LedgerAccount.currency).where(LedgerAccount.kind == AccountKind.DEMAND.value)
            .distinct()
        ).all()
        segments: dict[str, list[Segment]] = {}
        missing: list[str] = []
        for currency in sorted(currencies):
            try:
                segments[currency] = self.demand_rate_segments(currency, start, end)
            except RateNotFound:
                missing.append(currency)
        return segments, missing

    def _unsettled(self, start: date, end: date, currencies: list[str],
                   size: int) -> list[tuple[uuid.UUID, str]]:
        if not currencies:
            return []
        settled = exists().where(and_(InterestSettlement.account_id == LedgerAccount.id,
                                      InterestSettlement.accrued_to >= start))
        rows = self.session.execute(
            select(LedgerAccount.id, LedgerAccount.currency)
            .where(LedgerAccount.kind == AccountKind.DEMAND.value,
                   LedgerAccount.status != AccountStatus.CLOSED.value,
                   LedgerAccount.opened_on <= end,
                   LedgerAccount.currency.in_(currencies),
                   ~settled)
            .order_by(LedgerAccount.id)
            .limit(size)
        ).all()
        return [(account_id, currency) for account_id, currency in rows]

    def _settle_batch(self, actor: Actor, run: InterestRun, batch: list[tuple[uuid.UUID, str]],
                      segments: dict[str, list[Segment]], start: date, end: date,
                      credit_day: date, totals: dict[str, Decimal]) -> tuple[int, int]:
        by_currency: dict[str, list[uuid.UUID]] = defaultdict(list)
        for account_id, currency in batch:
            by_currency[currency].append(account_id)
        paid = posted = 0
        rows: list[dict[str, Any]] = []
        for currency, ids in by_currency.items():
            accrual = self.accrue(ids, segments[currency])
            due = sorted(account_id for account_id, (_d, interest) in accrual.items()
                         if interest > 0)
            entry_id = None
            if due:
                entry_id = self._post_interest(actor, run, currency, due, accrual, credit_day,
                                               start, end)
                paid += len(due)
                posted += 1
                totals[currency] += sum(accrual[account_id][1] for account_id in due)
            for account_id in ids:
                days, interest = accrual[account_id]
                rows.append({
                    "id": uuid.uuid4(), "account_id": account_id, "period_end": end,
                    "accrued_from": start, "accrued_to": end, "balance_days": days,
                    "interest": interest, "currency": currency,
                    "entry_id": entry_id if interest > 0 else None, "created_at": utcnow(),
                })
        self.session.execute(insert(SETTLEMENT), rows)
        return paid, posted

    def _post_interest(self, actor: Actor, run: InterestRun, currency: str,
                       due: list[uuid.UUID], accrual: dict[uuid.UUID, tuple[Decimal, Decimal]],
                       credit_day: date, start: date, end: date) -> uuid.UUID:
        expense_id = self.internal_account_id(AccountKind.INTEREST_EXPENSE, currency)
        # the batch's rows read and locked in one Core statement, no ORM objects
        accounts = self.lock_states([*due, expense_id])
        total = sum((accrual[account_id][1] for account_id in due), Decimal(0))
        lines = [debit(accounts[expense_id], total)]
        lines += [credit(accounts[account_id], accrual[account_id][1]) for account_id in due]
        entry = self.post(
            actor, kind="interest_settlement", lines=lines, value_date=credit_day,
            memo=f"demand interest {start.isoformat()}..{end.isoformat()}",
            idempotency_key=f"interest:{end.isoformat()}:{currency}:{due[0]}",
            scope=RUNNER_SCOPE, reference=("interest_run", run.id),
        )
        return entry.id


__all__ = ["InterestOps"]
