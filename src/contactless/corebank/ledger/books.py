"""The heart of the embedded ledger: locking, checks, and posting balanced journal entries."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from contactless.corebank.constants import (
    CLASS2_DAILY_INFLOW_LIMIT,
    CLASS2_DAILY_OUTFLOW_LIMIT,
    CLASS2_YEARLY_INFLOW_LIMIT,
    CLASS2_YEARLY_OUTFLOW_LIMIT,
    CREDIT_NORMAL_KINDS,
    INTERNAL_NUMBER_PREFIX,
    AccountKind,
    AccountStatus,
    LimitDirection,
)
from contactless.corebank.errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    Class2LimitExceeded,
    CurrencyMismatch,
    DayClosed,
    InsufficientFunds,
    InvalidAccountKind,
    InvalidAmount,
    TooManyDecimals,
    UnbalancedEntry,
)
from contactless.corebank.ledger.rows import (
    ACCOUNT,
    ENTRY,
    LOCK_STATES,
    POSTING,
    READ_STATE,
    Account,
    AccountState,
    BookedEntry,
)
from contactless.corebank.models import BusinessDay, LedgerAccount, Posting
from contactless.platform.clock import today_in
from contactless.platform.context import Actor
from contactless.platform.db import Base, MinorUnits, is_postgresql, utcnow
from contactless.platform.driver import transaction_key
from contactless.platform.errors import NotFound
from contactless.platform.money import (
    CURRENCY_EXPONENTS,
    Money,
    check_currency,
    fits_currency,
    round_to_currency,
)
from contactless.platform.writes import Write, execute_writes, write_soon

RUNNER_SCOPE = "runner"
INTERNAL_CACHE = "corebank_internal_accounts"
RATE_CACHE = "corebank_rate_cache"
CLOSED_DAY_CACHE = "corebank_last_closed_day"
HELD = "corebank_held_accounts"  # (transaction key, states) locked by hold_states
DEFAULT_TIMEZONE = "Asia/Shanghai"
ModelT = TypeVar("ModelT", bound=Base)


def business_date(session: Session) -> date:
    """Today in the bank's time zone (settings.timezone), the default value date."""
    kernel = session.info.get("kernel")
    zone = getattr(getattr(kernel, "settings", None), "timezone", DEFAULT_TIMEZONE)
    return today_in(zone)


def last_closed_day(session: Session) -> date | None:
    """The last business day closed (日终), read once per session."""
    if CLOSED_DAY_CACHE not in session.info:
        session.info[CLOSED_DAY_CACHE] = session.scalar(select(func.max(BusinessDay.business_date)))
    found: date | None = session.info[CLOSED_DAY_CACHE]
    return found


def open_business_date(session: Session) -> date:
    """Today, or the day after the last closed day when today is closed already."""
    today = business_date(session)
    closed = last_closed_day(session)
    return today if closed is None or today > closed else closed + timedelta(days=1)


def natural_sign(kind: str) -> int:
    """+1 where a debit grows the account (assets, expenses), −1 where a credit does."""
    return -1 if kind in CREDIT_NORMAL_KINDS else 1


def natural_balance(account: Account) -> Decimal:
    """The balance as its owner reads it: a deposit of 100 is 100, a loan of 100 is 100."""
    return account.balance * natural_sign(account.kind)


def actor_scope(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"


def check_amount(amount: Money, currency: str | None = None) -> Decimal:
    """A positive amount with at most the currency's decimals, in the account's currency."""
    check_currency(amount.currency)
    exponent = CURRENCY_EXPONENTS[amount.currency]
    value = amount.amount
    if not fits_currency(value, amount.currency):
        raise TooManyDecimals(
            "{currency} amounts have at most {exponent} decimal places: {value}",
            currency=amount.currency, exponent=exponent, value=value
        )
    if value <= 0:
        raise InvalidAmount("the amount must be greater than zero")
    if currency is not None and amount.currency != currency:
        raise CurrencyMismatch("the account is in {currency}, the amount in {currency2}",
                               currency=currency, currency2=amount.currency)
    return round_to_currency(value, amount.currency)


@dataclass(frozen=True)
class Line:
    """One intended posting: a signed amount (debit positive) on a locked account."""

    account: Account
    amount: Decimal
    limit_direction: LimitDirection | None = None


def debit(account: Account, amount: Decimal,
          limit: LimitDirection | None = None) -> Line:
    return Line(account, amount, limit)


def credit(account: Account, amount: Decimal,
           limit: LimitDirection | None = None) -> Line:
    return Line(account, -amount, limit)


class LedgerBase:
    """What every part of the embedded ledger shares: the session and the posting rules."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_postgres = is_postgresql(session)
        # the session's identity map holds clean rows only weakly; keeping the accounts this
        # ledger touched lets a long batch (demo data, the runner) find them without a query
        self._pinned: dict[uuid.UUID, LedgerAccount] = {}

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run one operation so that a failure leaves nothing behind in the caller's
        transaction (the caller may go on using its session)."""
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            # ids and rates cached during the failed operation may have been rolled back
            self.session.info.pop(INTERNAL_CACHE, None)
            self.session.info.pop(RATE_CACHE, None)
            self.session.info.pop(CLOSED_DAY_CACHE, None)
            raise

    # -- dates ---------------------------------------------------------------------------

    def value_date(self, on: date | None) -> date:
        """``on``, else today; once today is closed, the next business date."""
        return on if on is not None else open_business_date(self.session)

    # -- locking -------------------------------------------------------------------------

    def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, LedgerAccount]:
        """Load and lock accounts in ascending id order, so two writers never deadlock.

        PostgreSQL: ``SELECT ... ORDER BY id FOR UPDATE`` (rows are locked in sort order).
        SQLite serializes writers with BEGIN IMMEDIATE, so the rows are simply loaded.
        """
        wanted = sorted(set(ids))
        if self.is_postgres:
            rows = self.session.scalars(
                select(LedgerAccount)
                .where(LedgerAccount.id.in_(wanted))
                .order_by(LedgerAccount.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()
            found = {row.id: row for row in rows}
        else:
            found = {}
            for account_id in wanted:
                row = self._pinned.get(account_id) or self.session.get(LedgerAccount, account_id)
                if row is not None:
                    found[account_id] = row
        missing = [str(account_id) for account_id in wanted if account_id not in found]
        if missing:
            raise AccountNotFound("no account {account_id}", account_id=", ".join(missing))
        self._pinned.update(found)
        if self.is_postgres:  # the last closed day read again after the locks (see close_day)
            self.session.info.pop(CLOSED_DAY_CACHE, None)
        return found

    def hold_states(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AccountState]:
        """Lock and read the accounts an operation will post to, for its checks (those found):
        the next :meth:`lock_states` of the same transaction and savepoint, nothing pending in
        the session between, takes them from here instead of sending the statement again."""
        found = self._locked(ids)
        self.session.info[HELD] = (transaction_key(self.session), found)
        return found

    def lock_states(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AccountState]:
        """Read and lock accounts with one Core statement, in ascending id order so two
        writers never deadlock (``FOR UPDATE``; SQLite serializes writers and renders none).
        The last closed business day comes with it, for the posting's day check."""
        wanted, session = sorted(set(ids)), self.session
        held = session.info.pop(HELD, None)
        found = held[1] if held is not None and held[0] == transaction_key(session) \
            and not (session.new or session.dirty or session.deleted) else {}
        if not all(account_id in found for account_id in wanted):
            found = self._locked(wanted)
        missing = [str(account_id) for account_id in wanted if account_id not in found]
        if missing:
            raise AccountNotFound("no account {account_id}", account_id=", ".join(missing))
        return {account_id: found[account_id] for account_id in wanted}

    def _locked(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AccountState]:
        self.session.flush()  # the caller's pending rows first (a Core read sees the database)
        rows = LOCK_STATES.rows(self.session, {"ids": sorted(set(ids))})
        if rows:  # read with the locks: a day closed meanwhile shows here (see close_day)
            self.session.info[CLOSED_DAY_CACHE] = rows[0][-1]
        return {row[0]: AccountState(*row[:-1]) for row in rows}

    def read_state(self, account_id: uuid.UUID) -> AccountState:
        """An account's row without locking it, in one Core statement."""
        self.session.flush()
        row = READ_STATE.first(self.session, {"account_id": account_id})
        if row is None:
            raise AccountNotFound("no account {account_id}", account_id=account_id)
        return AccountState(*row)

    def account(self, account_id: uuid.UUID) -> LedgerAccount | None:
        """An account without locking it (reads, and checks before a batch operation)."""
        return self._pinned.get(account_id) or self.session.get(LedgerAccount, account_id)

    def pin(self, account: LedgerAccount) -> LedgerAccount:
        self._pinned[account.id] = account
        return account

    def lock_row(self, model: type[ModelT], row_id: uuid.UUID,
                 not_found: type[NotFound]) -> ModelT:
        """Load and lock one product row (deposit, loan, order...); lock it before accounts."""
        return self.get_row(model, row_id, not_found, lock=self.is_postgres)

    def get_row(self, model: type[ModelT], row_id: uuid.UUID, not_found: type[NotFound], *,
                lock: bool = False) -> ModelT:
        row = (self.session.get(model, row_id, with_for_update=True, populate_existing=True)
               if lock else self.session.get(model, row_id))
        if row is None:
            raise not_found("no {thing} {row_id}",
                            thing=model.__tablename__.removeprefix("corebank_"), row_id=row_id)
        return row

    # -- internal accounts -----------------------------------------------------------------

    def internal_account_id(self, kind: AccountKind, currency: str) -> uuid.UUID:
        """The bank's internal account of a kind in a currency, created on first use."""
        cache: dict[tuple[str, str], uuid.UUID] = self.session.info.setdefault(
            INTERNAL_CACHE, {}
        )
        cached = cache.get((kind, currency))
        if cached is not None:
            return cached
        number = f"{INTERNAL_NUMBER_PREFIX[kind]}-{currency}"
        found = self.session.scalar(
            select(LedgerAccount.id).where(LedgerAccount.number == number)
        )
        if found is None:
            found = self._create_internal(kind, currency, number)
        cache[(kind, currency)] = found
        return found

    def _create_internal(self, kind: AccountKind, currency: str, number: str) -> uuid.UUID:
        account = LedgerAccount(
            id=uuid.uuid4(), number=number, kind=kind.value, currency=currency,
            status=AccountStatus.ACTIVE.value, opened_on=business_date(self.session),
        )
        try:
            with self.session.begin_nested():
                self.session.add(self.pin(account))
        except IntegrityError:
            # another transaction created it first: use theirs
            existing = self.session.scalar(
                select(LedgerAccount.id).where(LedgerAccount.number == number)
            )
            if existing is None:
                raise
            return existing
        return account.id

    # -- checks ----------------------------------------------------------------------------

    @staticmethod
    def require_kind(account: Account, *kinds: AccountKind) -> None:
        if account.kind not in kinds:
            raise InvalidAccountKind(
                "account {number} is a {kind} account; this needs {needed}",
                number=account.number, kind=account.kind,
                needed=" or ".join(k.value for k in kinds)
            )

    @staticmethod
    def require_open(account: Account) -> None:
        if account.status == AccountStatus.CLOSED:
            raise AccountClosed("account {number} is closed", number=account.number)

    def check_debit(self, account: Account, amount: Decimal) -> None:
        """A customer's money leaves ``account``: open, not frozen, enough balance."""
        self.require_open(account)
        if account.status == AccountStatus.FROZEN:
            raise AccountFrozen("account {number} is frozen", number=account.number)
        if natural_balance(account) < amount:
            raise InsufficientFunds("account {number} has not enough funds", number=account.number)

    def check_class2(self, account: Account, direction: LimitDirection,
                     amount: Decimal, on: date) -> LimitDirection | None:
        """Enforce the Class II caps; returns the direction to tag the posting with."""
        if account.account_class != 2:
            return None
        if direction is LimitDirection.IN:
            daily, yearly = CLASS2_DAILY_INFLOW_LIMIT, CLASS2_YEARLY_INFLOW_LIMIT
        else:
            daily, yearly = CLASS2_DAILY_OUTFLOW_LIMIT, CLASS2_YEARLY_OUTFLOW_LIMIT
        used_today = self._limit_usage(account.id, direction, on, on)
        if used_today + amount > daily:
            raise Class2LimitExceeded(
                "Class II daily {direction}flow cap of {daily} CNY: {used_today} used today",
                daily=daily, used_today=used_today,
                limit="daily", direction=direction.value, remaining=str(daily - used_today),
            )
        used_year = self._limit_usage(account.id, direction, date(on.year, 1, 1),
                                      date(on.year, 12, 31))
        if used_year + amount > yearly:
            raise Class2LimitExceeded(
                "Class II yearly {direction}flow cap of {yearly} CNY: {used_year} used this year",
                yearly=yearly, used_year=used_year,
                limit="yearly", direction=direction.value, remaining=str(yearly - used_year),
            )
        return direction

    def _limit_usage(self, account_id: uuid.UUID, direction: LimitDirection, start: date,
                     end: date) -> Decimal:
        total = self.session.scalar(
            select(func.sum(Posting.amount)).where(
                Posting.account_id == account_id,
                Posting.limit_direction == direction.value,
                Posting.value_date >= start,
                Posting.value_date <= end,
            )
        )
        return abs(total) if total is not None else Decimal("0.00")

    # -- posting ---------------------------------------------------------------------------

    def post(
        self,
        actor: Actor,
        *,
        kind: str,
        lines: Sequence[Line],
        value_date: date,
        memo: str = "",
        idempotency_key: str | None = None,
        scope: str | None = None,
        reference: tuple[str, uuid.UUID] | None = None,
        final: bool = False,
    ) -> BookedEntry:
        """Write one balanced entry and move each account's running balance with it.

        Zero lines are dropped; the rest must sum to zero per currency, else nothing is
        written and :class:`UnbalancedEntry` is raised. Accounts must already be locked.
        Nothing posts to a closed account or on a closed business day.

        The entry, its postings and the accounts' new balances are one statement on
        PostgreSQL (:mod:`contactless.platform.writes`); the lines' accounts carry their new
        balance and posting count afterwards. ``final``: this is the operation's last
        database work, so the writes may be left to the service, which sends them with the
        request's result, audit entry and event in one round trip.
        """
        effective = balanced_lines(kind, lines)
        self.check_postable(effective, value_date)
        entry_id = uuid.uuid4()
        entry = {
            "id": entry_id, "kind": kind, "value_date": value_date, "memo": memo[:200],
            "actor_kind": actor.kind, "actor_id": str(actor.id), "channel": actor.channel,
            "idempotency_scope": (scope or actor_scope(actor)) if idempotency_key else None,
            "idempotency_key": idempotency_key,
            "reference_type": reference[0] if reference else None,
            "reference_id": reference[1] if reference else None, "created_at": utcnow(),
        }
        postings, moved = self._move_balances(entry_id, effective, value_date)
        writes = [Write(ENTRY, [entry]), Write(POSTING, postings), Write(ACCOUNT, [
            {"id": account.id, "balance": account.balance,
             "posting_count": account.posting_count} for account in moved.values()], key="id")]
        if final:
            write_soon(self.session, writes)
        else:
            execute_writes(self.session, writes)
        return BookedEntry(entry_id)

    def _move_balances(self, entry_id: uuid.UUID, lines: Sequence[Line], value_date: date,
                       ) -> tuple[list[dict[str, Any]], dict[uuid.UUID, Account]]:
        """Each line's posting row, numbered in its account, with the balance it leaves; the
        accounts moved (each once)."""
        postings: list[dict[str, Any]] = []
        moved: dict[uuid.UUID, Account] = {}
        for line in lines:
            account = line.account
            self._set_balance(account, account.balance + line.amount, account.posting_count + 1)
            moved[account.id] = account
            postings.append({
                "entry_id": entry_id, "account_id": account.id, "seq": account.posting_count,
                "amount": line.amount, "currency": account.currency,
                "balance_after": account.balance, "value_date": value_date,
                "limit_direction": line.limit_direction.value if line.limit_direction else None,
            })
        return postings, moved

    def _set_balance(self, account: Account, balance: Decimal, count: int) -> None:
        """The new balance on the account in hand, and on the session's ORM row of it (as
        loaded: the UPDATE writes it, so the unit of work has nothing to flush)."""
        if isinstance(account, AccountState):
            account.balance, account.posting_count = balance, count
            found = self.session.identity_map.get(identity_key(LedgerAccount, account.id))
            if not isinstance(found, LedgerAccount):
                return
            account = found
        set_committed_value(account, "balance", balance)
        set_committed_value(account, "posting_count", count)

    def check_postable(self, lines: Sequence[Line], value_date: date) -> None:
        """Nothing posts on a closed business day or to a closed account."""
        closed_day = last_closed_day(self.session)
        if closed_day is not None and value_date <= closed_day:
            raise DayClosed("the business day {value_date} is closed (closed up to {closed_day})",
                            value_date=value_date, closed_day=closed_day)
        for line in lines:
            self.require_open(line.account)

    def money(self, value: Decimal, currency: str) -> Money:
        return Money(round_to_currency(value, currency), currency)


def balanced_lines(kind: str, lines: Sequence[Line]) -> list[Line]:
    """The non-zero lines, once each currency is known to sum to zero; else
    :class:`UnbalancedEntry` and nothing is written."""
    effective = [line for line in lines if line.amount != 0]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in effective:
        if not MinorUnits.holds(line.amount):
            raise UnbalancedEntry("posting {amount} has more than two decimals", amount=line.amount)
        totals[line.account.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced or not effective:
        raise UnbalancedEntry("entry {kind} does not balance: {lines}",
                              kind=kind, lines=unbalanced or "empty")
    return effective


def account_number(kind: AccountKind, account_id: uuid.UUID) -> str:
    """A 19-digit number whose prefix tells the kind; the rest comes from the id."""
    prefix = {
        AccountKind.DEMAND: "6230",
        AccountKind.TIME_DEPOSIT: "6231",
        AccountKind.CERTIFICATE_OF_DEPOSIT: "6232",
        AccountKind.LOAN: "6239",
    }[kind]
    return f"{prefix}{account_id.int % 10**15:015d}"


def jsonable(value: Any) -> Any:
    """Decimal, UUID and dates as strings, for event payloads and audit details."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Money):
        return value.as_json()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
