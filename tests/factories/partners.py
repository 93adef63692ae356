"""Typed factories for partners, their API clients and signed open-API calls."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.partners import service as partners
from contactless.partners.models import Scenario
from contactless.partners.open_api import SIGNING_HEADERS
from contactless.partners.schemas import OPEN_SCOPES, IssuedClient, PartnerView
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, SmallBank, actor_of

CALLBACK = "https://hospital.example/bank/callback"


def second_admin(kernel: Kernel) -> Actor:
    with kernel.db.session() as session:
        identity.create_staff(session, SYSTEM, username="admin2", role=Role.ADMIN,
                              branch_code="HQ", password=PASSWORD, display_name="ADMIN2")
        return actor_of(session, "admin2")


def active_partner(kernel: Kernel, bank: SmallBank, *, name: str = "仁心医院平台",
                   scopes: tuple[str, ...] = OPEN_SCOPES, ip_allowlist: tuple[str, ...] = (),
                   checker: Actor | None = None) -> tuple[PartnerView, IssuedClient]:
    """A partner registered by ``bank.admin``, approved by a second admin, with one client."""
    checker = checker or second_admin(kernel)
    with kernel.db.session() as session:
        partner = partners.register_partner(session, bank.admin, name=name,
                                            scenario=Scenario.HEALTHCARE, allowed_products=[],
                                            callback_urls=[CALLBACK])
        partners.decide_partner(session, checker, partner_id=partner.id, approve=True)
        issued = partners.issue_client(session, bank.admin, partner_id=partner.id,
                                       allowed_scopes=list(scopes),
                                       ip_allowlist=list(ip_allowlist))
    return partner, issued


@dataclass
class PartnerHttp:
    """A partner's side of the open API: signs every request as docs/partners.md says."""

    client: TestClient
    issued: IssuedClient

    def headers(self, method: str, target: str, body: bytes, *, timestamp: int | None = None,
                nonce: str | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        return {"X-Client-Id": self.issued.client.client_id, "X-Timestamp": stamp,
                "X-Nonce": nonce,
                "X-Signature": partners.sign_request(self.issued.signing_key, method=method,
                                                     target=target, timestamp=stamp,
                                                     nonce=nonce, body=body)}

    def call(self, method: str, target: str, *, json_body: Any = None, form: str | None = None,
             token: str | None = None, key: str | None = None, **signing: Any) -> Response:
        """A signed call; a JSON POST carries a new Idempotency-Key unless ``key`` is given
        (``""``: none)."""
        body = (json.dumps(json_body).encode() if json_body is not None
                else (form or "").encode())
        headers = self.headers(method, target, body, **signing)
        headers["Content-Type"] = ("application/json" if json_body is not None
                                   else "application/x-www-form-urlencoded")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None and method == "POST" and key != "":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return self.client.request(method, target, content=body, headers=headers)

    def token(self, scope: str | None = None) -> str:
        form = (f"grant_type=client_credentials&client_id={self.issued.client.client_id}"
                f"&client_secret={self.issued.client_secret}")
        if scope:
            form += "&scope=" + scope.replace(" ", "+")
        response = self.call("POST", "/open/v1/oauth/token", form=form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def sign_in(kernel: Kernel, client: TestClient, customer_id: uuid.UUID) -> str:
    """The customer's /m session in the test client's cookies; returns its CSRF token."""
    from contactless.customers import service as customers
    from contactless.customers.web import customer_cookie
    from contactless.web.deps import CUSTOMER_COOKIE, CUSTOMER_SESSION

    with kernel.db.session() as session:
        cookie = customer_cookie(session, customers.customer_actor(customer_id))
    client.cookies.set(CUSTOMER_COOKIE, cookie)
    data = kernel.signer.loads(cookie, purpose=CUSTOMER_SESSION, max_age=60)
    return str(data["csrf"])


def granted_consent(kernel: Kernel, partner: PartnerHttp, customer_id: uuid.UUID, *,
                    scopes: tuple[str, ...] = ("balances:read", "products:apply"),
                    token: str | None = None) -> str:
    """A consent the partner asked for over the API and ``customer_id`` granted; its id."""
    asked = partner.call("POST", "/open/v1/consents", token=token or partner.token(),
                         json_body={"scopes": list(scopes), "duration_days": 30,
                                    "purpose": "在合作方平台办理业务", "redirect_uri": CALLBACK})
    assert asked.status_code == 201, asked.text
    consent_id = uuid.UUID(asked.json()["id"])
    with kernel.db.session() as session:
        partners.answer_consent(session, Actor(kind="customer", id=str(customer_id),
                                               channel="mobile"),
                                consent_id=consent_id, approve=True)
    return str(consent_id)


# the signing headers a gateway fills in, each with the pattern the API document gives it
SIGNING_PATTERNS = {header["name"].lower(): re.compile(header["schema"]["pattern"])
                    for header in SIGNING_HEADERS}
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Scope]]
Send = Callable[[Scope], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class SigningGateway:
    """A partner's outgoing gateway in front of the bank's app (ASGI): each /open/v1 request
    is signed as it leaves, over its method, its path and query exactly as sent and its body
    bytes, with a fresh timestamp and nonce. Only the signing headers the request carries in
    the document's form are filled in: one left out or malformed goes on as it is, so a
    caller can still see how the bank refuses it."""

    def __init__(self, app: App, issued: IssuedClient) -> None:
        self.app = app
        self.issued = issued
        self.signed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/open/v1/") \
                or path == "/open/v1/openapi.json":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        target = bytes(scope.get("raw_path") or path.encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + bytes(scope["query_string"]).decode("latin-1")
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        values = {"x-client-id": self.issued.client.client_id, "x-timestamp": stamp,
                  "x-nonce": nonce,
                  "x-signature": partners.sign_request(
                      self.issued.signing_key, method=str(scope["method"]), target=target,
                      timestamp=stamp, nonce=nonce, body=body)}
        headers = []
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key in values and SIGNING_PATTERNS[key].fullmatch(value.decode("latin-1")):
                value = values[key].encode()
                self.signed += key == "x-signature"
            headers.append((name, value))
        replayed = False

        async def replay() -> Scope:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)
