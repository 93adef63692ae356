"""The ledger's rows as SQLAlchemy Core writes them on the hot path: an account's state read
and locked without an ORM object, and the statements a posting sends (built once, so each
call takes its compiled form from SQLAlchemy's cache)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, bindparam, func, select

from contactless.corebank.models import BusinessDay, JournalEntry, LedgerAccount, Posting
from contactless.platform.driver import Prepared

ACCOUNT = cast(Table, LedgerAccount.__table__)
ENTRY = cast(Table, JournalEntry.__table__)
POSTING = cast(Table, Posting.__table__)
DAY = cast(Table, BusinessDay.__table__)


@dataclass(slots=True)
class AccountState:
    """An account's row as a posting needs it, read and locked with SQLAlchemy Core (no ORM
    object): what the checks look at, and the balance and posting count a posting moves."""

    id: uuid.UUID
    number: str
    kind: str
    currency: str
    customer_id: uuid.UUID | None
    account_class: int | None
    bound_account_id: uuid.UUID | None
    bound_external_account: str | None
    status: str
    balance: Decimal
    posting_count: int
    opened_on: date
    closed_on: date | None


STATE_COLUMNS = [ACCOUNT.c[name] for name in AccountState.__dataclass_fields__]
# an account to post to: the ORM row (products lock and change it) or its Core state
Account = LedgerAccount | AccountState
# sent straight to the driver on PostgreSQL (platform.driver): a transfer reads one and locks two
READ_STATE = Prepared(select(*STATE_COLUMNS).where(ACCOUNT.c.id == bindparam("account_id")))
LOCK_STATES = Prepared(
    select(*STATE_COLUMNS, select(func.max(DAY.c.business_date)).scalar_subquery())
    .where(ACCOUNT.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(ACCOUNT.c.id).with_for_update(of=ACCOUNT),
    expanding=["ids"],
)


@dataclass(frozen=True)
class BookedEntry:
    """A journal entry just written."""

    id: uuid.UUID
