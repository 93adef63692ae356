"""The audit trail: every state change appends one entry, numbered by a sequence.

The hot path is one INSERT: no lock and no read of the entry before. A sealer
(:mod:`contactless.platform.audit_seal`) later links the entries in sequence order into a chain
keyed by ``CONTACTLESS_AUDIT_KEY`` (HMAC-SHA256; the key is never in the database), and
``contactless audit verify`` checks the seals, the sequence and the anchors kept outside.
On PostgreSQL triggers refuse UPDATE and DELETE on the entries and on the seals.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import BigInteger, Integer, String, Table, Text, insert, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactless.platform.context import Actor, current_request_id
from contactless.platform.db import Base, UTCDateTime, on_postgresql_create, utcnow

if TYPE_CHECKING:
    from contactless.settings import Settings

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(64), nullable=False)
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditSeal(Base):
    """One sealed batch: entries ``first_seq``..``last_seq`` (less ``gaps``, the numbers no
    entry holds, as ``[[from, to], ...]``) linked from ``prev_head`` to ``head``; ``macs`` is
    each entry's own MAC (16 hex digits, in order) so verify can name an edited entry."""

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    first_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    prev_head: Mapped[str] = mapped_column(String(64), nullable=False)
    head: Mapped[str] = mapped_column(String(64), nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    gaps: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    macs: Mapped[str] = mapped_column(Text, nullable=False)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# ---- append-only on PostgreSQL: the same DDL for create_all and the migration --------------

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""


def refuse_trigger(table: str) -> str:
    return (f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")


ENTRY_TABLE = cast(Table, AuditEntry.__table__)
SEAL_TABLE = cast(Table, AuditSeal.__table__)
for _table in (ENTRY_TABLE, SEAL_TABLE):
    on_postgresql_create(_table, REFUSE_FUNCTION.replace("%", "%%"), refuse_trigger(_table.name))


# ---- keys and digests ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditKeys:
    """Two keys derived from the audit key: one seals the chain, one keys the digests."""

    chain: bytes
    digest: bytes
    key_id: str

    @classmethod
    def of(cls, settings: Settings) -> AuditKeys:
        raw = settings.audit_key.get_secret_value().encode()

        def derive(label: bytes) -> bytes:
            return hmac.new(raw, b"contactless.audit." + label, hashlib.sha256).digest()

        return cls(chain=derive(b"chain"), digest=derive(b"digest"),
                   key_id=derive(b"id").hex()[:16])


def keys_of(session: Session) -> AuditKeys:
    """The audit keys of the kernel whose database opened ``session`` (kept on the kernel)."""
    kernel = session.info.get("kernel")
    if kernel is None:
        raise RuntimeError("session was not opened through Database.session()")
    keys = kernel.extensions.get("audit.keys")
    if keys is None:
        keys = kernel.extensions["audit.keys"] = AuditKeys.of(kernel.settings)
    return keys  # type: ignore[no-any-return]


def digest(state: dict[str, Any] | None, *, key: bytes) -> str | None:
    """A keyed fingerprint of a state (HMAC-SHA256): proves what it was without keeping PII
    in the trail, and cannot be matched against guesses without the key."""
    if state is None:
        return None
    return hmac.new(key, canonical(state).encode(), hashlib.sha256).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


# ---- writing -------------------------------------------------------------------------------

_INSERT = insert(ENTRY_TABLE)


def entry_row(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The row an entry is (for a caller that sends it with its own writes, see
    :mod:`contactless.platform.writes`); the session is marked as having written one."""
    key = keys_of(session).digest
    session.info["audit.written"] = True
    return {
        "at": utcnow(),
        "actor_kind": actor.kind,
        "actor_id": str(actor.id),
        "channel": actor.channel,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "before_digest": digest(before, key=key),
        "after_digest": digest(after, key=key),
        "details": canonical(details or {}),
        "request_id": current_request_id(),
    }


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction: one INSERT, no lock, so concurrent writers
    never wait on each other. Returns the entry as written (not attached to the session)."""
    values = entry_row(session, actor, action=action, target_type=target_type,
                       target_id=target_id, before=before, after=after, details=details)
    result = cast(CursorResult[Any], session.execute(_INSERT, values))
    key_row = result.inserted_primary_key
    return AuditEntry(seq=key_row[0] if key_row else None, **values)


def search(
    session: Session,
    *,
    actor_id: str | None = None,
    action: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    query = query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def sealed_through(session: Session) -> int:
    """The highest sequence number sealed so far (0 before the first seal)."""
    return int(session.scalar(select(AuditSeal.last_seq).order_by(AuditSeal.last_seq.desc())
                              .limit(1)) or 0)


def record_refusal(session: Session, actor: Actor, error: Exception, **entry: Any) -> Exception:
    """Audit a refusal in the caller's transaction and keep the entry on the error, so a
    caller that rolls a savepoint back (the journey engine) writes it again with
    :func:`record_again` once outside it. Returns the error, to be raised."""
    record(session, actor, **entry)
    error.audit_entry = (actor, entry)  # type: ignore[attr-defined]
    return error


def record_again(session: Session, error: Exception) -> None:
    """Write the refusal entry an error carries (nothing for any other error)."""
    kept = getattr(error, "audit_entry", None)
    if isinstance(kept, tuple):
        actor, entry = kept
        record(session, actor, **entry)
