"""The /m pages without a browser: where a QR scan lands, steps that cannot be reached by URL,
a form posted twice, and a form without its CSRF token."""

from __future__ import annotations

import re
import uuid
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.corebank.models import JournalEntry
from contactless.identity.errors import InvalidContactCard, NotAllowed
from contactless.platform.kernel import Kernel
from tests.factories.journeys import (
    deposit_maturing_in,
    last_code,
    make_banked_customer,
)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _sign_in(api: TestClient, kernel: Kernel, mobile: str, target: str) -> str:
    page = api.get(f"/m/login?next={target}")
    csrf = _csrf(page.text)
    api.post("/m/login", data={"csrf_token": csrf, "mobile": mobile, "next": target})
    signed = api.post("/m/verify", data={"csrf_token": csrf, "mobile": mobile,
                                         "code": last_code(kernel, mobile), "next": target})
    assert signed.status_code == 303
    return str(signed.headers["location"])


def test_a_scan_lands_on_sign_in_or_on_proving_a_mobile_and_keeps_its_parameters(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    deposit = deposit_maturing_in(sqlite_kernel, banked, days=15)
    landing = f"/m/journeys/deposit_renewal/start?qr=not-a-uuid&deposit_id={deposit.id}"
    to_login = api.get(landing)
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith("/m/login?next=")
    target = unquote(to_login.headers["location"].split("next=", 1)[1])
    assert target == landing
    opening = api.get("/m/journeys/open_account_class2/start?qr=" + "0" * 8)
    assert opening.headers["location"].startswith("/m/journeys/open_account_class2/prospect")
    back = _sign_in(api, sqlite_kernel, banked.mobile, target)
    assert back == landing
    started = api.get(back)
    assert started.status_code == 303
    page = api.get(started.headers["location"])
    assert page.status_code == 200
    assert f'value="{deposit.id}" checked' in page.text


def test_a_step_cannot_be_reached_by_url_and_a_double_post_runs_once(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="40000.00")
    matured = deposit_maturing_in(kernel, banked, days=-3, amount="20000.00")
    _sign_in(api, kernel, banked.mobile, "/m/journeys")
    journey_url = api.get("/m/journeys/deposit_renewal/start").headers["location"]
    page = api.get(journey_url)
    csrf = _csrf(page.text)
    assert api.get(f"{journey_url}/steps/confirm").headers["location"] == journey_url
    ahead = api.post(f"{journey_url}/steps/confirm",
                     data={"csrf_token": csrf, "idempotency_key": "f-0"})
    assert ahead.status_code == 409
    assert "请先完成当前步骤" in ahead.text
    no_csrf = api.post(f"{journey_url}/steps/deposit", data={"deposit_id": str(matured.id)})
    assert no_csrf.status_code == 403
    api.post(f"{journey_url}/steps/deposit", data={
        "csrf_token": csrf, "idempotency_key": "f-1", "deposit_id": str(matured.id)})
    api.post(f"{journey_url}/steps/plan", data={
        "csrf_token": csrf, "idempotency_key": "f-2", "option": "renew_all", "term": "1y"})
    with kernel.db.session() as session:
        before = session.scalar(select(func.count()).select_from(JournalEntry))
    form = {"csrf_token": csrf, "idempotency_key": "f-3"}
    first = api.post(f"{journey_url}/steps/confirm", data=form)
    second = api.post(f"{journey_url}/steps/confirm", data=form)
    assert first.status_code == second.status_code == 303
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == before + 1
    done = api.get(journey_url)
    assert 'data-status="completed"' in done.text


def test_a_customer_with_nothing_to_renew_is_offered_a_new_deposit_from_the_same_code(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    _sign_in(api, sqlite_kernel, banked.mobile, "/m/journeys")
    qr = "5f0c2a52-6a43-4d0c-9a57-2f1e6f0c0b11"
    page = api.get(f"/m/journeys/deposit_renewal/start?qr={qr}&campaign=spring")
    assert page.status_code == 409
    assert 'data-testid="instead"' in page.text
    assert "None" not in page.text
    assert "请求编号" not in page.text
    assert "存入定期 / 购买大额存单" in page.text
    assert (f'href="/m/journeys/time_deposit_open/start?qr={qr}&amp;campaign=spring"'
            in page.text)


def test_asking_for_a_new_sign_in_code_too_soon_counts_down_instead_of_failing(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    csrf = _csrf(api.get("/m/login").text)
    first = api.post("/m/login", data={"csrf_token": csrf, "mobile": banked.mobile})
    assert first.status_code == 200
    assert re.search(r'data-countdown="(59|60)"', first.text)
    again = api.post("/m/login", data={"csrf_token": csrf, "mobile": banked.mobile})
    assert again.status_code == 429
    assert 'role="alert"' not in again.text
    wait = re.search(r'data-countdown="(\d+)"', again.text)
    assert wait
    assert 1 <= int(wait.group(1)) <= 60
    assert "disabled" in again.text


def test_a_visitor_scanning_a_journey_code_sees_the_rms_card_before_signing_in(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    from contactless.identity import service as identity
    from tests.factories.outreach import make_code

    banked = make_banked_customer(sqlite_kernel)
    deposit_maturing_in(sqlite_kernel, banked, days=10)
    rm = banked.bank.rm_xh
    with sqlite_kernel.db.session() as session:
        identity.set_contact_card(session, rm, staff_id=uuid.UUID(rm.id),
                                  work_phone="0571-8870 1001",
                                  wecom_url="https://work.weixin.qq.com/ca/rmxh")
    code = make_code(sqlite_kernel, rm, purpose="deposit_renewal", channel="sms")
    scanned = api.get(code.path)
    assert scanned.status_code == 303
    landing = api.get(scanned.headers["location"])
    assert landing.status_code == 200
    assert 'data-testid="journey-landing"' in landing.text
    assert "定期存款到期转存" in landing.text
    assert "RM.XH" in landing.text
    assert "西湖支行" in landing.text
    assert 'href="tel:057188701001"' in landing.text
    assert 'href="https://work.weixin.qq.com/ca/rmxh"' in landing.text
    assert "<svg" in landing.text
    onward = re.search(r'href="([^"]+)" data-testid="sign-in"', landing.text)
    assert onward
    to_login = api.get(onward.group(1).replace("&amp;", "&"))
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith("/m/login?next=")
    target = unquote(to_login.headers["location"].split("next=", 1)[1])
    assert _sign_in(api, sqlite_kernel, banked.mobile, target) == target
    started = api.get(target)
    assert started.headers["location"].startswith("/m/journeys/")
    # another RM may not change this RM's card; a bad number is refused
    with sqlite_kernel.db.session() as session, pytest.raises(NotAllowed):
        identity.set_contact_card(session, banked.bank.rm_bj, staff_id=uuid.UUID(rm.id),
                                  work_phone="0571-1234 5678", wecom_url=None)
    with sqlite_kernel.db.session() as session, pytest.raises(InvalidContactCard):
        identity.set_contact_card(session, rm, staff_id=uuid.UUID(rm.id), work_phone="12",
                                  wecom_url="javascript:alert(1)")
