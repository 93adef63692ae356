"""The lean scan path: simple codes answered without the router, their scans written in
batches; every other code, and every rejection, still goes through ``resolve_scan``."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from contactless.outreach import service as outreach
from contactless.outreach.models import QrCode, QrScan
from contactless.platform.events import OutboxEvent
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank
from tests.factories.outreach import make_code, token_of


def flush(client: TestClient) -> None:
    client.app.state.scan_buffer.flush()  # type: ignore[attr-defined]


def scans_of(kernel: Kernel, code_id: object) -> list[QrScan]:
    with kernel.db.session() as session:
        return list(session.scalars(select(QrScan).where(QrScan.code_id == code_id)
                                    .order_by(QrScan.scanned_at)))


def scanned_events(kernel: Kernel) -> list[OutboxEvent]:
    with kernel.db.session() as session:
        return list(session.scalars(select(OutboxEvent)
                                    .where(OutboxEvent.topic == "qr.scanned")))


def test_a_simple_code_is_redirected_with_a_device_cookie_and_recorded_after_a_flush(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", params={"product": "CD-1Y"})
    response = client.get(code.path, headers={"user-agent": "iPhone WeChat"})
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/m/journeys/deposit_renewal/start?qr={code.id}&product=CD-1Y")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex"
    assert response.headers["x-request-id"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cl_dev=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=34560000" in cookie
    device = response.cookies["cl_dev"]
    # the scan is buffered, not yet written: the lean path took it
    assert client.app.state.scan_buffer.pending() == 1  # type: ignore[attr-defined]
    flush(client)
    [row] = scans_of(kernel, code.id)
    assert row.result == "accepted"
    assert row.reason is None
    assert row.device_id == device
    assert row.user_agent == "iPhone WeChat"
    [event] = [e for e in scanned_events(kernel) if e.payload["scan_id"] == str(row.id)]
    assert event.payload["code_id"] == str(code.id)
    assert event.payload["result"] == "accepted"
    assert event.payload["channel"] == "chat"
    assert event.delivered_at is not None  # nobody subscribes to qr.scanned
    # a device that has its cookie keeps it
    again = client.get(code.path)
    assert again.status_code == 303
    assert "set-cookie" not in again.headers
    flush(client)
    assert [r.device_id for r in scans_of(kernel, code.id)] == [device, device]


def test_a_fast_scan_carries_a_request_id_and_is_counted_in_the_metrics(
    sqlite_kernel: Kernel,
) -> None:
    from contactless.app import create_app

    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh)
    with TestClient(create_app(kernel=sqlite_kernel), follow_redirects=False) as client:
        response = client.get(code.path, headers={"x-request-id": "abcdef0123456789"})
        assert response.status_code == 303
        assert response.headers["x-request-id"] == "abcdef0123456789"
        assert client.app.state.scan_buffer.pending() == 1  # type: ignore[attr-defined]
        sqlite_kernel.settings.metrics_token = SecretStr("t" * 40)
        metrics = client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 40}).text
    assert 'route="/q/{token}",status="303"' in metrics.replace(
        'method="GET",', "")
    # the shutdown wrote the buffered scan
    assert len(scans_of(sqlite_kernel, code.id)) == 1


def test_a_code_with_max_scans_takes_a_slot_on_the_lean_path_and_is_used_up(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh, max_scans=2)
    buffer = client.app.state.scan_buffer  # type: ignore[attr-defined]
    buffer.interval = 3600  # the test flushes
    assert [client.get(code.path).status_code for _ in range(2)] == [303, 303]
    assert buffer.pending() == 2  # both on the lean path, each with its slot
    third = client.get(code.path)
    assert third.status_code == 410
    assert "used_up" in third.text
    flush(client)
    assert [(r.result, r.reason) for r in scans_of(kernel, code.id)] == [
        ("accepted", None), ("accepted", None), ("rejected", "qr_code_used_up")]
    with kernel.db.session() as session:
        stored = session.get(QrCode, code.id)
        assert stored is not None
        assert stored.limited_scan_count == 2


def test_a_one_to_one_code_waits_for_sign_in_on_the_full_path(
    sqlite_kernel: Kernel,
) -> None:
    from contactless.app import create_app

    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh, bind_on_first_scan=True)
    with TestClient(create_app(kernel=sqlite_kernel), follow_redirects=False) as client:
        response = client.get(code.path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/m/q/{token_of(code)}"
        assert client.app.state.scan_buffer.pending() == 0  # type: ignore[attr-defined]
    assert [(r.result, r.reason) for r in scans_of(sqlite_kernel, code.id)] == [
        ("pending", "sign_in_required")]


def test_pausing_or_revoking_a_code_takes_effect_on_the_next_scan(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    assert client.get(code.path).status_code == 303  # cached as open now
    with kernel.db.session() as session:
        outreach.pause_code(session, bank.rm_xh, code_id=code.id)
    paused = client.get(code.path)
    assert paused.status_code >= 400
    assert "paused" in paused.text
    with kernel.db.session() as session:
        outreach.resume_code(session, bank.rm_xh, code_id=code.id)
    assert client.get(code.path).status_code == 303
    with kernel.db.session() as session:
        outreach.revoke_code(session, bank.rm_xh, code_id=code.id)
    revoked = client.get(code.path)
    assert revoked.status_code >= 400
    assert "revoked" in revoked.text
    flush(client)
    assert [r.reason for r in scans_of(kernel, code.id)
            if r.result == "rejected"] == ["qr_code_paused", "qr_code_revoked"]
    assert sum(r.result == "accepted" for r in scans_of(kernel, code.id)) == 2


def test_a_forged_signature_gets_the_rejection_page_and_its_reason(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    token = token_of(code)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(f"/q/{forged}")
    assert response.status_code >= 400
    assert client.app.state.scan_buffer.pending() == 0  # type: ignore[attr-defined]
    [row] = scans_of(kernel, code.id)
    assert (row.result, row.reason) == ("rejected", "qr_signature_invalid")


def test_the_funnel_counts_fast_scans_once_they_are_written(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    for _ in range(3):
        assert client.get(code.path).status_code == 303
    flush(client)
    with kernel.db.session() as session:
        funnel = outreach.funnel(session, bank.rm_xh, code_id=code.id)
    assert funnel.steps[0].count == 3


@pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)
def test_when_the_buffer_is_full_scans_take_the_full_route_and_are_still_recorded(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    buffer = client.app.state.scan_buffer  # type: ignore[attr-defined]
    buffer.limit = 1
    buffer.interval = 3600  # no background flush during the test: the writes are "failing"
    assert client.get(code.path).status_code == 303
    assert buffer.pending() == 1  # the lean path took the first one
    second = client.get(code.path)
    assert second.status_code == 303
    assert buffer.pending() == 1  # the second went the full route, written at once
    assert len(scans_of(kernel, code.id)) == 1
    flush(client)
    assert len(scans_of(kernel, code.id)) == 2


@pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)
def test_a_slot_taken_for_a_scan_the_buffer_cannot_hold_is_given_back(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh, max_scans=1)
    client.app.state.scan_buffer.limit = 0  # type: ignore[attr-defined]
    assert client.get(code.path).status_code == 303  # answered by the full route
    assert [r.result for r in scans_of(kernel, code.id)] == ["accepted"]
    with kernel.db.session() as session:
        stored = session.get(QrCode, code.id)
        assert stored is not None
        assert stored.limited_scan_count == 1  # one scan, one slot
