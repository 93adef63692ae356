"""Partners in the console and the staff API: an admin registers a partner, a second admin
approves it, a client's secret appears once; auditors read and change nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from contactless.platform.kernel import Kernel
from tests.corebank.test_api import staff_headers
from tests.factories.identity import make_small_bank
from tests.factories.partners import CALLBACK, second_admin
from tests.identity.test_sessions import console_sign_in, csrf_of


def test_two_admins_bring_a_partner_live_in_the_console(kernel: Kernel,
                                                        client: TestClient) -> None:
    make_small_bank(kernel)
    second_admin(kernel)
    console_sign_in(client, "admin")
    csrf = csrf_of(client)
    made = client.post("/console/partners", data={
        "name": "仁心医院平台", "scenario": "healthcare", "callbacks": CALLBACK,
        "csrf_token": csrf})
    assert made.status_code == 303
    page = client.get("/console/partners")
    assert "仁心医院平台" in page.text
    assert "待审批" in page.text
    assert 'data-testid="approve"' not in page.text  # the maker is offered no decision
    partner_id = re.search(r'data-testid="partner" data-id="([^"]+)"', page.text)
    assert partner_id
    refused = client.post(f"/console/partners/{partner_id.group(1)}/decision",
                          data={"decision": "approve", "csrf_token": csrf})
    assert refused.status_code == 403

    client.cookies.clear()
    console_sign_in(client, "admin2")
    csrf = csrf_of(client)
    assert 'data-testid="approve"' in client.get("/console/partners").text
    approved = client.post(f"/console/partners/{partner_id.group(1)}/decision",
                           data={"decision": "approve", "csrf_token": csrf})
    assert approved.status_code == 303
    issued = client.post(f"/console/partners/{partner_id.group(1)}/clients",
                         data={"scopes": ["consents:write", "balances:read"], "ips": "",
                               "csrf_token": csrf})
    assert issued.status_code == 200
    secret = re.search(r'data-testid="client-secret"><code>([^<]+)<', issued.text)
    assert secret
    again = client.get("/console/partners").text
    assert "正常" in again
    assert secret.group(1) not in again


def test_the_staff_api_registers_approves_and_lists_partners(kernel: Kernel,
                                                             client: TestClient) -> None:
    make_small_bank(kernel)
    second_admin(kernel)
    admin, checker = staff_headers(client, "admin"), staff_headers(client, "admin2")
    made = client.post("/api/v1/partners", headers=admin, json={
        "name": "学而教育", "scenario": "education", "callback_urls": [CALLBACK]})
    assert made.status_code == 201, made.text
    partner_id = made.json()["id"]
    own = client.post(f"/api/v1/partners/{partner_id}/approve", headers=admin, json={})
    assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
    approved = client.post(f"/api/v1/partners/{partner_id}/approve", headers=checker,
                           json={"note": "ok"})
    assert approved.json()["status"] == "active"
    issued = client.post(f"/api/v1/partners/{partner_id}/clients", headers=admin,
                         json={"allowed_scopes": ["consents:write"]})
    assert issued.status_code == 201
    assert issued.json()["client_secret"]
    auditor = staff_headers(client, "auditor")
    listed = client.get("/api/v1/partners", headers=auditor).json()
    assert [p["name"] for p in listed] == ["学而教育"]
    assert "client_secret" not in str(listed)
    suspend = client.post(f"/api/v1/partners/{partner_id}/suspend", headers=auditor)
    assert (suspend.status_code, suspend.json()["code"]) == (403, "role_not_allowed")
