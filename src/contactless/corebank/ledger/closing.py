"""销户 and 日终: closing a demand account, and closing a business day with its general ledger.

A closing pays the interest accrued up to the day before (销户日不计息) in an entry of its own
and moves whatever is left to another of the customer's accounts in the closing entry; from
then on the account takes no posting (``post`` refuses a closed account). A day close makes
the day's books final: ``post`` refuses its value date, undated postings take the next day.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, case, cast, func, select, text

from contactless.corebank.constants import (
    GL_ACCOUNTS,
    AccountKind,
    AccountStatus,
    DepositStatus,
    LimitDirection,
    LoanStatus,
    OrderStatus,
    OutboundStatus,
)
from contactless.corebank.errors import (
    AccountFrozen,
    AccountNotFound,
    BalanceNotZero,
    DayAlreadyClosed,
    DayClosedOutOfOrder,
    DayNotOver,
    InvalidAccountKind,
    LinkedProductsOpen,
    NotYourAccount,
    SameAccount,
)
from contactless.corebank.ledger.books import (
    CLOSED_DAY_CACHE,
    RUNNER_SCOPE,
    business_date,
    credit,
    debit,
    last_closed_day,
    natural_balance,
)
from contactless.corebank.ledger.present import money
from contactless.corebank.ledger.rows import BookedEntry
from contactless.corebank.ledger.settlement import InterestOps
from contactless.corebank.models import (
    BusinessDay,
    GeneralLedgerLine,
    LedgerAccount,
    Loan,
    OutboundTransfer,
    Posting,
    TimeDeposit,
    WealthHolding,
    WealthOrder,
)
from contactless.corebank.schemas import (
    AccountClosure,
    ClosedDay,
    ClosingQuote,
    GeneralLedgerLineView,
    TrialBalance,
    TrialBalanceLine,
)
from contactless.platform.context import Actor
from contactless.platform.db import MinorUnits, utcnow


class ClosingOps(InterestOps):
    # -- 销户 -----------------------------------------------------------------------------------

    def linked_products(self, account_id: uuid.UUID) -> list[str]:
        """What still settles into a demand account: its owner must end these first."""
        session = self.session
        found: list[str] = []
        deposits = session.scalar(select(func.count()).select_from(TimeDeposit).where(
            TimeDeposit.demand_account_id == account_id,
            TimeDeposit.status == DepositStatus.ACTIVE.value))
        if deposits:
            found.append("time_deposit")
        loans = session.scalar(select(func.count()).select_from(Loan).where(
            Loan.demand_account_id == account_id, Loan.status != LoanStatus.PAID_OFF.value))
        if loans:
            found.append("loan")
        holdings = session.execute(select(WealthHolding.units, WealthHolding.units_redeeming)
                                   .where(WealthHolding.demand_account_id == account_id,
                                          WealthHolding.closed.is_(False))).all()
        orders = session.scalar(select(func.count()).select_from(WealthOrder).where(
            WealthOrder.demand_account_id == account_id,
            WealthOrder.status == OrderStatus.PENDING.value))
        if orders or any(units > 0 or redeeming > 0 for units, redeeming in holdings):
            found.append("wealth_holding")
        bound = session.scalar(select(func.count()).select_from(LedgerAccount).where(
            LedgerAccount.bound_account_id == account_id,
            LedgerAccount.status != AccountStatus.CLOSED.value))
        if bound:
            found.append("class2_account")
        outbound = session.scalar(select(func.count()).select_from(OutboundTransfer).where(
            OutboundTransfer.source_account_id == account_id,
            OutboundTransfer.status == OutboundStatus.PENDING.value))
        if outbound:
            found.append("outbound_transfer")
        return found

    def close_account(self, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
                      transfer_to_account_id: uuid.UUID | None = None,
                      on: date | None = None) -> AccountClosure:
        day = self.value_date(on)
        account = self._closable(account_id)
        expense_id = self.internal_account_id(AccountKind.INTEREST_EXPENSE, account.currency)
        ids = [account_id, expense_id]
        if transfer_to_account_id is not None:
            if transfer_to_account_id == account_id:
                raise SameAccount("the balance cannot move to the account being closed")
            ids.append(transfer_to_account_id)
        accounts = self.lock_accounts(ids)
        account = accounts[account_id]
        self.require_open(account)
        target = accounts.get(transfer_to_account_id) if transfer_to_account_id else None
        accrued_from, accrued_to, days, interest = self._accrued_to_close(account, day)
        total = natural_balance(account) + interest
        self._refuse_closing(account, target, total)
        interest_entry = None
        if interest > 0:
            interest_entry = self.post(
                actor, kind="interest_settlement", value_date=day,
                memo=f"demand interest {accrued_from.isoformat()}..{accrued_to.isoformat()}",
                idempotency_key=f"close-interest:{account_id}", scope=RUNNER_SCOPE,
                reference=("account", account_id),
                lines=[debit(accounts[expense_id], interest), credit(account, interest)],
            )
        if accrued_to >= accrued_from:
            self.record_settlement(account_id=account_id, currency=account.currency,
                                   accrued_from=accrued_from, accrued_to=accrued_to,
                                   balance_days=days, interest=interest,
                                   entry_id=interest_entry.id if interest_entry else None)
        closing_entry = (self._move_balance(actor, account, target, total, day,
                                            idempotency_key)
                         if total > 0 and target is not None else None)
        account.status = AccountStatus.CLOSED.value
        account.closed_on = day
        account.frozen_reason = None
        return AccountClosure(
            account_id=account_id, closed_on=day, interest=money(interest, account.currency),
            moved=money(total if closing_entry else Decimal(0), account.currency),
            target_account_id=target.id if closing_entry and target else None,
            interest_entry_id=interest_entry.id if interest_entry else None,
            closing_entry_id=closing_entry.id if closing_entry else None,
        )

    def quote_closing(self, *, account_id: uuid.UUID, on: date | None = None) -> ClosingQuote:
        """The interest a closing today would settle and the total it would move."""
        account = self.account(account_id)
        if account is None:
            raise AccountNotFound("no account {account_id}", account_id=account_id)
        self.require_kind(account, AccountKind.DEMAND)
        self.require_open(account)
        _from, _to, _days, interest = self._accrued_to_close(account, self.value_date(on))
        balance = natural_balance(account)
        return ClosingQuote(account_id=account_id, balance=money(balance, account.currency),
                            interest=money(interest, account.currency),
                            total=money(balance + interest, account.currency),
                            linked_products=self.linked_products(account_id))

    def check_closing(self, *, account_id: uuid.UUID,
                      transfer_to_account_id: uuid.UUID | None = None,
                      on: date | None = None) -> None:
        """What would refuse this closing now, found without locking or posting (before a
        closing waits for a second person): the same errors the closing raises."""
        account = self._closable(account_id)
        target = None
        if transfer_to_account_id is not None:
            if transfer_to_account_id == account_id:
                raise SameAccount("the balance cannot move to the account being closed")
            target = self.account(transfer_to_account_id)
            if target is None:
                raise AccountNotFound("no account {account_id}",
                                      account_id=transfer_to_account_id)
        _from, _to, _days, interest = self._accrued_to_close(account, self.value_date(on))
        self._refuse_closing(account, target, natural_balance(account) + interest)

    def _refuse_closing(self, account: LedgerAccount, target: LedgerAccount | None,
                        total: Decimal) -> None:
        """The closing's refusals once its accounts are known: a frozen account, a target
        that cannot take the balance, money left with nowhere to go."""
        if account.status == AccountStatus.FROZEN:
            raise AccountFrozen("account {number} is frozen", number=account.number)
        if target is not None:
            self._check_target(account, target)
        if total > 0 and target is None:
            raise BalanceNotZero("account {number} holds {total}: name an account to move it to",
                                 number=account.number, total=total, balance=str(total))

    def _closable(self, account_id: uuid.UUID) -> LedgerAccount:
        """An open demand account nothing settles into any more (checked before locking)."""
        account = self.account(account_id)
        if account is None:
            raise AccountNotFound("no account {account_id}", account_id=account_id)
        self.require_kind(account, AccountKind.DEMAND)
        self.require_open(account)
        linked = self.linked_products(account_id)
        if linked:
            raise LinkedProductsOpen(
                "account {number} still has {linked} settling into it",
                number=account.number, linked=', '.join(linked),
                products=linked)
        return account

    def _accrued_to_close(self, account: LedgerAccount, day: date
                          ) -> tuple[date, date, Decimal, Decimal]:
        """The unpaid accrual up to the day before the closing: (from, to, 积数, interest)."""
        accrued_from = self.unsettled_accrual_start(account)
        accrued_to = day - timedelta(days=1)
        if accrued_to < accrued_from:
            return accrued_from, accrued_to, Decimal(0), Decimal("0.00")
        segments = self.demand_rate_segments(account.currency, accrued_from, accrued_to)
        days, interest = self.accrue([account.id], segments)[account.id]
        return accrued_from, accrued_to, days, interest

    def _move_balance(self, actor: Actor, account: LedgerAccount, target: LedgerAccount,
                      total: Decimal, day: date, idempotency_key: str) -> BookedEntry:
        """The closing entry: everything left goes to the customer's other account (free
        between a Class II account and its bound account, capped otherwise)."""
        bound = account.bound_account_id == target.id or target.bound_account_id == account.id
        out_limit = None if bound else self.check_class2(account, LimitDirection.OUT, total, day)
        in_limit = None if bound else self.check_class2(target, LimitDirection.IN, total, day)
        return self.post(
            actor, kind="account_closed", value_date=day,
            memo=f"account {account.number[-4:]} closed",
            idempotency_key=idempotency_key, reference=("account", account.id),
            lines=[debit(account, total, out_limit), credit(target, total, in_limit)],
        )

    @staticmethod
    def _check_target(account: LedgerAccount, target: LedgerAccount) -> None:
        if target.kind != AccountKind.DEMAND or target.currency != account.currency:
            raise InvalidAccountKind(
                'the balance moves to a {currency} demand account', currency=account.currency)
        if target.customer_id != account.customer_id:
            raise NotYourAccount("the balance moves to another account of the same customer")
        if target.status == AccountStatus.CLOSED:
            raise InvalidAccountKind("account {number} is closed", number=target.number)

    # -- 日终 -----------------------------------------------------------------------------------

    def _wait_for_postings(self) -> None:
        """PostgreSQL: wait until every transaction that locked or moved accounts has ended,
        and keep new ones from locking any until this close commits. A posting that locked
        its accounts first is in the trial balance read below; one that comes later reads
        this closed day with its locks (one statement, after the lock is granted) and takes
        the next business date. SQLite serializes writers, so there is nothing to wait for.
        Postings wait while a day closes: it is the night's work."""
        if self.is_postgres:
            self.session.execute(text(f"LOCK TABLE {LedgerAccount.__tablename__} "
                                      "IN EXCLUSIVE MODE"))

    def close_day(self, actor: Actor, *, business_date_to_close: date) -> ClosedDay:
        """Make ``business_date_to_close`` final: snapshot the trial balance and the general
        ledger as of that day; days close in order, each once."""
        day = business_date_to_close
        self._wait_for_postings()
        # a second close of the same day meets the unique business date
        closed = self.session.scalar(select(func.max(BusinessDay.business_date)))
        if closed is not None and day <= closed:
            raise DayAlreadyClosed("business day {day} is closed already (up to {closed})",
                                   day=day, closed=closed)
        if closed is not None and day != closed + timedelta(days=1):
            raise DayClosedOutOfOrder(
                'the next day to close is {next_day}, not {day}', day=day,
                next_day=(closed + timedelta(days=1)).isoformat())
        if day > business_date(self.session):
            raise DayNotOver("business day {day} has not begun", day=day)
        balance = self.trial_balance_as_of(day)
        ledger = self.general_ledger(day)
        row = BusinessDay(business_date=day, closed_by=f"{actor.kind}:{actor.id}"[:100],
                          trial_balance=balance.model_dump_json(), balanced=balance.balanced,
                          created_at=utcnow())
        self.session.add(row)
        self.session.add_all(GeneralLedgerLine(
            business_date=day, currency=line.currency, gl_code=line.gl_code,
            account_kind=line.account_kind, opening=line.opening, debits=line.debits,
            credits=line.credits, closing=line.closing) for line in ledger)
        self.session.flush()
        self.session.info[CLOSED_DAY_CACHE] = day
        return ClosedDay(business_date=day, closed_by=row.closed_by, closed_at=row.created_at,
                         trial_balance=balance, general_ledger=ledger)

    def trial_balance_as_of(self, day: date) -> TrialBalance:
        """The trial balance from the postings dated up to ``day``."""
        amount = cast(Posting.amount, BigInteger)
        per_account = (
            select(Posting.account_id, func.sum(amount).label("balance"))
            .where(Posting.value_date <= day)
            .group_by(Posting.account_id)
            .subquery()
        )
        balance = per_account.c.balance
        rows = self.session.execute(
            select(LedgerAccount.currency, LedgerAccount.kind, func.count(),
                   func.coalesce(func.sum(case((balance > 0, balance), else_=0)), 0),
                   func.coalesce(func.sum(case((balance < 0, -balance), else_=0)), 0))
            .join(per_account, per_account.c.account_id == LedgerAccount.id)
            .group_by(LedgerAccount.currency, LedgerAccount.kind)
            .order_by(LedgerAccount.currency, LedgerAccount.kind)
        ).all()
        lines: list[TrialBalanceLine] = []
        totals: dict[str, list[Decimal]] = {}
        counts: dict[str, int] = {}
        for currency, kind, count, debit_fen, credit_fen in rows:
            debits, credits = MinorUnits.from_stored(debit_fen), MinorUnits.from_stored(credit_fen)
            lines.append(TrialBalanceLine(currency=currency, account_kind=kind, accounts=count,
                                          debits=debits, credits=credits, net=debits - credits))
            pair = totals.setdefault(currency, [Decimal(0), Decimal(0)])
            pair[0] += debits
            pair[1] += credits
            counts[currency] = counts.get(currency, 0) + count
        total_lines = {
            currency: TrialBalanceLine(currency=currency, account_kind="total",
                                       accounts=counts[currency], debits=pair[0],
                                       credits=pair[1], net=pair[0] - pair[1])
            for currency, pair in totals.items()
        }
        return TrialBalance(lines=lines, totals=total_lines,
                            balanced=all(line.net == 0 for line in total_lines.values()))

    def general_ledger(self, day: date) -> list[GeneralLedgerLineView]:
        """Per currency and general-ledger account: the opening balance, the day's debits and
        credits, the closing balance (debit positive)."""
        amount = cast(Posting.amount, BigInteger)
        before = Posting.value_date < day
        today = Posting.value_date == day
        rows = self.session.execute(
            select(LedgerAccount.currency, LedgerAccount.kind,
                   func.coalesce(func.sum(case((before, amount), else_=0)), 0),
                   func.coalesce(func.sum(case(((today) & (amount > 0), amount), else_=0)), 0),
                   func.coalesce(func.sum(case(((today) & (amount < 0), -amount), else_=0)), 0))
            .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
            .where(Posting.value_date <= day)
            .group_by(LedgerAccount.currency, LedgerAccount.kind)
            .order_by(LedgerAccount.currency, LedgerAccount.kind)
        ).all()
        lines = []
        for currency, kind, opening_fen, debit_fen, credit_fen in rows:
            opening = MinorUnits.from_stored(opening_fen)
            debits, credits = MinorUnits.from_stored(debit_fen), MinorUnits.from_stored(credit_fen)
            lines.append(GeneralLedgerLineView(
                currency=currency, gl_code=GL_ACCOUNTS[AccountKind(kind)][0], account_kind=kind,
                opening=opening, debits=debits, credits=credits,
                closing=opening + debits - credits))
        return sorted(lines, key=lambda line: (line.currency, line.gl_code))

    def last_closed_day(self) -> date | None:
        return last_closed_day(self.session)

    def get_closed_day(self, day: date | None = None) -> ClosedDay | None:
        """A closed day as it was closed (the last one when ``day`` is None)."""
        query = select(BusinessDay)
        query = (query.where(BusinessDay.business_date == day) if day is not None
                 else query.order_by(BusinessDay.business_date.desc()).limit(1))
        row = self.session.scalars(query).first()
        if row is None:
            return None
        lines = self.session.scalars(
            select(GeneralLedgerLine).where(GeneralLedgerLine.business_date == row.business_date)
            .order_by(GeneralLedgerLine.currency, GeneralLedgerLine.gl_code)
        ).all()
        return ClosedDay(
            business_date=row.business_date, closed_by=row.closed_by, closed_at=row.created_at,
            trial_balance=TrialBalance.model_validate_json(row.trial_balance),
            general_ledger=[GeneralLedgerLineView(
                currency=line.currency, gl_code=line.gl_code, account_kind=line.account_kind,
                opening=line.opening, debits=line.debits, credits=line.credits,
                closing=line.closing) for line in lines],
        )


__all__ = ["ClosingOps"]
