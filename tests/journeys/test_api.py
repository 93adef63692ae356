"""The journeys JSON API: the mobile-banking app runs journey b (renew a CD maturing within 30
days) from the catalog to the renewed deposit in the ledger."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from contactless.corebank import service as corebank
from contactless.customers import service as customers
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank, valid_id_number
from tests.factories.journeys import last_code, today


def _demo_customer_with_cd(kernel: Kernel) -> tuple[str, uuid.UUID]:
    """The demo books (the core's own demo seeder) for 40 customers; the first customer with a
    large CD maturing within 60 days."""
    bank = make_small_bank(kernel)
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章"
    with kernel.db.session() as session:
        ids = [customers.create_customer(
            session, SYSTEM, name=f"{surnames[n]}明", mobile=f"1360000{n:04d}",
            id_number=valid_id_number(100 + n), primary_rm_id=uuid.UUID(bank.rm_xh.id)).id
            for n in range(40)]
        corebank.seed_demo_books(session, customers=ids, rng=random.Random(11),
                                 today=today(kernel))
        for customer_id in ids:
            for deposit in corebank.deposits_of_customer(session, SYSTEM,
                                                         customer_id=customer_id):
                if deposit.product == "cd" and \
                        1 < (deposit.maturity_date - today(kernel)).days <= 60:
                    mobile = customers.get_customer(session, SYSTEM, customer_id=customer_id,
                                                    unmasked=True).mobile
                    return mobile, deposit.id
    raise AssertionError("the demo books have no CD maturing within 60 days")


def _sign_in(client: TestClient, kernel: Kernel, mobile: str) -> dict[str, str]:
    assert client.post("/api/v1/customer-auth/otp", json={"mobile": mobile}).status_code == 202
    verified = client.post("/api/v1/customer-auth/verify",
                           json={"mobile": mobile, "code": last_code(kernel, mobile)})
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['access_token']}",
            "Accept-Language": "en"}


def _assert_renewed_at_maturity(kernel: Kernel, deposit_id: uuid.UUID) -> None:
    """At maturity the ledger makes one new CD of principal and interest."""
    deposit = corebank_deposit(kernel, deposit_id)
    assert deposit.instruction == "renew_all"
    with kernel.db.session() as session:
        corebank.run_maturities(session, SYSTEM, on=deposit.maturity_date)
    with kernel.db.session() as session:
        renewed = [d for d in corebank.deposits_of_customer(session, SYSTEM,
                                                            customer_id=deposit.customer_id)
                   if d.renewed_from_id == deposit_id]
    assert len(renewed) == 1
    principal = deposit.principal.amount + deposit.interest_at_maturity.amount
    assert renewed[0].principal.amount == principal
    assert renewed[0].product == "cd"
    assert renewed[0].start_date == deposit.maturity_date
    assert renewed[0].maturity_date > deposit.maturity_date + timedelta(days=80)


def test_the_app_renews_a_cd_maturing_within_60_days_and_the_ledger_shows_it(
    kernel: Kernel, client: TestClient,
) -> None:
    mobile, deposit_id = _demo_customer_with_cd(kernel)
    catalog = client.get("/api/v1/journeys/catalog").json()
    assert {entry["key"] for entry in catalog} == {
        "open_account_class2", "deposit_renewal", "wealth_purchase", "loan_application",
        "payroll_card_group", "change_mobile", "deposit_partial_withdrawal", "close_account",
        "time_deposit_open"}
    headers = _sign_in(client, kernel, mobile)

    started = client.post("/api/v1/journeys", headers=headers,
                          json={"journey": "deposit_renewal", "params": {}})
    assert started.status_code == 201, started.text
    journey = started.json()
    step = journey["current_step"]
    assert step["key"] == "deposit"
    assert str(deposit_id) in step["json_schema"]["properties"]["deposit_id"]["enum"]
    journey_id = journey["id"]

    def submit(step_key: str, data: dict[str, object], key: str) -> dict[str, object]:
        response = client.post(f"/api/v1/journeys/{journey_id}/steps/{step_key}",
                               headers=headers | {"Idempotency-Key": key}, json=data)
        assert response.status_code == 200, response.text
        return dict(response.json())

    plan = submit("deposit", {"deposit_id": str(deposit_id)}, "k1")["current_step"]
    assert isinstance(plan, dict)
    assert plan["key"] == "plan"
    labels = {line["label"]: line["value"] for line in plan["lines"]}
    assert labels["Maturity amount"].startswith("¥")
    term = corebank_deposit(kernel, deposit_id).term
    confirm = submit("plan", {"option": "renew_all", "term": term}, "k2")["current_step"]
    assert isinstance(confirm, dict)
    assert confirm["key"] == "confirm"
    quote = {line["label"]: line["value"] for line in confirm["lines"]}
    assert {"Annual rate", "Interest for the new term", "Amount renewed"} <= set(quote)

    done = submit("confirm", {}, "k3")
    assert done["status"] == "completed"
    again = client.post(f"/api/v1/journeys/{journey_id}/steps/confirm",
                        headers=headers | {"Idempotency-Key": "k3"}, json={})
    assert again.status_code == 200
    assert again.json()["replayed"] is True

    _assert_renewed_at_maturity(kernel, deposit_id)
    fetched = client.get(f"/api/v1/journeys/{journey_id}", headers=headers).json()
    assert fetched["status"] == "completed"
    assert fetched["outcome"][0]["label"] == "At maturity"


def corebank_deposit(kernel: Kernel, deposit_id: uuid.UUID) -> object:
    with kernel.db.session() as session:
        return corebank.get_deposit(session, SYSTEM, deposit_id=deposit_id)
