"""One-time codes cannot be guessed: wrong codes count per number across resends, the number
locks (even the right code is refused), texts per number and per network/device are capped."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.customers import service as customers
from contactless.identity.errors import (
    OtpAttemptsExceeded,
    OtpInvalid,
    OtpLocked,
    OtpRateLimited,
    OtpSendLimit,
)
from contactless.journeys.service import prospects
from contactless.platform.audit import AuditEntry
from contactless.platform.channels import OutboundMessage, list_messages
from contactless.platform.context import Origin, origin_var
from contactless.platform.kernel import Kernel
from tests.conftest import let_seconds_pass
from tests.factories.identity import make_customer, make_small_bank

MOBILE = "13812340000"


def sent_code(kernel: Kernel, mobile: str = MOBILE) -> str:
    with kernel.db.session() as session:
        [latest, *_] = list_messages(session, kernel.cipher, to_mobile=mobile)
    match = re.search(r"\b(\d{6})\b", latest.body)
    assert match, latest.body
    return match.group(1)


def wrong_for(*codes: str) -> str:
    return next(c for c in ("000000", "111111", "222222") if c not in codes)


def after_cooldown(kernel: Kernel, mobile: str = MOBILE, purpose: str = "sign-in") -> None:
    """The resend cooldown is over (as if the minute had passed)."""
    ref = kernel.cipher.blind_index(mobile, kind="mobile")
    kernel.store.delete(f"otp-cooldown:{purpose}:{ref}")


def ask(kernel: Kernel, mobile: str = MOBILE) -> int:
    with kernel.db.session() as session:
        return customers.request_sign_in_code(session, mobile=mobile)


def verify(kernel: Kernel, code: str, mobile: str = MOBILE) -> str:
    with kernel.db.session() as session:
        return customers.complete_sign_in(session, mobile=mobile, code=code).id


def messages_sent(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboundMessage)) or 0)


def audit_actions(kernel: Kernel, prefix: str = "otp.") -> list[str]:
    with kernel.db.session() as session:
        return list(session.scalars(select(AuditEntry.action)
                                    .where(AuditEntry.action.startswith(prefix))
                                    .order_by(AuditEntry.seq)))


@pytest.fixture
def customer_id(kernel: Kernel) -> str:
    bank = make_small_bank(kernel)
    return str(make_customer(kernel, bank.rm_xh, serial=1, mobile=MOBILE).id)


def five_wrong(kernel: Kernel) -> str:
    """Five wrong codes against the live one; returns the live (now dead) code."""
    ask(kernel)
    code = sent_code(kernel)
    for left in (4, 3, 2, 1):
        with pytest.raises(OtpInvalid) as invalid:
            verify(kernel, wrong_for(code))
        assert invalid.value.extra["attempts_left"] == left
    with pytest.raises(OtpAttemptsExceeded) as exceeded:
        verify(kernel, wrong_for(code))
    assert 0 < exceeded.value.extra["retry_after"] <= 900
    return code


def test_the_lock_survives_a_resend(kernel: Kernel, customer_id: str) -> None:
    five_wrong(kernel)
    after_cooldown(kernel)
    sent_before = messages_sent(kernel)
    with pytest.raises(OtpLocked) as locked:
        ask(kernel)
    assert 0 < locked.value.extra["retry_after"] <= 900
    assert messages_sent(kernel) == sent_before  # no new code went out


def test_ten_wrong_codes_in_a_day_lock_the_number_for_the_day(kernel: Kernel,
                                                               customer_id: str) -> None:
    five_wrong(kernel)
    ref = kernel.cipher.blind_index(MOBILE, kind="mobile")
    kernel.store.delete(f"otp-fail:short:{ref}")  # the 15 minutes pass
    after_cooldown(kernel)
    ask(kernel)
    right = sent_code(kernel)
    for _ in range(4):
        with pytest.raises(OtpInvalid):
            verify(kernel, wrong_for(right))
    # the tenth wrong code today locks the number for the rest of the day
    with pytest.raises(OtpAttemptsExceeded) as exceeded:
        verify(kernel, wrong_for(right))
    assert exceeded.value.extra["retry_after"] > 900
    after_cooldown(kernel)
    with pytest.raises(OtpLocked):
        ask(kernel)


def test_the_right_code_is_refused_while_the_number_is_locked(kernel: Kernel,
                                                              customer_id: str) -> None:
    ask(kernel)
    right = sent_code(kernel)
    ref = kernel.cipher.blind_index(MOBILE, kind="mobile")
    # five wrong codes sent against another live code of the same number (a prospect code)
    with kernel.db.session() as session:
        prospects.request_prospect_code(session, mobile=MOBILE)
    other = sent_code(kernel)
    for _ in range(4):
        with pytest.raises(OtpInvalid), kernel.db.session() as session:
            prospects.verify_prospect(session, mobile=MOBILE, code=wrong_for(other, right))
    with pytest.raises(OtpAttemptsExceeded), kernel.db.session() as session:
        prospects.verify_prospect(session, mobile=MOBILE, code=wrong_for(other, right))
    assert kernel.store.get(f"otp:sign-in:{ref}") is not None  # the sign-in code is still live
    with pytest.raises(OtpLocked):
        verify(kernel, right)


def test_wrong_codes_add_up_within_the_window_not_per_code(kernel: Kernel,
                                                           customer_id: str) -> None:
    ask(kernel)
    code = sent_code(kernel)
    for _ in range(3):
        with pytest.raises(OtpInvalid):
            verify(kernel, wrong_for(code))
    after_cooldown(kernel)
    ask(kernel)
    code = sent_code(kernel)
    with pytest.raises(OtpInvalid) as invalid:
        verify(kernel, wrong_for(code))
    assert invalid.value.extra["attempts_left"] == 1


def test_the_lock_ends_with_its_window(kernel: Kernel, customer_id: str) -> None:
    kernel.settings.otp_failure_window_seconds = 1
    five_wrong(kernel)
    let_seconds_pass(kernel, 1.2)
    after_cooldown(kernel)
    ask(kernel)
    assert verify(kernel, sent_code(kernel)) == customer_id


def test_a_number_gets_a_limited_number_of_texts_a_day(kernel: Kernel, customer_id: str) -> None:
    kernel.settings.otp_sends_per_day = 3
    for _ in range(3):
        ask(kernel)
        after_cooldown(kernel)
    sent_before = messages_sent(kernel)
    with pytest.raises(OtpSendLimit) as limited:
        ask(kernel)
    assert limited.value.extra["retry_after"] > 3600
    # the cap is the number's, whatever the code is for
    after_cooldown(kernel, purpose="prospect")
    with pytest.raises(OtpSendLimit), kernel.db.session() as session:
        prospects.request_prospect_code(session, mobile=MOBILE)
    assert messages_sent(kernel) == sent_before


def test_one_network_cannot_spray_codes_over_many_numbers(kernel: Kernel,
                                                          customer_id: str) -> None:
    kernel.settings.otp_network_sends_per_hour = 3
    token = origin_var.set(Origin.of("203.0.113.7", user_agent="ua"))
    try:
        for serial in range(3):
            ask(kernel, f"1390000{serial:04d}")
        # a neighbour in the same /24 counts against the same network
        origin_var.set(Origin.of("203.0.113.99", user_agent="other"))
        with pytest.raises(OtpRateLimited):
            ask(kernel, "13900009999")
        origin_var.set(Origin.of("198.51.100.1", user_agent="ua"))
        ask(kernel, "13900009999")
    finally:
        origin_var.reset(token)


def test_one_device_is_limited_on_checking_codes(kernel: Kernel, customer_id: str) -> None:
    kernel.settings.otp_device_checks_per_hour = 2
    token = origin_var.set(Origin.of("2001:db8:1:2::5", device_id="device-0001"))
    try:
        for serial in range(2):
            with pytest.raises(Exception):  # noqa: B017, PT011 - no code was sent to these
                verify(kernel, "123456", f"1390000{serial:04d}")
        with pytest.raises(OtpRateLimited):
            verify(kernel, "123456", "13900000003")
        assert Origin.of("2001:db8:1:ffff::1").network == "2001:db8:1::/48"
    finally:
        origin_var.reset(token)


def _ask_http(client: TestClient, mobile: str = MOBILE) -> None:
    response = client.post("/api/v1/customer-auth/otp", json={"mobile": mobile})
    assert response.status_code == 202, response.text


def test_by_http_five_wrong_codes_and_a_resend_then_the_right_code_gets_429(
    kernel: Kernel, client: TestClient, customer_id: str,
) -> None:
    _ask_http(client)
    code = sent_code(kernel)
    statuses = [client.post("/api/v1/customer-auth/verify",
                            json={"mobile": MOBILE, "code": wrong_for(code)}).status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]  # a wrong code is a failed sign-in
    after_cooldown(kernel)
    resend = client.post("/api/v1/customer-auth/otp", json={"mobile": MOBILE})
    assert resend.status_code == 429
    assert resend.json()["code"] == "otp_locked"
    assert 0 < int(resend.headers["Retry-After"]) <= 900
    # the code that was live before (had the resend gone out, or not) is refused
    right = client.post("/api/v1/customer-auth/verify", json={"mobile": MOBILE, "code": code})
    assert right.status_code == 429
    assert right.json()["code"] == "otp_locked"
    assert int(right.headers["Retry-After"]) > 0
    assert "access_token" not in right.json()
    # every refused code is in the audit trail, committed with its answer
    assert audit_actions(kernel) == ["otp.failed"] * 5 + ["otp.refused"]
    assert audit_actions(kernel, "customer.signed_in") == []


def test_prospect_codes_have_the_same_limits(kernel: Kernel, client: TestClient,
                                             customer_id: str) -> None:
    mobile = "13700001111"
    assert client.post("/api/v1/journeys/prospects/code",
                       json={"mobile": mobile}).status_code == 202
    code = sent_code(kernel, mobile)
    statuses = [client.post("/api/v1/journeys/prospects/token",
                            json={"mobile": mobile, "code": wrong_for(code)}).status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]  # a wrong code is a failed sign-in
    right = client.post("/api/v1/journeys/prospects/token", json={"mobile": mobile, "code": code})
    assert right.status_code == 429
    assert right.json()["code"] == "otp_locked"
    assert right.headers["Retry-After"]
    assert audit_actions(kernel) == ["otp.failed"] * 5 + ["otp.refused"]
