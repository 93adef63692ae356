"""The JSON API for the mobile-banking app and the console pages, through HTTP."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from contactless.platform.kernel import Kernel
from tests.factories.assistant import counts, make_desk
from tests.journeys.apiclient import App


def test_the_app_sends_messages_and_reads_the_history(client: TestClient, kernel: Kernel,
                                                      ) -> None:
    desk = make_desk(kernel, funds="321.00")
    app = App(client, kernel, desk.banked.mobile, language="zh-CN")
    sent = client.post("/api/v1/assistant/messages", json={"text": "查一下余额"},
                       headers=app.headers)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert [m["sender"] for m in body["messages"]] == ["customer", "assistant"]
    assert "321.00 CNY" in body["messages"][1]["text"]
    conversation = body["conversation"]["id"]
    history = client.get(f"/api/v1/assistant/conversations/{conversation}?after=1",
                         headers=app.headers).json()
    assert [m["seq"] for m in history["messages"]] == [2]


def test_the_api_refuses_bad_input_with_problem_json_and_keeps_nothing(
        client: TestClient, kernel: Kernel) -> None:
    desk = make_desk(kernel)
    app = App(client, kernel, desk.banked.mobile)
    first = client.post("/api/v1/assistant/messages", json={"text": "hello"},
                        headers=app.headers).json()
    before = counts(kernel)
    empty = client.post("/api/v1/assistant/messages",
                        json={"text": "  ", "conversation_id": first["conversation"]["id"]},
                        headers=app.headers)
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    assert empty.json()["code"] == "message_empty"
    anonymous = client.post("/api/v1/assistant/messages", json={"text": "hello"})
    assert anonymous.status_code == 401
    assert counts(kernel) == before


def test_the_chat_page_is_open_to_visitors_and_loads_its_script(client: TestClient,
                                                                kernel: Kernel) -> None:
    page = client.get("/m/assistant")
    assert page.status_code == 200
    assert re.search(r'<script src="/static/assistant/chat\.[0-9a-f]{10}\.js" defer>', page.text)
    assert "<script>" not in page.text  # no inline script
    assert "chat-mic" in page.text


def test_the_desk_is_for_agents(client: TestClient, kernel: Kernel) -> None:
    make_desk(kernel)
    assert client.post("/console/login", data={
        "username": "rm.xh", "password": "Correct-horse-42",
        "csrf_token": _csrf(client)}).status_code == 303
    refused = client.get("/console/assistant/desk")
    assert refused.status_code == 403


def _csrf(client: TestClient) -> str:
    import re

    page = client.get("/console/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)
