"""Scanning ``/q/{token}``: verify, record, and say where the customer goes next.

A rejected scan is not an exception to the caller: it is recorded (with its reason) and
committed like any other, and the outcome carries the error for the page to show.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import structlog
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.outreach import repository
from contactless.outreach.errors import (
    QrCodeExpired,
    QrCodeForwarded,
    QrCodeNotFound,
    QrCodeNotYetValid,
    QrCodePaused,
    QrCodeRevoked,
    QrCodeUsedUp,
    QrCustomerLimitReached,
    QrCustomersOnly,
    QrKeyUnknown,
    QrLinksRateLimited,
    QrNotOnRoster,
    QrSignatureInvalid,
    ScanRejected,
)
from contactless.outreach.models import CodeStatus, QrCode, QrScan, ScanResult
from contactless.outreach.service import tokens
from contactless.outreach.service.attribution import window_days
from contactless.outreach.service.common import roster_entry_of, staff_name
from contactless.platform import events
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of

log = structlog.get_logger(__name__)

SCANNED = "qr.scanned"
SIGN_IN_REQUIRED = "sign_in_required"
# a scan waiting for sign-in is completed by the same device within this time
PENDING_SECONDS = 3600


# reasons of a link that names no genuine code: a network sending many is refused for a minute
BAD_LINK_REASONS = frozenset({QrSignatureInvalid.code, QrKeyUnknown.code, QrCodeNotFound.code})
BAD_LINK_WINDOW = 60


@dataclass(frozen=True)
class ScanOutcome:
    """What happened: ``landing`` is where to send the customer (the purpose's page, or the
    sign-in step for a pending scan); ``error`` is set when the scan was rejected. A bad link
    refused for flooding is not recorded: its ``scan_id`` is None."""

    scan_id: uuid.UUID | None
    result: str
    code_id: uuid.UUID | None
    landing: str | None
    error: ScanRejected | None


def new_device_id() -> str:
    """An anonymous device id for the cookie: random, tied to nobody until a sign-in."""
    return secrets.token_urlsafe(16)


def _octet(part: str) -> bool:
    """A plain decimal 0-255 without leading zeros, as ``ipaddress`` accepts."""
    return (part.isascii() and part.isdigit() and len(part) <= 3
            and (part == "0" or part[0] != "0") and int(part) <= 255)


def truncate_ip(address: str) -> str:
    """IPv4 cut to /24 and IPv6 to /48: enough for fraud patterns, not a person's address."""
    parts = address.split(".")
    if len(parts) == 4 and all(_octet(p) for p in parts):  # the common case, without ipaddress
        return f"{parts[0]}.{parts[1]}.{parts[2]}.0/24"
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def needs_identity(code: QrCode) -> bool:
    """Rules that can only be checked once the customer is known."""
    return bool(code.roster_restricted or code.bind_on_first_scan or code.per_customer_limit
                or code.parent_id)


def check_open(code: QrCode, now: datetime) -> None:
    """Status and validity window (the checks that need nobody's identity)."""
    if code.status == CodeStatus.REVOKED:
        raise QrCodeRevoked("this QR code has been withdrawn by the bank")
    if code.status == CodeStatus.PAUSED:
        raise QrCodePaused("this QR code is paused for now; please try again later")
    if now < code.not_before:
        raise QrCodeNotYetValid("this QR code is not valid yet")
    if now >= code.expires_at:
        raise QrCodeExpired("this QR code has expired")
    if code.max_scans is not None and code.limited_scan_count >= code.max_scans:
        raise QrCodeUsedUp("this QR code has been used as many times as allowed")


def landing_of(code: QrCode, token: str) -> str:
    """The purpose's landing page in /m: a journey's start step, or the information page."""
    if code.purpose == "info":
        return f"/m/outreach/info/{token}"
    params = code.params or {}
    query = urlencode({"qr": str(code.id), **{k: str(v) for k, v in params.items()}})
    return f"/m/journeys/{code.purpose}/start?{query}"


def _check_roster(session: Session, code: QrCode, customer_id: uuid.UUID) -> None:
    if not (code.roster_restricted or code.parent_id):
        return
    member = roster_entry_of(session, code, customer_id)
    if member is None:
        raise _not_on_roster(code)
    if member.customer_id is None:
        member.customer_id = customer_id


def _not_on_roster(code: QrCode) -> QrNotOnRoster:
    if code.parent_id is not None:
        return QrNotOnRoster("this QR code was made for another employee")
    return QrNotOnRoster("you are not on the list of employees this QR code is for")


def _check_prospect(session: Session, code: QrCode, mobile: str) -> None:
    """Someone new to the bank who proved their mobile: enough for a roster (by the mobile's
    blind index); a code that counts or binds per customer needs a customer."""
    if code.per_customer_limit is not None or code.bind_on_first_scan:
        raise QrCustomersOnly("this QR code is for the bank's customers: please sign in with "
                              "the mobile number you gave the bank")
    if code.roster_restricted or code.parent_id:
        index = kernel_of(session).cipher.blind_index(mobile, kind="mobile")
        if repository.roster_member_of(session, code, mobile_index=index,
                                       id_number_index=None) is None:
            raise _not_on_roster(code)


def _bad_links_flood(session: Session, ip: str) -> bool:
    """Count a bad link against the sender's network; True once it sent more than the bank
    allows in a minute (logged once per minute, with the network only)."""
    kernel = kernel_of(session)
    network = truncate_ip(ip) or "unknown"
    limit = kernel.settings.qr_bad_links_per_minute
    count = kernel.store.incr(f"qr-bad-links:{network}", ttl=BAD_LINK_WINDOW)
    if count == limit + 1:
        log.warning("qr_bad_links_flood", network=network, limit=limit)
    return count > limit


def _forwarded() -> QrCodeForwarded:
    return QrCodeForwarded("this QR code belongs to someone else and cannot be forwarded")


def _check_binding(code: QrCode, customer_id: uuid.UUID) -> None:
    if code.bind_on_first_scan and code.bound_customer_id not in (None, customer_id):
        raise _forwarded()


def _bind(session: Session, code: QrCode, customer_id: uuid.UUID) -> None:
    """Bind to the first customer atomically; a concurrent first scan by someone else wins."""
    if not code.bind_on_first_scan or code.bound_customer_id is not None:
        return
    if repository.bind_customer(session, code.id, customer_id):
        return
    if repository.bound_customer(session, code.id) != customer_id:
        if code.max_scans is not None:
            repository.release_scan_slot(session, code.id)
        raise _forwarded()


def _check_customer_limit(session: Session, code: QrCode, customer_id: uuid.UUID) -> None:
    limit = code.per_customer_limit
    if limit is not None and repository.accepted_scans_by(session, code.id, customer_id) >= limit:
        raise QrCustomerLimitReached("you have already used this QR code as often as allowed")


def new_scan_row(*, code_id: uuid.UUID | None, token: str, device_id: str, user_agent: str,
                 ip: str, customer_id: uuid.UUID | None, at: datetime, result: str,
                 reason: str | None) -> dict[str, Any]:
    """A ``qr_scan`` row (the lean scan path writes the same rows in batches)."""
    return {"id": uuid.uuid4(), "code_id": code_id, "token": None if code_id else token[:80],
            "scanned_at": at, "device_id": device_id[:48], "user_agent": user_agent[:256],
            "ip_prefix": truncate_ip(ip), "customer_id": customer_id,
            "identified_at": at if customer_id is not None else None, "result": str(result),
            "reason": reason}


def scanned_payload(*, scan_id: uuid.UUID, code_id: uuid.UUID | None, channel: str | None,
                    result: str, reason: str | None, customer_id: uuid.UUID | None,
                    device_id: str, scanned_at: datetime) -> dict[str, Any]:
    """The payload of ``qr.scanned``."""
    return {"scan_id": str(scan_id), "code_id": str(code_id) if code_id else None,
            "channel": channel, "result": str(result), "reason": reason,
            "customer_id": str(customer_id) if customer_id else None, "device_id": device_id,
            "scanned_at": scanned_at.isoformat()}


def _record(session: Session, scan: QrScan | None, *, code: QrCode | None, token: str,
            device_id: str, user_agent: str, ip: str, customer_id: uuid.UUID | None,
            at: datetime, result: str, reason: str | None) -> uuid.UUID:
    """Record the scan (a new row, or the pending scan it completes) and publish
    ``qr.scanned``; returns the scan's id."""
    channel = code.channel if code else None
    if scan is None:
        row = new_scan_row(code_id=code.id if code else None, token=token, device_id=device_id,
                           user_agent=user_agent, ip=ip, customer_id=customer_id, at=at,
                           result=result, reason=reason)
        event = events.publish_row(session, SCANNED, scanned_payload(
            scan_id=row["id"], code_id=row["code_id"], channel=channel, result=result,
            reason=reason, customer_id=customer_id, device_id=row["device_id"],
            scanned_at=at))
        repository.insert_scans(session, [row], [event])
        return uuid.UUID(str(row["id"]))
    if customer_id is not None and scan.customer_id is None:
        scan.customer_id = customer_id
        scan.identified_at = at
    scan.result = result
    scan.reason = reason
    events.publish(session, SCANNED, scanned_payload(
        scan_id=scan.id, code_id=scan.code_id, channel=channel, result=result, reason=reason,
        customer_id=customer_id, device_id=scan.device_id, scanned_at=scan.scanned_at))
    return scan.id


def resolve_scan(
    session: Session, *, token: str, device_id: str, user_agent: str = "", ip: str = "",
    customer_id: uuid.UUID | None = None, prospect_mobile: str | None = None,
    at: datetime | None = None,
) -> ScanOutcome:
    """Check a scanned link (signature, status, window, limits, roster, binding) and record
    the scan with its result. A code that must know the customer waits for sign-in: the scan
    is recorded as pending and completed when the same device comes back signed in, or, for
    someone new to the bank, with the mobile they proved (``prospect_mobile``, used for the
    roster check and never stored)."""
    now = at or utcnow()
    # a scan is a record of interest, not money: its commit need not wait for the WAL flush
    repository.relax_commit(session)
    code: QrCode | None = None
    pending: QrScan | None = None
    try:
        try:
            code = tokens.verify_and_load(session, token)
        except ScanRejected:
            # keep the code with the record when the link names one, so its RM sees abuse
            code_part = token.rpartition(".")[0]
            code = repository.code_by_short(session, code_part) if code_part else None
            raise
        if code is None:
            raise QrCodeNotFound("this QR code is not on record")
        check_open(code, now)
        if needs_identity(code):
            if customer_id is None and prospect_mobile is None:
                scan_id = _record(session, None, code=code, token=token,
                                  device_id=device_id, user_agent=user_agent, ip=ip,
                                  customer_id=None, at=now, result=ScanResult.PENDING,
                                  reason=SIGN_IN_REQUIRED)
                return ScanOutcome(scan_id, ScanResult.PENDING, code.id, f"/m/q/{token}", None)
            pending = repository.pending_scan(session, code.id, device_id,
                                              now - timedelta(seconds=PENDING_SECONDS))
            _check_scanner(session, code, customer_id=customer_id,
                           prospect_mobile=prospect_mobile)
        _take_slot(session, code, customer_id)
    except ScanRejected as error:
        return _refused(session, pending, code, error, token=token, device_id=device_id,
                        user_agent=user_agent, ip=ip, customer_id=customer_id, at=now)
    scan_id = _record(session, pending, code=code, token=token, device_id=device_id,
                      user_agent=user_agent, ip=ip, customer_id=customer_id, at=now,
                      result=ScanResult.ACCEPTED, reason=None)
    return ScanOutcome(scan_id, ScanResult.ACCEPTED, code.id, landing_of(code, token),
                       None)


def _check_scanner(session: Session, code: QrCode, *, customer_id: uuid.UUID | None,
                   prospect_mobile: str | None) -> None:
    """A code that must know who scans: the customer's roster entry, limit and binding, or
    the newcomer's proven mobile on the roster."""
    if customer_id is not None:
        _check_roster(session, code, customer_id)
        _check_customer_limit(session, code, customer_id)
        _check_binding(code, customer_id)
    elif prospect_mobile is not None:
        _check_prospect(session, code, prospect_mobile)


def _take_slot(session: Session, code: QrCode, customer_id: uuid.UUID | None) -> None:
    """Count the scan against the code's limit and bind a one-customer code."""
    if code.max_scans is not None and not repository.take_scan_slot(session, code.id):
        raise QrCodeUsedUp("this QR code has been used as many times as allowed")
    if customer_id is not None:
        _bind(session, code, customer_id)


def _refused(session: Session, pending: QrScan | None, code: QrCode | None,
             error: ScanRejected, *, token: str, device_id: str, user_agent: str, ip: str,
             customer_id: uuid.UUID | None, at: datetime) -> ScanOutcome:
    """Record a rejected scan, unless its network sends too many bad links to be recorded."""
    if error.code in BAD_LINK_REASONS and _bad_links_flood(session, ip):
        flood = QrLinksRateLimited("too many damaged or unknown QR code links came from your "
                                   "network; please wait a minute and scan again")
        return ScanOutcome(None, ScanResult.REJECTED, None, None, flood)
    scan_id = _record(session, pending, code=code, token=token, device_id=device_id,
                      user_agent=user_agent, ip=ip, customer_id=customer_id, at=at,
                      result=ScanResult.REJECTED, reason=error.code)
    return ScanOutcome(scan_id, ScanResult.REJECTED, code.id if code else None, None, error)


def purpose_of(session: Session, *, token: str) -> str | None:
    """The purpose of the genuine code a link names; None for a bad link."""
    try:
        code = tokens.verify_and_load(session, token)
    except ScanRejected:
        return None
    return code.purpose if code is not None else None


def link_sign_in(session: Session, *, device_id: str, customer_id: uuid.UUID,
                 at: datetime | None = None) -> int:
    """A customer signed in on a device that scanned codes: their accepted scans inside the
    attribution window become theirs (the funnel's sign-in step). Returns how many."""
    now = at or utcnow()
    since = now - timedelta(days=window_days(session))
    return repository.identify_device_scans(session, device_id=device_id,
                                            customer_id=customer_id, since=since, at=now)


@dataclass(frozen=True)
class InfoPage:
    """The information page a code of purpose ``info`` opens."""

    title: str
    message: str
    owners: list[str]
    enterprise_id: uuid.UUID | None
    # the owners' cards (name, branch, work phone, WeCom), in credit order
    cards: list[identity.ContactCard] = field(default_factory=list)


def info_page(session: Session, *, token: str) -> InfoPage:
    """The page behind an accepted ``info`` scan; the code must still be open."""
    code = repository.code_by_short(session, tokens.verify_token(session, token))
    if code is None or code.purpose != "info":
        raise QrCodeNotFound("this QR code is not on record")
    check_open(code, utcnow())
    owners = [staff_name(session, row.staff_id)
              for row in repository.owners(session, [code.parent_id or code.id])
              if row.status == "accepted"]
    # the title is the owners' internal label: customers read the headline, or the page's own
    rows = [row for row in repository.owners(session, [code.parent_id or code.id])
            if row.status == "accepted"]
    cards = [card for row in sorted(rows, key=lambda r: -r.share)
             if (card := identity.contact_card(session, staff_id=row.staff_id)) is not None]
    return InfoPage(code.headline or "", str((code.params or {}).get("message", "")), owners,
                    code.enterprise_id, cards)
