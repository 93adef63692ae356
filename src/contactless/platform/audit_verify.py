"""``audit verify``: recompute every seal from its entries with the key, check that the seals
follow each other and the sequence has no gap but the recorded ones, and that every anchor
kept outside the database still matches the seal it names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.platform.audit import GENESIS, AuditEntry, AuditKeys, AuditSeal
from contactless.platform.audit_seal import (
    ENTRY,
    ENTRY_COLUMNS,
    MAC_CHARS,
    entry_mac,
    expand,
    read_anchors,
    seal_head,
)
from contactless.settings import Settings

SEALS_A_PAGE = 200


@dataclass(frozen=True)
class ChainReport:
    """``checked``: entries proven by their seals; ``unsealed``: entries written after the
    last seal (not yet provable); ``gaps``: numbers recorded as never used; ``anchors``:
    anchors matched. ``kind`` names what broke: edited, deleted, gap_filled, seal_missing,
    seal_altered, other_key, truncated or anchor_mismatch."""

    checked: int
    broken_at: int | None
    reason: str | None
    kind: str | None = None
    sealed_through: int = 0
    unsealed: int = 0
    gaps: int = 0
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None


@dataclass
class _Walk:
    prev_head: str = GENESIS
    next_first: int = 1
    checked: int = 0
    gaps: int = 0


Problem = tuple[int, str, str]


def verify(session: Session, settings: Settings, *, anchors: Path | None = None) -> ChainReport:
    keys = AuditKeys.of(settings)
    walk = _Walk()
    problem = _walk_seals(session, keys, walk)
    sealed_through = walk.next_first - 1
    unsealed = int(session.scalar(select(func.count()).select_from(ENTRY)
                                  .where(ENTRY.c.seq > sealed_through)) or 0)
    matched = 0
    if problem is None:
        matched, problem = _check_anchors(session, read_anchors(anchors or settings.anchor_path),
                                          sealed_through)
    seq, kind, reason = problem or (None, None, None)
    return ChainReport(checked=walk.checked, broken_at=seq, reason=reason, kind=kind,
                       sealed_through=sealed_through, unsealed=unsealed, gaps=walk.gaps,
                       anchors=matched)


def verify_chain(session: Session) -> ChainReport:
    """Verify with the settings of the kernel that opened ``session``."""
    kernel = session.info.get("kernel")
    if kernel is None:
        raise RuntimeError("session was not opened through Database.session()")
    return verify(session, kernel.settings)


def _walk_seals(session: Session, keys: AuditKeys, walk: _Walk) -> Problem | None:
    after = 0
    while True:
        seals = session.scalars(select(AuditSeal).where(AuditSeal.last_seq > after)
                                .order_by(AuditSeal.last_seq).limit(SEALS_A_PAGE)).all()
        if not seals:
            return None
        for seal in seals:
            problem = _check_seal(session, keys, seal, walk)
            if problem:
                return problem
            walk.prev_head, walk.next_first = seal.head, seal.last_seq + 1
        after = seals[-1].last_seq


def _check_seal(session: Session, keys: AuditKeys, seal: AuditSeal, walk: _Walk,
                ) -> Problem | None:
    first, last = seal.first_seq, seal.last_seq
    if first > walk.next_first:
        return (walk.next_first, "seal_missing",
                f"the seal of entries {walk.next_first}..{first - 1} was removed")
    if first != walk.next_first or seal.prev_head != walk.prev_head:
        return first, "seal_altered", f"the seal of entries {first}..{last} was altered"
    if seal.key_id != keys.key_id:
        return (first, "other_key", f"entries {first}..{last} were sealed with another audit "
                f"key (key id {seal.key_id}, this one is {keys.key_id})")
    gaps: list[list[int]] = json.loads(seal.gaps)
    empty = expand(gaps)
    rows = {int(row[0]): row for row in session.execute(
        select(*ENTRY_COLUMNS).where(ENTRY.c.seq.between(first, last))).all()}
    stored = [seal.macs[i:i + MAC_CHARS] for i in range(0, len(seal.macs), MAC_CHARS)]
    expected = [seq for seq in range(first, last + 1) if seq not in empty]
    problem, macs = _check_entries(keys, rows, expected, stored)
    filled = min(rows.keys() & empty, default=None)
    if filled is not None and (problem is None or filled < problem[0]):
        return (filled, "gap_filled", f"entry {filled} sits where the seal recorded an unused "
                "number: it was added after sealing")
    if problem:
        return problem
    if len(stored) != len(expected) or seal_head(keys.chain, seal.prev_head, first, last, gaps,
                                                 macs) != seal.head:
        return first, "seal_altered", f"the seal of entries {first}..{last} does not recompute"
    walk.checked += len(expected)
    walk.gaps += len(empty)
    return None


def _check_entries(keys: AuditKeys, rows: dict[int, Any], expected: list[int],
                   stored: list[str]) -> tuple[Problem | None, list[bytes]]:
    macs: list[bytes] = []
    for index, seq in enumerate(expected):
        row = rows.get(seq)
        if row is None:
            return (seq, "deleted", f"entry {seq} was deleted after it was sealed"), macs
        mac = entry_mac(keys.chain, row)
        if index >= len(stored) or mac.hex()[:MAC_CHARS] != stored[index]:
            return (seq, "edited", f"entry {seq} was altered after it was sealed"), macs
        macs.append(mac)
    return None, macs


def _check_anchors(session: Session, anchors: list[dict[str, Any]], sealed_through: int,
                   ) -> tuple[int, Problem | None]:
    matched = 0
    for anchor in anchors:
        seq, head, at = int(anchor["seq"]), str(anchor["head"]), anchor.get("at")
        seal = session.scalar(select(AuditSeal).where(AuditSeal.last_seq == seq))
        if seal is None and seq > sealed_through:
            present = int(session.scalar(select(func.max(AuditEntry.seq))
                                         .where(AuditEntry.seq <= seq)) or 0)
            cut = present + 1 if present < seq else sealed_through + 1
            return matched, (cut, "truncated", f"the trail was truncated after the anchor of "
                             f"{at}: it names sealed entry {seq}, the seals now end at "
                             f"{sealed_through} and the entries at {present}")
        if seal is None or seal.head != head:
            return matched, (seq, "anchor_mismatch", f"the seal ending at entry {seq} is not the "
                             f"one anchored at {at}")
        matched += 1
    return matched, None
