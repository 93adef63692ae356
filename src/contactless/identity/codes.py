"""One-time codes sent by text: sending, checking, and the limits that make guessing useless.

Wrong codes count against the mobile number, not against one code: asking for a new code does
not give a guesser a fresh start. Five wrong codes in 15 minutes, or ten in 24 hours, lock the
number until the window ends, and while it is locked even the right code is refused. Each
number gets a limited number of texts a day, and each network (an IPv4 /24 or IPv6 /48) and
each device a limited number of sends and checks an hour, so nobody sprays codes over many
numbers either. Every counter lives in the real-time store (shared by all workers on Redis).
The limits hold for every purpose alike (sign-in, a prospect proving a mobile, a journey step),
because a prospect's code for a customer's number signs that customer in.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactless.identity.errors import (
    InvalidMobile,
    OtpAttemptsExceeded,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpRateLimited,
    OtpResendTooSoon,
    OtpSendLimit,
)
from contactless.platform import audit
from contactless.platform.context import Actor, current_origin
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import kernel_of
from contactless.platform.security import hash_code
from contactless.platform.store import Store

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
DAY = 24 * 3600
HOUR = 3600
# who a failed code is recorded against when nobody is signed in yet
ANONYMOUS = Actor(kind="anonymous", id="anonymous", channel="mobile")


def check_mobile(mobile: str) -> str:
    mobile = mobile.strip().replace(" ", "").removeprefix("+86")
    if not MOBILE_PATTERN.fullmatch(mobile):
        raise InvalidMobile("enter an 11-digit mainland mobile number")
    return mobile


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    seconds: int


def _failure_windows(session: Session, ref: str) -> tuple[_Window, _Window]:
    settings = kernel_of(session).settings
    return (_Window(f"otp-fail:short:{ref}", settings.otp_failures_per_window,
                    settings.otp_failure_window_seconds),
            _Window(f"otp-fail:day:{ref}", settings.otp_failures_per_day, DAY))


def _count(store: Store, key: str) -> int:
    value = store.get(key)
    return int(value) if value else 0


def _lock_left(store: Store, windows: tuple[_Window, ...]) -> int:
    """Seconds until every full window has ended (0: not locked)."""
    return max((store.ttl(w.key) or 1 for w in windows if _count(store, w.key) >= w.limit),
               default=0)


def _spend(store: Store, window: _Window) -> int:
    """Count one use; the seconds to wait when the window is already full (0: allowed)."""
    if store.incr(window.key, ttl=window.seconds) > window.limit:
        return store.ttl(window.key) or 1
    return 0


def _origin_windows(session: Session, kind: str) -> list[_Window]:
    origin = current_origin()
    if origin is None:  # a job or a command on the server: no network to count
        return []
    settings = kernel_of(session).settings
    if kind == "send":
        per_network, per_device = (settings.otp_network_sends_per_hour,
                                   settings.otp_device_sends_per_hour)
    else:
        per_network, per_device = (settings.otp_network_checks_per_hour,
                                   settings.otp_device_checks_per_hour)
    return [_Window(f"otp-{kind}:net:{origin.network}", per_network, HOUR),
            _Window(f"otp-{kind}:dev:{origin.device}", per_device, HOUR)]


def mobile_ref(session: Session, mobile: str) -> str:
    return kernel_of(session).cipher.blind_index(mobile, kind="mobile")


def send_one_time_code(session: Session, *, mobile: str, purpose: str = "sign-in") -> int:
    """Send a 6-digit code through the message channel; store only its hash, for 5 minutes.
    Returns the seconds before another code may be asked for. Refused while the number is
    locked (``otp_locked``), within the resend cooldown, past the number's daily texts
    (``otp_send_limit``) or past its network's or device's hourly sends (``otp_rate_limited``).
    """
    kernel = kernel_of(session)
    settings, store = kernel.settings, kernel.store
    mobile = check_mobile(mobile)
    ref = mobile_ref(session, mobile)
    locked = _lock_left(store, _failure_windows(session, ref))
    if locked:
        raise OtpLocked("too many wrong codes for this number; try again later",
                        retry_after=locked)
    cooldown = f"otp-cooldown:{purpose}:{ref}"
    if store.get(cooldown):
        raise OtpResendTooSoon("a code was just sent; wait before asking again",
                               retry_after=store.ttl(cooldown) or 1)
    for window in _origin_windows(session, "send"):
        wait = _spend(store, window)
        if wait:
            raise OtpRateLimited("too many codes asked for from this network or device; "
                                 "try again later", retry_after=wait)
    wait = _spend(store, _Window(f"otp-sends:day:{ref}", settings.otp_sends_per_day, DAY))
    if wait:
        raise OtpSendLimit("this number has had its codes for today; try again tomorrow",
                           retry_after=wait)
    code = f"{secrets.randbelow(1_000_000):06d}"
    pepper = settings.secret_key.get_secret_value()
    store.set(f"otp:{purpose}:{ref}", json.dumps({"hash": hash_code(code, pepper=pepper)}),
              ttl=settings.otp_ttl_seconds)
    store.set(cooldown, "1", ttl=settings.otp_resend_seconds)
    minutes = settings.otp_ttl_seconds // 60
    kernel.channel.send(
        session, to_mobile=mobile, kind=f"otp.{purpose}",
        body=f"【{settings.bank_name}】验证码 {code}，{minutes}分钟内有效，请勿告诉他人。"
             f" Your code is {code}, valid for {minutes} minutes.",
    )
    return settings.otp_resend_seconds


def resend_wait(session: Session, *, mobile: str, purpose: str = "sign-in") -> int:
    """Seconds before another code for this number and purpose may be asked for (0: now)."""
    store = kernel_of(session).store
    cooldown = f"otp-cooldown:{purpose}:{mobile_ref(session, check_mobile(mobile))}"
    return store.ttl(cooldown)


def check_one_time_code(session: Session, *, mobile: str, code: str, purpose: str = "sign-in",
                        actor: Actor | None = None) -> None:
    """Accept the live code once. A wrong code counts against the number (across resends):
    the fifth in 15 minutes or the tenth in 24 hours kills the live code and locks the number
    (``otp_attempts_exceeded``, then ``otp_locked`` with ``retry_after``) and, until the lock
    ends, the right code is refused too. Every refusal is audited (``otp.failed``,
    ``otp.refused``) in the caller's transaction."""
    kernel = kernel_of(session)
    store = kernel.store
    mobile = check_mobile(mobile)
    ref = mobile_ref(session, mobile)
    who = actor or ANONYMOUS
    for window in _origin_windows(session, "check"):
        wait = _spend(store, window)
        if wait:
            raise _refused(session, who, OtpRateLimited(
                "too many codes tried from this network or device; try again later",
                retry_after=wait), ref=ref, purpose=purpose, reason="origin_rate_limited")
    windows = _failure_windows(session, ref)
    locked = _lock_left(store, windows)
    if locked:
        raise _refused(session, who, OtpLocked(
            "too many wrong codes for this number; try again later", retry_after=locked),
            ref=ref, purpose=purpose, reason="locked")
    key = f"otp:{purpose}:{ref}"
    stored = store.get(key)
    if stored is None:
        raise OtpExpired("the code has expired or was not requested; ask for a new one")
    pepper = kernel.settings.secret_key.get_secret_value()
    if secrets.compare_digest(json.loads(stored)["hash"], hash_code(code.strip(), pepper=pepper)):
        store.delete(key)
        store.delete(windows[0].key)  # a proven owner starts the short window afresh
        return
    counts = [store.incr(w.key, ttl=w.seconds) for w in windows]
    left = min(w.limit - count for w, count in zip(windows, counts, strict=True))
    error: ContactlessError
    if left <= 0:
        store.delete(key)
        error = OtpAttemptsExceeded("too many wrong codes for this number; try again later",
                                    retry_after=_lock_left(store, windows))
    else:
        error = OtpInvalid("the code is not right", attempts_left=left)
    raise _refused(session, who, error, ref=ref, purpose=purpose, reason="wrong_code",
                   failures=counts[0], failures_today=counts[1], locked=left <= 0)


def _refused(session: Session, actor: Actor, error: ContactlessError, *, ref: str,
             purpose: str, reason: str, **details: object) -> Exception:
    """Audit a refused code (the number appears only as its keyed index)."""
    origin = current_origin()
    return audit.record_refusal(
        session, actor, error,
        action="otp.failed" if reason == "wrong_code" else "otp.refused",
        target_type="mobile", target_id=ref,
        details={"purpose": purpose, "reason": reason,
                 "network": origin.network if origin else None, **details})
