"""Reading the books: accounts, products, statements, the trial balance and the invariants."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, func, select, type_coerce

from contactless.corebank.constants import (
    AccountKind,
    DepositStatus,
    LoanStatus,
    OrderStatus,
)
from contactless.corebank.errors import (
    AccountNotFound,
    DepositNotFound,
    HoldingNotFound,
    LoanNotFound,
    OrderNotFound,
    ProductNotFound,
    TransferNotFound,
)
from contactless.corebank.interest import add_months, to_fen
from contactless.corebank.ledger.books import natural_sign
from contactless.corebank.ledger.loans import LoanOps
from contactless.corebank.ledger.present import (
    account_view,
    deposit_view,
    loan_view,
    money,
    order_view,
    outbound_view,
    product_view,
)
from contactless.corebank.ledger.wealth import WealthOps
from contactless.corebank.models import (
    JournalEntry,
    LedgerAccount,
    Loan,
    OutboundTransfer,
    Posting,
    TimeDeposit,
    WealthHolding,
    WealthOrder,
    WealthProduct,
)
from contactless.corebank.schemas import (
    AccountView,
    BooksCheck,
    DepositView,
    EntryLine,
    HistoryItem,
    HistoryPage,
    HoldingView,
    LedgerEntryView,
    LoanView,
    OutboundTransferView,
    TrialBalance,
    TrialBalanceLine,
    WealthOrderView,
    WealthProductView,
)
from contactless.platform.db import MinorUnits

MAX_PAGE_SIZE = 200


def _external_party(entry: JournalEntry) -> str | None:
    """A merchant or another bank, as the entry's memo names it (never an account number)."""
    if entry.kind in ("card_payment", "inbound_transfer", "outbound_transfer"):
        return entry.memo[:40] or None
    return None


def _fen(column: Any) -> ColumnElement[int]:
    """A MinorUnits column read as its raw integer, so SQL can sum and compare it exactly."""
    return type_coerce(column, BigInteger)


class ReadOps(WealthOps, LoanOps):
    # -- one thing by id -----------------------------------------------------------------------

    def get_account(self, account_id: uuid.UUID) -> AccountView:
        return account_view(self.read_state(account_id))

    def get_deposit(self, deposit_id: uuid.UUID) -> DepositView:
        return deposit_view(self.get_row(TimeDeposit, deposit_id, DepositNotFound))

    def get_loan(self, loan_id: uuid.UUID) -> LoanView:
        loan = self.get_row(Loan, loan_id, LoanNotFound)
        account = self.get_row(LedgerAccount, loan.account_id, AccountNotFound)
        return loan_view(loan, account, self.schedule_of(loan.id))

    def get_holding(self, holding_id: uuid.UUID) -> HoldingView:
        holding = self.get_row(WealthHolding, holding_id, HoldingNotFound)
        return self._holding_view(holding)

    def get_outbound_transfer(self, transfer_id: uuid.UUID) -> OutboundTransferView:
        return outbound_view(self.get_row(OutboundTransfer, transfer_id, TransferNotFound))

    def get_wealth_order(self, order_id: uuid.UUID) -> WealthOrderView:
        return order_view(self.get_row(WealthOrder, order_id, OrderNotFound))

    def entries_for(self, reference_type: str, reference_id: uuid.UUID) -> list[LedgerEntryView]:
        """Every entry posted for one contract (a deposit, a wealth order, a loan), oldest
        first, with its postings and the kind of each account they touch."""
        entries = list(self.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.reference_type == reference_type,
                   JournalEntry.reference_id == reference_id)
            .order_by(JournalEntry.created_at, JournalEntry.id)))
        if not entries:
            return []
        lines: dict[uuid.UUID, list[EntryLine]] = defaultdict(list)
        for entry_id, account_id, kind, amount, currency in self.session.execute(
            select(Posting.entry_id, Posting.account_id, LedgerAccount.kind, Posting.amount,
                   Posting.currency)
            .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
            .where(Posting.entry_id.in_([entry.id for entry in entries]))
            .order_by(Posting.id)
        ):
            lines[entry_id].append(EntryLine(account_id=account_id, account_kind=kind,
                                             amount=money(amount, currency)))
        return [LedgerEntryView(id=entry.id, kind=entry.kind, value_date=entry.value_date,
                                booked_at=entry.created_at,
                                reference_type=entry.reference_type,
                                reference_id=entry.reference_id, lines=lines[entry.id])
                for entry in entries]

    def get_wealth_product(self, product_id: uuid.UUID) -> WealthProductView:
        product = self.get_row(WealthProduct, product_id, ProductNotFound)
        return product_view(product, self.latest_nav(product.id))

    def list_wealth_products(self, *, open_only: bool = True) -> list[WealthProductView]:
        query = select(WealthProduct).order_by(WealthProduct.code)
        if open_only:
            query = query.where(WealthProduct.status == "open")
        return [product_view(p, self.latest_nav(p.id)) for p in self.session.scalars(query)]

    # -- what a customer has ---------------------------------------------------------------

    def accounts_of_customer(self, customer_id: uuid.UUID) -> list[AccountView]:
        rows = self.session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.customer_id == customer_id,
                   LedgerAccount.kind == AccountKind.DEMAND.value)
            .order_by(LedgerAccount.opened_on, LedgerAccount.number)
        )
        return [account_view(row) for row in rows]

    def deposits_of_customer(self, customer_id: uuid.UUID, *,
                             active_only: bool = True) -> list[DepositView]:
        query = select(TimeDeposit).where(TimeDeposit.customer_id == customer_id)
        if active_only:
            query = query.where(TimeDeposit.status == DepositStatus.ACTIVE.value)
        query = query.order_by(TimeDeposit.maturity_date, TimeDeposit.id)
        return [deposit_view(row) for row in self.session.scalars(query)]

    def holdings_of_customer(self, customer_id: uuid.UUID) -> list[HoldingView]:
        rows = self.session.scalars(
            select(WealthHolding)
            .where(WealthHolding.customer_id == customer_id,
                   WealthHolding.closed.is_(False))
            .order_by(WealthHolding.created_at, WealthHolding.id)
        )
        return [self._holding_view(row) for row in rows]

    def _holding_view(self, holding: WealthHolding) -> HoldingView:
        product = self.get_row(WealthProduct, holding.product_id, ProductNotFound)
        latest = self.latest_nav(product.id)
        pending = self.session.scalars(
            select(WealthOrder)
            .where(WealthOrder.holding_id == holding.id,
                   WealthOrder.status == OrderStatus.PENDING.value)
            .order_by(WealthOrder.trade_date, WealthOrder.id)
        )
        return HoldingView(
            id=holding.id,
            customer_id=holding.customer_id,
            product_id=product.id,
            product_code=product.code,
            product_name=product.name,
            risk_level=product.risk_level,
            demand_account_id=holding.demand_account_id,
            units=holding.units,
            units_redeeming=holding.units_redeeming,
            cost=money(holding.cost, product.currency),
            latest_nav=latest[0] if latest else None,
            market_value=(money(to_fen(holding.units * latest[0]), product.currency)
                          if latest else None),
            maturity_date=product.maturity_date,
            pending_orders=[order_view(order) for order in pending],
        )

    def loans_of_customer(self, customer_id: uuid.UUID) -> list[LoanView]:
        loans = self.session.scalars(
            select(Loan)
            .where(Loan.customer_id == customer_id,
                   Loan.status != LoanStatus.PAID_OFF.value)
            .order_by(Loan.booked_on, Loan.id)
        ).all()
        return [self.get_loan(loan.id) for loan in loans]

    # -- statements ------------------------------------------------------------------------------

    def account_history(self, account_id: uuid.UUID, *, page: int = 1,
                        page_size: int = 20, month: date | None = None) -> HistoryPage:
        """Newest first, each line with the balance it left (the running balance) and the
        other side masked; ``month`` (any day of it) keeps that month's lines only."""
        account = self.get_row(LedgerAccount, account_id, AccountNotFound)
        page = max(page, 1)
        page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
        sign = natural_sign(account.kind)
        query = select(Posting, JournalEntry).join(
            JournalEntry, JournalEntry.id == Posting.entry_id
        ).where(Posting.account_id == account_id)
        total = account.posting_count
        if month is not None:
            first = month.replace(day=1)
            last = add_months(first, 1) - timedelta(days=1)
            in_month = (Posting.value_date >= first, Posting.value_date <= last)
            query = query.where(*in_month)
            total = self.session.scalar(
                select(func.count()).select_from(Posting)
                .where(Posting.account_id == account_id, *in_month)) or 0
        rows = self.session.execute(
            query.order_by(Posting.seq.desc()).limit(page_size).offset((page - 1) * page_size)
        ).all()
        others = self._counterparties(account_id, [entry.id for _posting, entry in rows])
        items = [
            HistoryItem(
                seq=posting.seq,
                entry_id=entry.id,
                value_date=posting.value_date,
                booked_at=entry.created_at,
                kind=entry.kind,
                memo=entry.memo,
                amount=money(posting.amount * sign, account.currency),
                balance_after=money(posting.balance_after * sign, account.currency),
                counterparty=others.get(entry.id) or _external_party(entry),
            )
            for posting, entry in rows
        ]
        return HistoryPage(account_id=account_id, items=items, page=page, page_size=page_size,
                           total=total)

    def _counterparties(self, account_id: uuid.UUID,
                        entry_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Another customer account in the same entry, as its last four digits."""
        if not entry_ids:
            return {}
        rows = self.session.execute(
            select(Posting.entry_id, LedgerAccount.number)
            .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
            .where(Posting.entry_id.in_(entry_ids), Posting.account_id != account_id,
                   LedgerAccount.customer_id.is_not(None))
        ).all()
        return {entry_id: f"****{number[-4:]}" for entry_id, number in rows}

    # -- the whole book ------------------------------------------------------------------------

    def trial_balance(self) -> TrialBalance:
        balance = _fen(LedgerAccount.balance)
        rows = self.session.execute(
            select(
                LedgerAccount.currency,
                LedgerAccount.kind,
                func.count(),
                func.coalesce(func.sum(case((balance > 0, balance), else_=0)), 0),
                func.coalesce(func.sum(case((balance < 0, -balance), else_=0)), 0),
            )
            .group_by(LedgerAccount.currency, LedgerAccount.kind)
            .order_by(LedgerAccount.currency, LedgerAccount.kind)
        ).all()
        lines: list[TrialBalanceLine] = []
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        counts: dict[str, int] = defaultdict(int)
        for currency, kind, count, debit_fen, credit_fen in rows:
            debits = MinorUnits.from_stored(debit_fen)
            credits = MinorUnits.from_stored(credit_fen)
            lines.append(TrialBalanceLine(currency=currency, account_kind=kind, accounts=count,
                                          debits=debits, credits=credits,
                                          net=debits - credits))
            totals[currency][0] += debits
            totals[currency][1] += credits
            counts[currency] += count
        total_lines = {
            currency: TrialBalanceLine(currency=currency, account_kind="total",
                                       accounts=counts[currency], debits=debit, credits=credit,
                                       net=debit - credit)
            for currency, (debit, credit) in totals.items()
        }
        balanced = all(line.net == 0 for line in total_lines.values())
        return TrialBalance(lines=lines, totals=total_lines, balanced=balanced)

    def verify_books(self) -> BooksCheck:
        """Recompute the invariants from the postings: every entry sums to zero per currency,
        every balance and running balance equals the sum of its postings, no demand account
        is overdrawn."""
        amount = _fen(Posting.amount)
        problems = self._unbalanced_entries() + self._drifted_accounts()
        overdrawn = self.session.scalars(
            select(LedgerAccount.number).where(
                LedgerAccount.kind == AccountKind.DEMAND.value,
                _fen(LedgerAccount.balance) > 0,
            )
        ).all()
        problems += [f"demand account {n} is overdrawn" for n in overdrawn]
        totals = self.session.execute(
            select(Posting.currency, func.sum(amount)).group_by(Posting.currency)
        ).all()
        problems += [f"the book does not balance in {c}: {s}" for c, s in totals if s != 0]
        return BooksCheck(
            entries=self.session.scalar(select(func.count()).select_from(JournalEntry)) or 0,
            postings=self.session.scalar(select(func.count()).select_from(Posting)) or 0,
            accounts=self.session.scalar(select(func.count()).select_from(LedgerAccount)) or 0,
            problems=problems,
        )

    def _unbalanced_entries(self) -> list[str]:
        """Entries that do not sum to zero in a currency."""
        amount = _fen(Posting.amount)
        unbalanced = self.session.execute(
            select(Posting.entry_id, Posting.currency, func.sum(amount))
            .group_by(Posting.entry_id, Posting.currency)
            .having(func.sum(amount) != 0)
        ).all()
        return [f"entry {e} does not balance in {c}: {s}" for e, c, s in unbalanced]

    def _drifted_accounts(self) -> list[str]:
        """Accounts whose balance, posting count or running balances disagree with their
        postings."""
        amount = _fen(Posting.amount)
        problems: list[str] = []
        sums = (
            select(Posting.account_id, func.sum(amount).label("total"),
                   func.count().label("n"), func.max(Posting.seq).label("top"))
            .group_by(Posting.account_id)
            .subquery()
        )
        drift = self.session.execute(
            select(LedgerAccount.number, _fen(LedgerAccount.balance), sums.c.total,
                   LedgerAccount.posting_count, sums.c.n, sums.c.top)
            .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
            .where(
                (_fen(LedgerAccount.balance) != func.coalesce(sums.c.total, 0))
                | (LedgerAccount.posting_count != func.coalesce(sums.c.n, 0))
                | (LedgerAccount.posting_count != func.coalesce(sums.c.top, 0))
            )
        ).all()
        problems += [
            f"account {number}: balance {bal} vs postings {total}; count {count} vs {n}/{top}"
            for number, bal, total, count, n, top in drift
        ]
        running = select(
            Posting.account_id,
            Posting.seq,
            _fen(Posting.balance_after).label("after"),
            func.sum(amount).over(partition_by=Posting.account_id,
                                  order_by=Posting.seq).label("running"),
        ).subquery()
        broken = self.session.execute(
            select(running.c.account_id, running.c.seq)
            .where(running.c.after != running.c.running).limit(20)
        ).all()
        problems += [f"account {a} posting {s}: running balance is wrong" for a, s in broken]
        return problems
