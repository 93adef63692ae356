"""Bad input gets a clear answer, never a 500, and changes nothing."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.models import IdempotentRequest, JournalEntry
from contactless.platform.kernel import Kernel
from contactless.platform.money import AmountOutOfRange, Money
from tests.corebank.test_api import setup_two, staff_headers

PROBLEM = "application/problem+json"


def entries(kernel: Kernel) -> tuple[int, int]:
    """Ledger entries and idempotency rows: a refused request adds neither."""
    with kernel.db.session() as session:
        return tuple(int(session.scalar(select(func.count()).select_from(table)) or 0)
                     for table in (JournalEntry, IdempotentRequest))  # type: ignore[return-value]


@pytest.mark.parametrize("amount", ["1E+26", "1e400", "1000000000000000", "-1E+20"])
def test_an_amount_no_account_can_hold_is_refused_with_422(kernel: Kernel, client: TestClient,
                                                            amount: str) -> None:
    _alice, _bob, first, second = setup_two(kernel)
    before = entries(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": amount, "currency": "CNY"}}
    response = client.post("/api/v1/corebank/transfers", json=body,
                           headers=staff_headers(client, "rm.xh") | {"Idempotency-Key": "big-1"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "amount_out_of_range"
    assert entries(kernel) == before
    with kernel.db.session() as session:
        assert corebank.verify_books(session).ok


def test_a_refusal_with_figures_reads_in_the_callers_language(kernel: Kernel,
                                                             client: TestClient) -> None:
    _alice, _bob, first, second = setup_two(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": "1E+26", "currency": "CNY"}}
    headers = staff_headers(client, "rm.xh") | {"Idempotency-Key": "big-zh"}
    chinese = client.post("/api/v1/corebank/transfers", json=body,
                          headers=headers | {"Accept-Language": "zh-CN"}).json()
    english = client.post("/api/v1/corebank/transfers", json=body,
                          headers=headers | {"Accept-Language": "en",
                                             "Idempotency-Key": "big-en"}).json()
    assert chinese["detail"] == "金额须小于 1000000000000000 CNY"
    assert english["detail"] == "amounts must be below 1000000000000000 CNY"
    # the figures travel as fields too, for a program to read
    assert (chinese["limit"], chinese["currency"]) == ("1000000000000000", "CNY")


def test_money_refuses_amounts_past_the_books_range() -> None:
    with pytest.raises(AmountOutOfRange):
        Money.of("1E+26")
    assert Money.of("999999999999999.99").amount == Money.of("999999999999999.99").amount


def test_a_form_with_a_non_ascii_csrf_token_gets_403(kernel: Kernel, client: TestClient) -> None:
    client.get("/m/login")
    response = client.post("/m/login", data={"mobile": "13812340000", "csrf_token": "令牌"})
    assert response.status_code == 403
    assert "csrf" in response.text.lower() or "表单" in response.text
    with kernel.db.session() as session:
        from contactless.platform.channels import OutboundMessage

        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_a_json_body_over_one_mebibyte_gets_413(kernel: Kernel, client: TestClient) -> None:
    _alice, _bob, first, second = setup_two(kernel)
    before = entries(kernel)
    body = {"source_account_id": str(first), "target_account_id": str(second),
            "amount": {"amount": "1.00"}, "memo": "x" * (1024 * 1024)}
    response = client.post("/api/v1/corebank/transfers", json=body,
                           headers=staff_headers(client, "rm.xh") | {"Idempotency-Key": "h-1"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "request_too_large"
    assert entries(kernel) == before


def test_a_body_without_a_length_is_cut_at_the_cap(kernel: Kernel, client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 65536

    response = client.post("/api/v1/customer-auth/otp", content=chunks(),  # type: ignore[arg-type]
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_uploads_have_their_own_larger_cap(kernel: Kernel, client: TestClient) -> None:
    # a 2 MiB photo as base64 JSON passes the cap and reaches the journey (which refuses the
    # unknown journey), a 20 MiB one is cut at the door
    photo = base64.b64encode(b"\xff" * (2 * 1024 * 1024)).decode()
    step = "/api/v1/journeys/00000000-0000-0000-0000-000000000000/steps/selfie"
    small = client.post(step, json={"selfie": {"filename": "a.jpg", "content_type": "image/jpeg",
                                               "content_base64": photo}},
                        headers={"Idempotency-Key": "u-1"})
    assert small.status_code != 413
    huge = client.post(step, content=b"x" * (17 * 1024 * 1024),
                       headers={"Idempotency-Key": "u-2", "content-type": "application/json"})
    assert huge.status_code == 413
    assert huge.json()["code"] == "request_too_large"


def test_a_field_error_of_the_schema_is_not_given_the_catalogs_header(
        client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", data={})
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "request_invalid"
    assert all("Project-Id-Version" not in str(item) for item in body["errors"])
    assert all(item.get("msg") for item in body["errors"])
