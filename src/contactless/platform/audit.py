"""The audit trail: every state change appends an entry chained by SHA-256 to the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactless.platform.context import Actor, current_request_id
from contactless.platform.db import Base, UTCDateTime, utcnow

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
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


def digest(state: dict[str, Any] | None) -> str | None:
    """A fingerprint of a state: proves what it was without keeping PII in the trail."""
    if state is None:
        return None
    return hashlib.sha256(canonical(state).encode()).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def _entry_hash(entry: AuditEntry) -> str:
    body = canonical(
        {
            "at": entry.at.isoformat(),
            "actor": [entry.actor_kind, entry.actor_id, entry.channel],
            "action": entry.action,
            "target": [entry.target_type, entry.target_id],
            "before": entry.before_digest,
            "after": entry.after_digest,
            "details": entry.details,
            "request_id": entry.request_id,
            "prev": entry.prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


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
    """Append an entry in the caller's transaction; concurrent writers are serialized."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    last = session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=str(actor.id),
        channel=actor.channel,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before_digest=digest(before),
        after_digest=digest(after),
        details=canonical(details or {}),
        request_id=current_request_id(),
        prev_hash=last or GENESIS,
    )
    entry.entry_hash = _entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; name the first entry whose hash or link does not hold."""
    previous = GENESIS
    checked = 0
    last_seq = 0
    while True:
        query = (select(AuditEntry).where(AuditEntry.seq > last_seq)
                 .order_by(AuditEntry.seq).limit(batch))
        rows = session.scalars(query).all()
        if not rows:
            return ChainReport(checked, None, None)
        for entry in rows:
            if entry.prev_hash != previous:
                return ChainReport(checked, entry.seq, "link to the previous entry is broken")
            if _entry_hash(entry) != entry.entry_hash:
                return ChainReport(checked, entry.seq, "entry was altered after it was written")
            previous = entry.entry_hash
            checked += 1
            last_seq = entry.seq


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
