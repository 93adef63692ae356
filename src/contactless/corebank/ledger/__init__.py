"""The embedded double-entry ledger: the default implementation of :class:`CoreBankPort`."""

from __future__ import annotations

from contactless.corebank.ledger.accounts import AccountOps
from contactless.corebank.ledger.closing import ClosingOps
from contactless.corebank.ledger.maturity import MaturityOps
from contactless.corebank.ledger.reads import ReadOps


class EmbeddedLedger(AccountOps, MaturityOps, ClosingOps, ReadOps):
    """Books kept in the platform's own database, in the caller's transaction.

    Every write locks the rows it touches (product row first, then accounts in id order),
    posts one balanced journal entry stamped with the actor and channel, and moves the
    running balances of the accounts in the same transaction.
    """


__all__ = ["EmbeddedLedger"]
