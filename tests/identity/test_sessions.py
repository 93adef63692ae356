"""Sessions end on the server: signing out, a new password, 30 idle minutes in the console,
and for customers signing out or changing the mobile. A lock never tells a name exists."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.customers import service as customers
from contactless.platform.audit import AuditEntry
from contactless.platform.channels import list_messages
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.conftest import let_seconds_pass
from tests.factories.identity import PASSWORD, make_customer, make_small_bank

PROBLEM = "application/problem+json"


def bearer(client: TestClient, username: str = "rm.xh", password: str = PASSWORD,
           ) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username,
                                                        "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def console_sign_in(client: TestClient, username: str = "rm.xh") -> None:
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    done = client.post("/console/login", data={"username": username, "password": PASSWORD,
                                                "csrf_token": csrf.group(1)})
    assert done.status_code == 303, done.text


def csrf_of(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console").text)
    assert found
    return found.group(1)


def actions(kernel: Kernel, action: str) -> int:
    with kernel.db.session() as session:
        return len(session.scalars(select(AuditEntry.seq).where(
            AuditEntry.action == action)).all())


def test_signing_out_of_the_console_ends_the_cookie_and_every_token(kernel: Kernel,
                                                                     client: TestClient) -> None:
    make_small_bank(kernel)
    token = bearer(client)
    console_sign_in(client)
    cookie = client.cookies.get("cl_staff")
    assert client.get("/console").status_code == 200
    out = client.post("/console/logout", data={"csrf_token": csrf_of(client)})
    assert out.status_code == 303
    # the old cookie, replayed, is worth nothing on the server
    client.cookies.set("cl_staff", str(cookie))
    assert client.get("/console").headers["location"].startswith("/console/login")
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert actions(kernel, "staff.signed_out") == 1


def test_signing_out_through_the_api_ends_the_token(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    token = bearer(client)
    assert client.post("/api/v1/auth/logout", headers=token).status_code == 204
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_a_new_password_ends_every_older_token(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    old = bearer(client)
    wrong = client.post("/api/v1/me/password", headers=old,
                        json={"current_password": "not-it-123", "new_password": "Brand-new-77"})
    assert wrong.status_code == 401
    assert client.get("/api/v1/me", headers=old).status_code == 200  # nothing changed
    changed = client.post("/api/v1/me/password", headers=old,
                          json={"current_password": PASSWORD, "new_password": "Brand-new-77"})
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=old).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(client, password="Brand-new-77")
                      ).status_code == 200
    assert actions(kernel, "staff.password_changed") == 1


def test_a_console_session_ends_after_its_idle_time(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    kernel.settings.staff_idle_seconds = 2
    console_sign_in(client)
    for _ in range(3):  # each request restarts the idle clock
        let_seconds_pass(kernel, 0.8)
        assert client.get("/console").status_code == 200
    let_seconds_pass(kernel, 2.2)
    assert client.get("/console").headers["location"].startswith("/console/login")


def test_a_lock_looks_the_same_for_a_name_that_does_not_exist(kernel: Kernel,
                                                              client: TestClient) -> None:
    make_small_bank(kernel)
    answers = {}
    for username in ("rm.xh", "no.such.person"):
        statuses = [client.post("/api/v1/auth/token", data={"username": username,
                                                             "password": "wrong-1234"},
                                headers={"Accept-Language": "en"}) for _ in range(6)]
        answers[username] = [(r.status_code, r.json()["code"], r.json()["detail"],
                              sorted(set(r.json()) - {"request_id", "retry_after"}),
                              "retry-after" in r.headers) for r in statuses]
    assert answers["rm.xh"] == answers["no.such.person"]
    assert answers["rm.xh"][-1][:2] == (429, "account_locked")


def _customer_token(kernel: Kernel, client: TestClient, mobile: str) -> dict[str, str]:
    assert client.post("/api/v1/customer-auth/otp", json={"mobile": mobile}).status_code == 202
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=mobile)[0].body
    code = re.search(r"\d{6}", body)
    assert code
    verified = client.post("/api/v1/customer-auth/verify",
                           json={"mobile": mobile, "code": code.group(0)})
    return {"Authorization": f"Bearer {verified.json()['access_token']}"}


def test_a_customer_who_signs_out_ends_their_tokens(kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, mobile="13612345678")
    token = _customer_token(kernel, client, "13612345678")
    assert client.get("/api/v1/customers/me", headers=token).status_code == 200
    assert client.post("/api/v1/customer-auth/logout", headers=token).status_code == 204
    assert client.get("/api/v1/customers/me", headers=token).status_code == 401
    assert actions(kernel, "customer.signed_out") == 1


def test_changing_the_mobile_ends_the_customers_tokens(kernel: Kernel,
                                                       client: TestClient) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile="13612345678")
    token = _customer_token(kernel, client, "13612345678")
    with kernel.db.session() as session:
        customers.change_mobile(session, SYSTEM, customer_id=uuid.UUID(str(customer.id)),
                                mobile="13612340000")
    assert client.get("/api/v1/customers/me", headers=token).status_code == 401
    fresh = _customer_token(kernel, client, "13612340000")
    assert client.get("/api/v1/customers/me", headers=fresh).json()["mobile"] == "13612340000"
