"""The journeys that end a product on the phone: part of a time deposit out, a Class II
account closed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from contactless.corebank import service as corebank
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.corebank import key
from tests.factories.journeys import deposit_maturing_in, make_banked_customer
from tests.journeys.apiclient import App


def test_a_customer_takes_part_of_a_deposit_out_once(kernel: Kernel,
                                                     client: TestClient) -> None:
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=40, amount="10000.00")
    app = App(client, kernel, banked.mobile)
    journey = app.started("deposit_partial_withdrawal")
    low = app.submit(journey["id"], "amount", {"deposit_id": str(deposit.id),
                                               "amount": "9960.00"})
    assert (low.status_code, low.json()["code"]) == (422, "step_invalid")
    quote = app.step(journey["id"], "amount", {"deposit_id": str(deposit.id),
                                               "amount": "4000.00"})
    lines = {line["label"]: line["value"] for line in quote["current_step"]["lines"]}
    assert any("6,000.00" in str(value) for value in lines.values())  # what stays
    assert app.step(journey["id"], "confirm")["status"] == "completed"
    with kernel.db.session() as session:
        after = corebank.get_deposit(session, SYSTEM, deposit_id=deposit.id)
        assert after.principal.amount == 6000
        assert after.maturity_date == deposit.maturity_date
    assert app.start("deposit_partial_withdrawal").json()["code"] == "nothing_to_withdraw"


def test_a_customer_closes_a_class2_account_into_the_class1_account(
        kernel: Kernel, client: TestClient) -> None:
    banked = make_banked_customer(kernel)
    with kernel.db.session() as session:
        second = corebank.open_account(session, banked.actor, idempotency_key=key(),
                                       customer_id=banked.customer.id, account_class=2,
                                       bound_account_id=banked.account.id)
    app = App(client, kernel, banked.mobile)
    journey = app.started("close_account", params={"account_id": str(second.id)})
    app.step(journey["id"], "account", {"account_id": str(second.id),
                                        "target_id": str(banked.account.id)})
    assert app.step(journey["id"], "confirm")["status"] == "completed"
    with kernel.db.session() as session:
        assert corebank.get_account(session, SYSTEM, account_id=second.id).status == "closed"
