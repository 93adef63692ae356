"""Which codes a transaction changes, for the lean scan path's per-process cache (kept apart so
that every outreach service can mark a change without importing the others)."""

from __future__ import annotations

from sqlalchemy.orm import Session

# codes changed in a transaction: the lean scan path's per-process cache drops them at commit
CHANGED_CODES = "outreach_changed_codes"
ALL_CODES = "*"


def mark_changed(session: Session, short_code: str) -> None:
    """Tell this process's scan cache that a code changes in this transaction (other
    processes see the change within the cache's 2-second lifetime)."""
    session.info.setdefault(CHANGED_CODES, set()).add(short_code)
