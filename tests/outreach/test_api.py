"""The outreach API and the scan route over HTTP."""

import io
import re
import uuid

import cairosvg
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.journeys import last_code
from tests.factories.outreach import make_enterprise
from tests.web.test_api import PROBLEM, auth

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)

MOBILE = "13612345678"


def decode_png(data: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def create(client: TestClient, username: str = "rm.xh", **body: object) -> dict[str, object]:
    body = {"purpose": "info", "channel": "chat", **body}
    response = client.post("/api/v1/outreach/codes", json=body, headers=auth(client, username))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_smallest_create_answers_with_an_id_and_a_url_whose_images_decode_to_it(
    kernel: Kernel, client: TestClient,
) -> None:
    make_small_bank(kernel)
    code = create(client)
    assert uuid.UUID(str(code["id"]))
    url = str(code["url"])
    assert re.fullmatch(r"http://testserver/q/[A-Za-z0-9_-]{12}\.[a-z0-9]{2}[A-Za-z0-9_-]{11}",
                        url)
    assert code["owners"] == [{"staff_id": code["created_by"], "name": "RM.XH", "share": "100.00",
                               "status": "accepted", "is_creator": True}]
    headers = auth(client, "rm.xh")
    png = client.get(f"/api/v1/outreach/codes/{code['id']}/image.png", headers=headers)
    assert png.headers["content-type"] == "image/png"
    assert decode_png(png.content) == [url]
    svg = client.get(f"/api/v1/outreach/codes/{code['id']}/image.svg", headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "RM.XH" in svg.text
    assert decode_png(cairosvg.svg2png(bytestring=svg.content, output_width=600)) == [url]
    poster = client.get(f"/api/v1/outreach/codes/{code['id']}/poster.pdf?download=1",
                        headers=headers)
    assert poster.content.startswith(b"%PDF")
    assert poster.headers["content-disposition"].startswith("attachment")


@SQLITE_ONLY
def test_the_outreach_api_is_in_the_openapi_document(kernel: Kernel, client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/outreach/codes", "/api/v1/outreach/codes/{code_id}/image.png",
                 "/api/v1/outreach/codes/{code_id}/image.svg",
                 "/api/v1/outreach/codes/{code_id}/shares",
                 "/api/v1/outreach/codes/{code_id}/funnel",
                 "/api/v1/outreach/codes/{code_id}/roster", "/api/v1/outreach/conversions",
                 "/api/v1/outreach/leaderboards/rms", "/api/v1/outreach/policy"):
        assert path in paths, path
    assert not any(p.startswith("/q/") for p in paths)


@SQLITE_ONLY
def test_bad_changes_are_problem_json_with_stable_codes(kernel: Kernel,
                                                        client: TestClient) -> None:
    make_small_bank(kernel)
    code = create(client)
    xh, bj = auth(client, "rm.xh"), auth(client, "rm.bj")
    base = f"/api/v1/outreach/codes/{code['id']}"
    other = client.post(f"{base}/pause", headers=bj)
    assert other.status_code == 404
    assert other.headers["content-type"] == PROBLEM
    me = client.get("/api/v1/me", headers=bj).json()
    assert client.post(f"{base}/owners", json={"username": "rm.bj"}, headers=xh).status_code \
        == 201
    assert client.post(f"{base}/invitation", json={"accept": True}, headers=bj).status_code == 200
    not_mine = client.post(f"{base}/revoke", headers=bj | {"Accept-Language": "en"})
    assert not_mine.status_code == 403
    assert not_mine.json()["code"] == "not_code_owner"
    assert not_mine.json()["detail"] == "only the RM who created this QR code can change it"
    shares = client.put(f"{base}/shares", headers=xh | {"Accept-Language": "zh-CN"}, json={
        "shares": [{"staff_id": code["created_by"], "share": "70"},
                   {"staff_id": me["id"], "share": "20"}]})
    assert shares.status_code == 422
    assert shares.json()["code"] == "shares_invalid"
    assert shares.json()["total"] == "90.00"
    assert "100%" in shares.json()["detail"]
    floats = client.put(f"{base}/shares", headers=xh, json={
        "shares": [{"staff_id": code["created_by"], "share": 70.5},
                   {"staff_id": me["id"], "share": "29.5"}]})
    assert floats.json()["code"] == "request_invalid"
    fine = client.put(f"{base}/shares", headers=xh, json={
        "shares": [{"staff_id": code["created_by"], "share": "70.5"},
                   {"staff_id": me["id"], "share": "29.5"}]})
    assert fine.status_code == 200
    assert sorted(o["share"] for o in fine.json()["owners"]) == ["29.50", "70.50"]
    channel = client.post("/api/v1/outreach/codes", json={"purpose": "info", "channel": "fax"},
                          headers=xh)
    assert (channel.status_code, channel.json()["code"]) == (422, "qr_code_invalid")
    extended = client.post(f"{base}/extend", json={"days": 10}, headers=xh)
    assert extended.status_code == 200
    assert extended.json()["expires_at"] > str(code["expires_at"])


@SQLITE_ONLY
def test_a_roster_upload_reports_bad_rows_in_the_callers_language(kernel: Kernel,
                                                                  client: TestClient) -> None:
    bank = make_small_bank(kernel)
    enterprise = make_enterprise(kernel, bank.rm_xh)
    code = create(client, purpose="payroll_card_group", enterprise_id=str(enterprise),
                  roster_restricted=True)
    csv = "姓名,手机\n张伟,13900000001\n李娜,1390000\n".encode()
    response = client.post(f"/api/v1/outreach/codes/{code['id']}/roster",
                           files={"file": ("roster.csv", csv, "text/csv")},
                           headers=auth(client, "rm.xh") | {"Accept-Language": "zh-CN"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["added"], body["total"]) == (1, 2)
    assert body["errors"] == [{"row": 3, "message": "请输入 11 位中国大陆手机号码"}]
    link = client.post(f"/api/v1/outreach/codes/{code['id']}/progress-link",
                       headers=auth(client, "rm.xh")).json()["url"]
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "1 人中已办理 0 人" in page.text
    assert "张*" in page.text
    assert "139****0001" in page.text
    assert "13900000001" not in page.text


@SQLITE_ONLY
def test_a_scan_sets_an_anonymous_device_cookie_and_redirects_to_the_landing_page(
    kernel: Kernel, client: TestClient,
) -> None:
    make_small_bank(kernel)
    code = create(client, purpose="deposit_renewal", params={"product": "CD-1Y"})
    path = str(code["url"]).removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == (f"/m/journeys/deposit_renewal/start?qr={code['id']}"
                                            "&product=CD-1Y")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", client.cookies["cl_dev"])
    assert response.headers["cache-control"] == "no-store"
    client.app.state.scan_buffer.flush()  # type: ignore[attr-defined]  # the lean path's batch
    funnel = client.get(f"/api/v1/outreach/codes/{code['id']}/funnel",
                        headers=auth(client, "rm.xh")).json()
    assert funnel["steps"][0] == {"key": "scans", "label": "Scans", "count": 1, "drop_off": None}


@SQLITE_ONLY
def test_customers_read_a_codes_headline_never_its_internal_label(
    kernel: Kernel, client: TestClient,
) -> None:
    make_small_bank(kernel)
    plain_code = create(client)
    landing = client.get(str(plain_code["url"]).removeprefix("http://testserver"))
    page = client.get(landing.headers["location"])
    assert "<h1>您的专属客户经理</h1>" in page.text
    assert "info · chat" not in page.text
    named = create(client, title="王总客户群（内部）", headline="春节问候")
    assert named["title"] == "王总客户群（内部）"
    assert named["headline"] == "春节问候"
    landing = client.get(str(named["url"]).removeprefix("http://testserver"))
    text = client.get(landing.headers["location"]).text
    assert "<h1>春节问候</h1>" in text
    assert "王总客户群" not in text
    labelled_only = create(client, title="王总客户群（内部）")
    landing = client.get(str(labelled_only["url"]).removeprefix("http://testserver"))
    assert "王总客户群" not in client.get(landing.headers["location"]).text


@SQLITE_ONLY
def test_a_rejected_scan_shows_why_in_the_customers_language_and_is_recorded(
    kernel: Kernel, client: TestClient,
) -> None:
    make_small_bank(kernel)
    code = create(client)
    headers = auth(client, "rm.xh")
    client.post(f"/api/v1/outreach/codes/{code['id']}/revoke", headers=headers)
    path = str(code["url"]).removeprefix("http://testserver")
    chinese = client.get(path)
    assert chinese.status_code == 410
    assert "已被银行收回" in chinese.text
    english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "this QR code has been withdrawn by the bank" in english.text
    forged = client.get(path[:-2] + "zz", headers={"Accept-Language": "en"})
    assert forged.status_code == 400
    assert "not genuine" in forged.text
    scans = client.get(f"/api/v1/outreach/codes/{code['id']}/scans", headers=headers).json()
    assert [s["reason"] for s in scans] == ["qr_signature_invalid", "qr_code_revoked",
                                            "qr_code_revoked"]


@SQLITE_ONLY
def test_a_flood_of_forged_links_gets_a_429_page_saying_to_wait(
    kernel: Kernel, client: TestClient,
) -> None:
    kernel.settings.qr_bad_links_per_minute = 2
    make_small_bank(kernel)
    code = create(client)
    path = str(code["url"]).removeprefix("http://testserver")
    forged = path[:-2] + "zz"
    assert [client.get(forged).status_code for _ in range(2)] == [400, 400]
    flood = client.get(forged)
    assert flood.status_code == 429
    assert flood.headers["Retry-After"] == "60"
    assert "请一分钟后再扫码" in flood.text
    english = client.get(forged, headers={"Accept-Language": "en"})
    assert "please wait a minute and scan again" in english.text
    assert client.get(path).status_code == 303
    client.app.state.scan_buffer.flush()  # type: ignore[attr-defined]  # the lean path's batch
    scans = client.get(f"/api/v1/outreach/codes/{code['id']}/scans",
                       headers=auth(client, "rm.xh")).json()
    assert [s["reason"] for s in scans] == [None, "qr_signature_invalid",
                                            "qr_signature_invalid"]


def _sign_in(kernel: Kernel, client: TestClient, next_path: str) -> None:
    page = client.get(f"/m/login?next={next_path}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    client.post("/m/login", data={"csrf_token": csrf.group(1), "mobile": MOBILE,
                                  "next": next_path})
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=MOBILE)[0].body
    otp = re.search(r"\d{6}", body)
    assert otp
    done = client.post("/m/verify", data={"csrf_token": csrf.group(1), "mobile": MOBILE,
                                          "code": otp.group(0), "next": next_path})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == next_path


def test_signing_in_after_a_scan_counts_in_the_funnel(kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile=MOBILE)
    code = create(client)
    path = str(code["url"]).removeprefix("http://testserver")
    landing = client.get(path).headers["location"]
    info = client.get(landing)
    assert info.status_code == 200
    assert "RM.XH" in info.text
    _sign_in(kernel, client, "/m/products")
    headers = auth(client, "rm.xh")
    steps = client.get(f"/api/v1/outreach/codes/{code['id']}/funnel", headers=headers).json()
    assert [s["count"] for s in steps["steps"]] == [1, 1, 0, 0]
    scans = client.get(f"/api/v1/outreach/codes/{code['id']}/scans", headers=headers).json()
    assert scans[0]["customer"] == "张* 136****5678"
    assert customer.id


def test_a_roster_code_asks_for_sign_in_and_then_finishes_the_scan(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, mobile=MOBILE)
    enterprise = make_enterprise(kernel, bank.rm_xh)
    code = create(client, enterprise_id=str(enterprise), roster_restricted=True)
    client.post(f"/api/v1/outreach/codes/{code['id']}/roster",
                files={"file": ("r.csv", f"张三,{MOBILE}\n".encode(), "text/csv")},
                headers=auth(client, "rm.xh"))
    token = str(code["url"]).rsplit("/", 1)[1]
    first = client.get(f"/q/{token}")
    assert first.headers["location"] == f"/m/q/{token}"
    ask = client.get(first.headers["location"])
    # an information page opens no account: only customers get through, after signing in
    assert ask.headers["location"] == f"/m/login?next=/m/q/{token}"
    _sign_in(kernel, client, f"/m/q/{token}")
    finish = client.get(f"/m/q/{token}")
    assert finish.headers["location"] == f"/m/outreach/info/{token}"
    scans = client.get(f"/api/v1/outreach/codes/{code['id']}/scans",
                       headers=auth(client, "rm.xh")).json()
    assert [(s["result"], s["customer"]) for s in scans] == [("accepted", "张* 136****5678")]


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found
    return found.group(1)


def test_an_employee_new_to_the_bank_proves_their_mobile_and_the_group_code_opens(
    kernel: Kernel, client: TestClient,
) -> None:
    bank = make_small_bank(kernel)
    enterprise = make_enterprise(kernel, bank.rm_xh, employees=2)
    code = create(client, purpose="payroll_card_group", channel="poster",
                  enterprise_id=str(enterprise), roster_restricted=True)
    client.post(f"/api/v1/outreach/codes/{code['id']}/roster/import-enterprise",
                headers=auth(client, "rm.xh"))
    token = str(code["url"]).rsplit("/", 1)[1]
    here = f"/m/q/{token}"
    ask = client.get(client.get(f"/q/{token}").headers["location"])
    # the journey takes newcomers: prove a mobile (the page also offers customers sign-in)
    assert ask.headers["location"] == f"/m/journeys/payroll_card_group/prospect?next={here}"
    form = client.get(ask.headers["location"])
    assert f'href="/m/login?next={here}"' in form.text
    employee = "13700000002"  # on the roster, not a customer
    client.post("/m/journeys/payroll_card_group/prospect",
                data={"csrf_token": _csrf(form.text), "mobile": employee, "next": here})
    proved = client.post("/m/journeys/payroll_card_group/prospect/verify", data={
        "csrf_token": _csrf(form.text), "mobile": employee, "next": here,
        "code": last_code(kernel, employee)})
    assert proved.headers["location"] == here
    landing = client.get(here)
    assert landing.status_code == 303
    assert landing.headers["location"].startswith(
        f"/m/journeys/payroll_card_group/start?qr={code['id']}")
    scans = client.get(f"/api/v1/outreach/codes/{code['id']}/scans",
                       headers=auth(client, "rm.xh")).json()
    assert [s["result"] for s in scans] == ["accepted"]  # the pending scan, completed


@SQLITE_ONLY
def test_console_pages_render_for_rms_and_managers(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    code = create(client, title="春季存款")
    rm = auth(client, "rm.xh")
    assert "春季存款" in client.get("/console/outreach", headers=rm).text
    detail = client.get(f"/console/outreach/codes/{code['id']}", headers=rm)
    assert detail.status_code == 200
    assert "/static/vendor/echarts.min." in detail.text
    assert str(code["url"]) in detail.text
    assert client.get("/console/outreach/conversions", headers=rm).status_code == 200
    board = client.get("/console/outreach/leaderboard", headers=auth(client, "bm.hz"))
    assert board.status_code == 200
    assert "RM.XH" in board.text
    mine = client.get("/console/outreach/leaderboard", headers=rm)
    assert mine.status_code == 200
    assert 'data-testid="my-row"' in mine.text
    assert 'data-testid="branch-leaderboard"' not in mine.text
