import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr

from contactless.app import PUBLIC_ROUTES, create_app
from contactless.platform.channels import list_messages
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, make_customer, make_small_bank

PROBLEM = "application/problem+json"


def token(client: TestClient, username: str = "admin", password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token",
                           data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def auth(client: TestClient, username: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}"}


def test_staff_get_a_bearer_token_and_see_who_they_are(kernel: Kernel,
                                                       client: TestClient) -> None:
    make_small_bank(kernel)
    me = client.get("/api/v1/me", headers=auth(client, "rm.xh")).json()
    assert me["role"] == "rm"
    assert me["branch_path"] == "/HQ/HZ/HZ-XH/"


def test_failed_api_sign_ins_are_counted_and_lock_the_account(kernel: Kernel,
                                                              client: TestClient) -> None:
    make_small_bank(kernel)
    for _ in range(5):
        response = client.post("/api/v1/auth/token", data={"username": "rm.xh", "password": "x"})
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "invalid_credentials"
    locked = client.post("/api/v1/auth/token", data={"username": "rm.xh", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "account_locked"


def test_bad_input_is_problem_json_with_a_stable_code(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    headers = auth(client) | {"Accept-Language": "en"}
    weak = client.post("/api/v1/staff", headers=headers, json={
        "username": "new.rm", "role": "rm", "branch_code": "HZ-XH", "password": "short"})
    assert weak.status_code == 422
    assert weak.json()["code"] == "weak_password"
    assert "10 characters" in weak.json()["detail"]
    malformed = client.post("/api/v1/staff", headers=headers, json={"username": 1})
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "request_invalid"
    assert client.get("/api/v1/staff", headers=headers).status_code == 200


def test_errors_speak_the_callers_language(kernel: Kernel, client: TestClient) -> None:
    body = {"username": "ghost", "password": "x"}
    zh = client.post("/api/v1/auth/token", data=body, headers={"Accept-Language": "zh-CN"})
    en = client.post("/api/v1/auth/token", data=body, headers={"Accept-Language": "en-US"})
    assert zh.json()["detail"] == "用户名或密码错误"
    assert en.json()["detail"] == "wrong username or password"


def test_every_response_carries_a_request_id(kernel: Kernel, client: TestClient) -> None:
    generated = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc12345def"})
    assert echoed.headers["x-request-id"] == "abc12345def"
    failed = client.get("/api/v1/me")
    assert failed.json()["request_id"] == failed.headers["x-request-id"]


def test_health_and_metrics(kernel: Kernel, client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["database"] in ("sqlite", "postgresql")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 403
    kernel.settings.metrics_token = SecretStr("m" * 40)
    metrics = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40}).text
    assert 'contactless_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
    assert "contactless_http_request_seconds_bucket" in metrics


def test_customers_sign_in_through_the_api(kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, mobile="13612345678")
    sent = client.post("/api/v1/customer-auth/otp", json={"mobile": "13612345678"})
    assert sent.status_code == 202
    assert sent.json()["resend_after"] == 60
    again = client.post("/api/v1/customer-auth/otp", json={"mobile": "13612345678"})
    assert again.status_code == 429
    assert again.json()["code"] == "otp_resend_cooldown"
    messages = client.get("/api/v1/messages", params={"to": "13612345678"}, headers=auth(client))
    # staff never read a live code: it is masked for them, the server's CLI shows it
    assert "******" in messages.json()[0]["body"]
    assert not re.search(r"\d{6}", messages.json()[0]["body"])
    with kernel.db.session() as session:
        code = re.search(r"\d{6}", list_messages(session, kernel.cipher,
                                                  to_mobile="13612345678")[0].body)
    assert code
    wrong = client.post("/api/v1/customer-auth/verify",
                        json={"mobile": "13612345678", "code": "12345x"})
    assert wrong.status_code == 422
    verified = client.post("/api/v1/customer-auth/verify",
                           json={"mobile": "13612345678", "code": code.group(0)})
    assert verified.status_code == 200
    bearer = {"Authorization": f"Bearer {verified.json()['access_token']}"}
    me = client.get("/api/v1/customers/me", headers=bearer).json()
    assert me["id"] == str(customer.id)
    assert me["mobile"] == "13612345678"
    # a customer token is not a staff token
    assert client.get("/api/v1/customers", headers=bearer).status_code == 401


def test_staff_see_customers_in_their_scope_masked(kernel: Kernel, client: TestClient) -> None:
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, serial=1, mobile="13600000001")
    make_customer(kernel, bank.rm_nb, serial=2, mobile="13600000002")
    page = client.get("/api/v1/customers", headers=auth(client, "rm.xh")).json()
    assert page["total"] == 1
    assert page["items"][0]["mobile"] == "136****0001"
    assert client.get("/api/v1/customers", headers=auth(client, "admin")).json()["total"] == 2


def _flatten(routes: list[object], prefix: str = "") -> list[tuple[str, set[str]]]:
    found: list[tuple[str, set[str]]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = route.include_context  # type: ignore[attr-defined]
            found += _flatten(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            found.append((prefix + route.path, set(route.methods)))
    return found


def test_every_route_but_the_public_list_requires_sign_in(kernel: Kernel) -> None:
    app = create_app(kernel=kernel)
    routes = _flatten(list(app.routes))
    assert len(routes) > 20
    client = TestClient(app, follow_redirects=False)
    for path, methods in routes:
        if path in PUBLIC_ROUTES:
            continue
        url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        for method in methods - {"HEAD"}:
            response = client.request(method, url)
            allowed = {401, 403} if not path.startswith(("/console", "/m")) else {303, 401, 403}
            assert response.status_code in allowed, (method, path, response.status_code)


def test_an_unexpected_failure_is_a_500_problem_or_page(kernel: Kernel) -> None:
    app = create_app(kernel=kernel)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("database on fire")

    @app.get("/console/boom")
    def console_boom() -> None:
        raise RuntimeError("template on fire")

    client = TestClient(app, raise_server_exceptions=False)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json()["code"] == "internal_error"
    assert "fire" not in api.text
    page = client.get("/console/boom")
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    assert page.headers["x-request-id"] in page.text
