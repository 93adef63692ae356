"""The lean scan path's rules (no HTTP here): which codes may skip ``resolve_scan``, the
code state a process keeps for at most ``STATE_TTL`` seconds, and the rows of a fast scan.

A *simple* code is one whose scan depends on nothing but its signature, status, validity
window and, if it has one, its ``max_scans`` (a slot taken by one committed UPDATE): no
per-customer limit, no binding, no roster, no enterprise, no parent. Everything else goes
through ``resolve_scan``.
"""

from __future__ import annotations

import hmac
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from contactless.outreach import repository
from contactless.outreach.models import CodeStatus, QrCode, ScanResult
from contactless.outreach.service import tokens
from contactless.outreach.service.changes import ALL_CODES, CHANGED_CODES
from contactless.outreach.service.scanning import (
    SCANNED,
    landing_of,
    new_scan_row,
    scanned_payload,
)
from contactless.platform.events import EventBus, event_row
from contactless.platform.kernel import kernel_of
from contactless.platform.security import TokenSigner

log = structlog.get_logger(__name__)

STATE_TTL = 2.0


@dataclass(frozen=True)
class CodeState:
    """What the lean path needs to know about a code and the key id a link names."""

    code_id: uuid.UUID
    short_code: str
    kid: str
    key_accepted: bool
    status: str
    not_before: datetime
    expires_at: datetime
    channel: str
    simple: bool
    limited: bool  # has max_scans: each scan takes a slot first
    loaded_at: float
    landing: str  # where an accepted scan of a link with this kid goes

    def open_at(self, now: datetime) -> bool:
        return (self.key_accepted and self.status == CodeStatus.ACTIVE
                and self.not_before <= now < self.expires_at)


def is_simple(code: QrCode) -> bool:
    """Nothing beyond signature, status, window and max_scans decides this code's scans."""
    return not (code.per_customer_limit is not None or code.bind_on_first_scan
                or code.roster_restricted or code.enterprise_id is not None
                or code.parent_id is not None)


def take_slot(session: Session, code_id: uuid.UUID) -> bool:
    """Count one scan against a limited code (the caller commits at once); False when it is
    used up."""
    return repository.take_scan_slot(session, code_id)


def release_slot(session: Session, code_id: uuid.UUID) -> None:
    """Give back a slot whose scan was not taken after all."""
    repository.release_scan_slot(session, code_id)


def load_state(session: Session, short_code: str, kid: str) -> CodeState | None:
    """The state of the code a link names (one query), or None when it is not on record."""
    signer = kernel_of(session).signer
    found = repository.code_and_key(session, short_code, kid)
    if found is None:
        return None
    code, key = found
    return CodeState(
        code_id=code.id, short_code=code.short_code, kid=kid,
        key_accepted=key is not None and key.retired_at is None, status=code.status,
        not_before=code.not_before, expires_at=code.expires_at, channel=code.channel,
        simple=is_simple(code), limited=code.max_scans is not None,
        loaded_at=time.monotonic(), landing=landing_of(
            code, f"{code.short_code}.{kid}{tokens.signature_with(signer, code.short_code, kid)}"))


def genuine(signer: TokenSigner, short_code: str, kid: str, signature: str) -> bool:
    """The link's signature is right (the key id's status is the cached state's business)."""
    return hmac.compare_digest(signature, tokens.signature_with(signer, short_code, kid))


class CodeStateCache:
    """Per-process code state, each entry kept at most ``ttl`` seconds."""

    def __init__(self, ttl: float = STATE_TTL) -> None:
        self.ttl = ttl
        self._entries: dict[str, CodeState] = {}

    def get(self, short_code: str, kid: str) -> CodeState | None:
        state = self._entries.get(short_code)
        if state is None or state.kid != kid or time.monotonic() - state.loaded_at > self.ttl:
            return None
        return state

    def put(self, state: CodeState) -> None:
        self._entries[state.short_code] = state

    def invalidate(self, short_codes: set[str]) -> None:
        if ALL_CODES in short_codes:
            self._entries.clear()
            return
        for short_code in short_codes:
            self._entries.pop(short_code, None)

    def on_commit(self, session: Session) -> Any:
        """A ``Database.on_commit`` hook: drop changed codes now and again after the commit
        (a scan that reloaded the old state in between must not keep it)."""
        changed: set[str] = session.info.pop(CHANGED_CODES, set())
        if not changed:
            return None
        self.invalidate(changed)

        def again() -> None:
            self.invalidate(changed)

        return again


def scan_rows(state: CodeState, *, device_id: str, user_agent: str, ip: str, at: datetime,
              bus: EventBus) -> tuple[dict[str, Any], dict[str, Any]]:
    """The accepted scan and its ``qr.scanned`` event, as ``resolve_scan`` writes them."""
    scan = new_scan_row(code_id=state.code_id, token="", device_id=device_id,
                        user_agent=user_agent, ip=ip, customer_id=None, at=at,
                        result=ScanResult.ACCEPTED, reason=None)
    event = event_row(bus, SCANNED, scanned_payload(
        scan_id=scan["id"], code_id=state.code_id, channel=state.channel,
        result=ScanResult.ACCEPTED, reason=None, customer_id=None,
        device_id=scan["device_id"], scanned_at=at), at=at)
    return scan, event


def insert_scans(session: Session, scans: list[dict[str, Any]],
                 events: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Write buffered scans and events; returns the ids of events still to deliver."""
    repository.insert_scans(session, scans, events)
    return [e["id"] for e in events if e["delivered_at"] is None]


class ScanBuffer:
    """Accepted fast scans waiting to be written; a daemon thread flushes every ``interval``
    seconds or at ``batch`` rows. A scan accepted within the interval before the process dies
    is lost (documented in docs/outreach.md). At most ``limit`` scans wait: past that (the
    database has been failing) scans go the full route instead of filling the memory."""

    def __init__(self, write: Any, *, interval: float = 0.05, batch: int = 500,
                 limit: int = 50_000) -> None:
        self._write = write
        self.interval = interval
        self.batch = batch
        self.limit = limit
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._scans: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def add(self, scan: dict[str, Any], event: dict[str, Any]) -> bool:
        """Queue a scan; False (nothing queued) when ``limit`` scans already wait, e.g. while
        the database is down: the caller then takes the full route, which says so."""
        with self._lock:
            if len(self._scans) >= self.limit:
                return False
            self._scans.append(scan)
            self._events.append(event)
            full = len(self._scans) >= self.batch
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="scan-buffer",
                                                daemon=True)
                self._thread.start()
        if full:
            self._wake.set()
        return True

    def pending(self) -> int:
        with self._lock:
            return len(self._scans)

    def flush(self) -> int:
        """Write everything buffered now; returns how many scans were written."""
        with self._flush_lock:
            with self._lock:
                scans, self._scans = self._scans, []
                events, self._events = self._events, []
            if scans:
                try:
                    self._write(scans, events)
                except Exception:
                    with self._lock:  # keep them for the next attempt
                        self._scans[:0] = scans
                        self._events[:0] = events
                    raise
            return len(scans)

    def stop(self) -> None:
        """Flush and stop the thread (the app's shutdown)."""
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the rows stay buffered and are retried next round
                log.exception("scan_buffer_flush_failed")
                time.sleep(self.interval)
