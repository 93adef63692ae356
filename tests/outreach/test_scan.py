"""Scanning /q/...: every check, every scan recorded with its result and reason."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from contactless.outreach import service as outreach
from contactless.outreach.models import QrScan
from contactless.platform.db import utcnow
from contactless.platform.events import OutboxEvent
from contactless.platform.kernel import Kernel
from tests.factories.identity import SmallBank, make_customer, make_small_bank
from tests.factories.outreach import make_code, scan, token_of

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


def recorded(kernel: Kernel, scan_id: uuid.UUID) -> QrScan:
    with kernel.db.session() as session:
        row = session.get(QrScan, scan_id)
        assert row is not None
        return row


def scanned_events(kernel: Kernel) -> list[dict[str, object]]:
    with kernel.db.session() as session:
        return [e.payload for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == "qr.scanned")
            .order_by(OutboxEvent.created_at))]


def test_an_accepted_scan_is_recorded_published_and_opens_the_landing_page(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    outcome = scan(kernel, code, ip="203.0.113.77", user_agent="iPhone WeChat")
    assert outcome.result == "accepted"
    assert outcome.error is None
    assert outcome.landing == f"/m/outreach/info/{token_of(code)}"
    row = recorded(kernel, outcome.scan_id)
    assert row.code_id == code.id
    assert row.ip_prefix == "203.0.113.0/24"
    assert row.user_agent == "iPhone WeChat"
    assert row.device_id == "device-0000000001"
    assert row.customer_id is None
    assert row.reason is None
    assert abs(row.scanned_at - utcnow()) < timedelta(minutes=1)
    event = scanned_events(kernel)[-1]
    assert event["scan_id"] == str(outcome.scan_id)
    assert event["code_id"] == str(code.id)
    assert event["result"] == "accepted"


def test_a_scan_subscriber_hears_of_it_after_the_commit_and_not_after_a_rollback(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    heard: list[object] = []
    kernel.bus.subscribe("qr.scanned", lambda _session, event: heard.append(event.payload))
    lost: list[uuid.UUID] = []

    def scan_then_fail() -> None:
        with kernel.db.session() as session:
            lost.append(outreach.resolve_scan(session, token=token_of(code),
                                              device_id="device-lost").scan_id)
            raise RuntimeError("the request failed after the scan")

    with pytest.raises(RuntimeError):
        scan_then_fail()
    assert heard == []
    with kernel.db.session() as session:
        assert session.get(QrScan, lost[0]) is None
    kept = scan(kernel, code)
    assert [e["scan_id"] for e in heard] == [str(kept.scan_id)]  # type: ignore[index]
    with kernel.db.session() as session:
        event = session.scalars(select(OutboxEvent).where(
            OutboxEvent.topic == "qr.scanned")).one()
        assert event.delivered_at is not None


def test_a_journey_code_lands_on_the_journeys_start_step_with_its_presets(
    sqlite_kernel: Kernel,
) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh, purpose="deposit_renewal",
                     params={"product": "CD-3Y"})
    landing = scan(sqlite_kernel, code).landing
    assert landing is not None
    parts = urlsplit(landing)
    assert parts.path == "/m/journeys/deposit_renewal/start"
    assert parse_qs(parts.query) == {"qr": [str(code.id)], "product": ["CD-3Y"]}


def test_addresses_are_cut_to_a_network() -> None:
    assert outreach.truncate_ip("198.51.100.200") == "198.51.100.0/24"
    assert outreach.truncate_ip("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert outreach.truncate_ip("not-an-ip") == ""
    # what ipaddress refuses is refused on the fast path too
    for odd in ("010.1.2.3", "1.2.3.256", "1.2.3", "١.2.3.4", "1.2.3.4.5"):
        assert outreach.truncate_ip(odd) == "", odd


def _tamper(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize(("mangle", "reason"), [
    (_tamper, "qr_signature_invalid"),
    (lambda t: t[:-4], "qr_signature_invalid"),
    (lambda t: t.split(".")[0], "qr_signature_invalid"),
    (lambda t: t.split(".")[0] + ".zz" + t.split(".")[1][2:], "qr_key_unknown"),
    (lambda t: "AAAAAAAAAAAA." + t.split(".")[1], "qr_signature_invalid"),
])
def test_forged_truncated_or_unknown_key_links_are_rejected_and_recorded(
    sqlite_kernel: Kernel, mangle: object, reason: str,
) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh)
    bad = mangle(token_of(code))  # type: ignore[operator]
    outcome = scan(sqlite_kernel, bad)
    assert outcome.result == "rejected"
    assert outcome.landing is None
    assert outcome.error is not None
    assert outcome.error.code == reason
    row = recorded(sqlite_kernel, outcome.scan_id)
    assert row.reason == reason
    assert row.result == "rejected"
    # the damaged link is kept for investigation when it names no known code
    assert (row.code_id == code.id) or row.token == bad[:80]


def test_a_network_flooding_bad_links_is_refused_unrecorded_while_genuine_links_open(
    kernel: Kernel,
) -> None:
    kernel.settings.qr_bad_links_per_minute = 3
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    forged = _tamper(token_of(code))
    first = [scan(kernel, forged, ip="198.51.100.7") for _ in range(3)]
    assert [o.error.code for o in first if o.error] == ["qr_signature_invalid"] * 3
    refused = scan(kernel, forged, ip="198.51.100.99")  # the same /24
    assert refused.error is not None
    assert refused.error.code == "qr_links_rate_limited"
    assert refused.error.status == 429
    assert refused.scan_id is None
    with kernel.db.session() as session:
        rows = session.scalars(select(QrScan).where(QrScan.reason.is_not(None))).all()
        assert len(rows) == 3
    assert scan(kernel, code, ip="198.51.100.7").result == "accepted"
    elsewhere = scan(kernel, forged, ip="192.0.2.1")
    assert elsewhere.error is not None
    assert elsewhere.error.code == "qr_signature_invalid"
    assert elsewhere.scan_id is not None


def test_a_well_signed_link_to_an_unknown_code_is_rejected(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh)
    with sqlite_kernel.db.session() as session:
        from contactless.outreach.service import tokens

        forged = tokens.token_for(session, "ZZZZZZZZZZZZ")
    assert scan(sqlite_kernel, forged).error.code == "qr_code_not_found"  # type: ignore[union-attr]
    assert scan(sqlite_kernel, code).result == "accepted"


def test_old_links_keep_working_after_a_key_rotation_until_the_key_is_retired(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    old = token_of(code)
    with kernel.db.session() as session:
        new_kid = outreach.rotate_key(session, bank.admin).kid
        fresh = outreach.get_code(session, bank.rm_xh, code_id=code.id)
    new = token_of(fresh)
    assert new.split(".")[1][:2] == new_kid != old.split(".")[1][:2]
    assert scan(kernel, old).result == "accepted"
    assert scan(kernel, new).result == "accepted"
    with kernel.db.session() as session:
        outreach.retire_key(session, bank.admin, kid=old.split(".")[1][:2])
    refused = scan(kernel, old)
    assert refused.error is not None
    assert refused.error.code == "qr_key_unknown"
    assert scan(kernel, new).result == "accepted"
    with kernel.db.session() as session, pytest.raises(Exception, match="role does not allow"):
        outreach.rotate_key(session, bank.rm_xh)


def _window(kind: str) -> dict[str, object]:
    now = utcnow()
    if kind == "expired":
        return {"not_before": now - timedelta(days=3), "expires_at": now + timedelta(seconds=1)}
    return {"not_before": now + timedelta(days=1), "expires_at": now + timedelta(days=5)}


@pytest.mark.parametrize(("change", "reason", "status"), [
    ("revoke", "qr_code_revoked", 410),
    ("pause", "qr_code_paused", 403),
    ("expired", "qr_code_expired", 410),
    ("scheduled", "qr_code_not_yet_valid", 403),
])
@SQLITE_ONLY
def test_revoked_paused_expired_and_not_yet_valid_codes_do_not_open(
    kernel: Kernel, change: str, reason: str, status: int,
) -> None:
    bank = make_small_bank(kernel)
    window = _window(change) if change in ("expired", "scheduled") else {}
    code = make_code(kernel, bank.rm_xh, **window)
    at = None
    if change in ("revoke", "pause"):
        with kernel.db.session() as session:
            getattr(outreach, f"{change}_code")(session, bank.rm_xh, code_id=code.id)
    if change == "expired":
        at = utcnow() + timedelta(seconds=5)
    outcome = scan(kernel, code, at=at)
    assert outcome.error is not None
    assert (outcome.error.code, outcome.error.status) == (reason, status)
    row = recorded(kernel, outcome.scan_id)
    assert (row.result, row.reason, row.code_id) == ("rejected", reason, code.id)


def test_a_code_stops_after_max_scans(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh, max_scans=2)
    assert [scan(kernel, code, device=f"device-{n:010d}").result for n in range(3)] == [
        "accepted", "accepted", "rejected"]
    last = scan(kernel, code)
    assert last.error is not None
    assert last.error.code == "qr_code_used_up"


def _customer(kernel: Kernel, bank: SmallBank, serial: int) -> uuid.UUID:
    return make_customer(kernel, bank.rm_xh, serial=serial, mobile=f"1390000{serial:04d}").id


def test_codes_that_must_know_the_customer_wait_for_sign_in_then_finish_the_same_scan(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    customer = _customer(kernel, bank, 1)
    code = make_code(kernel, bank.rm_xh, per_customer_limit=1)
    first = scan(kernel, code)
    assert first.result == "pending"
    assert first.landing == f"/m/q/{token_of(code)}"
    back = scan(kernel, code, customer_id=customer)
    assert back.result == "accepted"
    assert back.scan_id == first.scan_id
    row = recorded(kernel, back.scan_id)
    assert (row.customer_id, row.result) == (customer, "accepted")
    again = scan(kernel, code, customer_id=customer, device="device-other-0001")
    assert again.error is not None
    assert again.error.code == "qr_customer_limit_reached"


def test_a_one_to_one_code_is_bound_to_its_first_customer_and_refuses_forwarding(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    first, second = _customer(kernel, bank, 1), _customer(kernel, bank, 2)
    code = make_code(kernel, bank.rm_xh, bind_on_first_scan=True)
    assert scan(kernel, code, customer_id=first).result == "accepted"
    assert scan(kernel, code, customer_id=first, device="device-second-01").result == "accepted"
    forwarded = scan(kernel, code, customer_id=second, device="device-friend-01")
    assert forwarded.error is not None
    assert forwarded.error.code == "qr_code_forwarded"
    assert recorded(kernel, forwarded.scan_id).reason == "qr_code_forwarded"


def test_a_sign_in_ties_the_devices_earlier_scans_to_the_customer(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = _customer(kernel, bank, 1)
    code = make_code(kernel, bank.rm_xh)
    outcome = scan(kernel, code, device="device-phone-0001")
    other = scan(kernel, code, device="device-phone-0002")
    with kernel.db.session() as session:
        assert outreach.link_sign_in(session, device_id="device-phone-0001",
                                     customer_id=customer) == 1
    assert recorded(kernel, outcome.scan_id).customer_id == customer
    assert recorded(kernel, outcome.scan_id).identified_at is not None
    assert recorded(kernel, other.scan_id).customer_id is None
