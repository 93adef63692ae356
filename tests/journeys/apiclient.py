"""A customer (or prospect) driving journeys through the JSON API, as the mobile app does."""

from __future__ import annotations

import base64
import itertools
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from contactless.platform.kernel import Kernel
from tests.factories.journeys import last_code

_keys = itertools.count(1)


class App:
    """The mobile-banking app of one signed-in person."""

    def __init__(self, client: TestClient, kernel: Kernel, mobile: str, *,
                 prospect: bool = False, language: str = "en") -> None:
        self.client = client
        self.kernel = kernel
        self.mobile = mobile
        self.language = language
        # each app is another device signing in: no waiting for the resend cooldown
        index = kernel.cipher.blind_index(mobile, kind="mobile")
        for purpose in ("sign-in", "prospect"):
            kernel.store.delete(f"otp-cooldown:{purpose}:{index}")
        if prospect:
            assert client.post("/api/v1/journeys/prospects/code",
                               json={"mobile": mobile}).status_code == 202
            token = client.post("/api/v1/journeys/prospects/token", json={
                "mobile": mobile, "code": last_code(kernel, mobile)}).json()["access_token"]
        else:
            assert client.post("/api/v1/customer-auth/otp",
                               json={"mobile": mobile}).status_code == 202
            token = client.post("/api/v1/customer-auth/verify", json={
                "mobile": mobile, "code": last_code(kernel, mobile)}).json()["access_token"]
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": self.language}

    def start(self, journey: str, **body: Any) -> Response:
        return self.client.post("/api/v1/journeys", headers=self.headers,
                                json={"journey": journey, **body})

    def started(self, journey: str, **body: Any) -> dict[str, Any]:
        response = self.start(journey, **body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def submit(self, journey_id: str, step: str, data: dict[str, Any] | None = None, *,
               key: str | None = None) -> Response:
        return self.client.post(
            f"/api/v1/journeys/{journey_id}/steps/{step}",
            headers=self.headers | {"Idempotency-Key": key or f"key-{next(_keys)}"},
            json=data or {})

    def step(self, journey_id: str, step: str, data: dict[str, Any] | None = None, *,
             key: str | None = None) -> dict[str, Any]:
        response = self.submit(journey_id, step, data, key=key)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get(self, journey_id: str) -> Response:
        return self.client.get(f"/api/v1/journeys/{journey_id}", headers=self.headers)

    def agree(self, journey_id: str, step: str, view: dict[str, Any]) -> dict[str, Any]:
        consents = {c["key"]: c["text_sha256"] for c in view["current_step"]["consents"]}
        return self.step(journey_id, step, {"agree": True, "consents": consents})


def file(content: bytes, *, name: str = "me.jpg", content_type: str = "image/jpeg"
         ) -> dict[str, str]:
    return {"filename": name, "content_type": content_type,
            "content_base64": base64.b64encode(content).decode()}


def errors_of(response: Response) -> dict[str, str]:
    body = response.json()
    return {item["field"]: item["message"] for item in body.get("errors", [])}
