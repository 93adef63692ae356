"""The console's code form: every number has a range, and a number out of it is refused with
what is wrong, on the page again with what was typed (never a 500)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from contactless.outreach import service as outreach
from contactless.platform.kernel import Kernel
from tests.factories.identity import actor_of, make_small_bank
from tests.identity.test_sessions import console_sign_in, csrf_of

SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


def _codes(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return len(outreach.list_codes(session, actor_of(session, "rm.xh")))


@SQLITE_ONLY
@pytest.mark.parametrize(("field", "value", "message"), [
    ("days", "99999999999999", "有效天数须为 1 至 732 之间的整数"),
    ("days", "0", "有效天数须为 1 至 732 之间的整数"),
    ("days", "7.5", "有效天数须为 1 至 732 之间的整数"),
    ("max_scans", "-5", "扫码上限须为 1 至 10,000,000 之间的整数，留空表示不限"),
    ("max_scans", "１０", "扫码上限须为 1 至 10,000,000 之间的整数，留空表示不限"),
    ("per_customer_limit", "10001", "每位客户扫码上限须为 1 至 10,000 之间的整数，留空表示不限"),
])
def test_a_number_out_of_range_says_what_is_wrong(kernel: Kernel, client: TestClient,
                                                  field: str, value: str,
                                                  message: str) -> None:
    make_small_bank(kernel)
    console_sign_in(client)
    form = {"csrf_token": csrf_of(client), "purpose": "deposit_renewal", "channel": "sms",
            "title": "到期提醒", "days": "30", field: value}
    response = client.post("/console/outreach/codes", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{value}"' in response.text  # what was typed stays in the form
    assert _codes(kernel) == 0


@SQLITE_ONLY
def test_numbers_in_range_make_the_code(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    console_sign_in(client)
    page = client.get("/console/outreach")
    assert re.search(r'name="days" type="number" min="1" max="732"', page.text)
    form = {"csrf_token": csrf_of(client), "purpose": "time_deposit_open", "channel": "sms",
            "days": "732", "max_scans": "5", "per_customer_limit": "1"}
    response = client.post("/console/outreach/codes", data=form, follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session() as session:
        (code,) = outreach.list_codes(session, actor_of(session, "rm.xh"))
    assert (code.purpose, code.max_scans, code.per_customer_limit) == ("time_deposit_open", 5, 1)


@SQLITE_ONLY
def test_an_expiry_that_is_not_a_date_says_so(kernel: Kernel, client: TestClient) -> None:
    from tests.factories.outreach import make_code

    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    console_sign_in(client)
    response = client.post(f"/console/outreach/codes/{code.id}/extend",
                           data={"csrf_token": csrf_of(client), "until": "99999-99-99"})
    assert response.status_code == 422
    assert "请按日期填写新的到期日，例如 2026-12-31" in response.text


@SQLITE_ONLY
@pytest.mark.parametrize("amount", ["abc", "1e400", "1.234"])
def test_a_counter_amount_that_is_not_money_says_what_money_looks_like(
    kernel: Kernel, client: TestClient, amount: str,
) -> None:
    from tests.factories.journeys import deposit_maturing_in, make_banked_customer

    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=40, amount="10000.00")
    console_sign_in(client, "rm.xh")
    response = client.post(
        f"/console/customers/{banked.customer.id}/deposits/{deposit.id}/partial-withdrawal",
        data={"csrf_token": csrf_of(client), "amount": amount, "key": "counter-key-1"})
    assert response.status_code == 422
    assert "金额以元为单位，最多两位小数，例如 2000.00" in response.text
