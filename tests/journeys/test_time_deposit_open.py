"""存入定期 / 购买大额存单: a customer places new money in a time deposit or a large CD from a
demand account, at the rate table's rate; an RM's code that led there is credited with the
money the deposit took, as the books say."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.models import JournalEntry
from contactless.journeys import service as journeys
from contactless.journeys.builtin.time_deposit_open import preset
from contactless.journeys.plugins import use_sources
from contactless.outreach import service as outreach
from contactless.outreach.models import QrConversion
from contactless.outreach.sources import OutreachQrSources
from contactless.platform.context import SYSTEM
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from tests.factories.journeys import Banked, make_banked_customer
from tests.factories.outreach import make_code, scan
from tests.journeys.apiclient import App, errors_of

SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


def _entries(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def _balance(kernel: Kernel, banked: Banked) -> Decimal:
    with kernel.db.session() as session:
        return corebank.get_account(session, SYSTEM, account_id=banked.account.id).balance.amount


def _to_confirm(app: App, journey: dict[str, Any], banked: Banked, *, term: str,
                amount: str, instruction: str = "renew_all") -> dict[str, Any]:
    view = app.step(journey["id"], "amount", {
        "term": term, "amount": amount, "account_id": str(banked.account.id),
        "instruction": instruction})
    return app.agree(journey["id"], "documents", view)


def test_a_customer_places_a_one_year_time_deposit_at_the_rate_table_rate(
    kernel: Kernel, client: TestClient,
) -> None:
    banked = make_banked_customer(kernel, funds="50000.00")
    app = App(client, kernel, banked.mobile)
    journey = app.started("time_deposit_open")
    first = journey["current_step"]
    assert first["key"] == "product"
    offered = {c["value"]: c["detail"] for c in first["fields"][0]["choices"]}
    assert offered == {"time": "1.05% to 1.80% a year, from ¥50.00",
                       "cd": "1.40% to 2.20% a year, from ¥200,000.00"}
    view = app.step(journey["id"], "product", {"product": "time"})
    terms = {c["value"]: c["detail"] for c in view["current_step"]["fields"][0]["choices"]}
    assert terms["1y"] == "rate 1.35% a year"
    confirm = _to_confirm(app, journey, banked, term="1y", amount="12000.00")
    lines = {line["label"]: line["value"] for line in confirm["current_step"]["lines"]}
    assert lines["Amount"] == "¥12,000.00"
    assert lines["Annual rate"] == "1.35%"
    assert lines["At maturity"] == "Renew principal and interest"
    done = app.step(journey["id"], "confirm")
    assert done["status"] == "completed"
    assert done["outcome"][0]["value"] == "¥12,000.00"
    assert _balance(kernel, banked) == Decimal("38000.00")
    with kernel.db.session() as session:
        (deposit,) = corebank.deposits_of_customer(session, SYSTEM,
                                                   customer_id=banked.customer.id)
    assert (deposit.product, deposit.term, deposit.annual_rate) == ("time", "1y",
                                                                    Decimal("0.0135"))
    assert deposit.principal.amount == Decimal("12000.00")
    assert deposit.instruction == "renew_all"


@SQLITE_ONLY
def test_the_amount_is_checked_against_the_product_minimum_and_the_balance(
    kernel: Kernel, client: TestClient,
) -> None:
    banked = make_banked_customer(kernel, funds="150000.00")
    app = App(client, kernel, banked.mobile)
    journey = app.started("time_deposit_open")
    app.step(journey["id"], "product", {"product": "cd"})
    before = _entries(kernel)
    for amount, message in (("199999.99", "a Large-denomination CD starts at ¥200,000.00"),
                            ("0", "must be more than zero")):
        refused = app.submit(journey["id"], "amount", {
            "term": "3y", "amount": amount, "account_id": str(banked.account.id),
            "instruction": "payout"})
        assert (refused.status_code, refused.json()["code"]) == (422, "step_invalid")
        assert message in errors_of(refused)["amount"]
    journey = app.started("time_deposit_open", params={"product": "time"})
    app.step(journey["id"], "product", {"product": "time"})
    too_much = app.submit(journey["id"], "amount", {
        "term": "1y", "amount": "150000.01", "account_id": str(banked.account.id),
        "instruction": "payout"})
    assert errors_of(too_much) == {"amount": "the amount is more than the account's balance"}
    assert _entries(kernel) == before
    assert _balance(kernel, banked) == Decimal("150000.00")


@SQLITE_ONLY
def test_a_code_names_the_product_and_term_and_the_customer_can_go_back(
    kernel: Kernel, client: TestClient,
) -> None:
    assert preset({"product": "CD-3Y"}) == ("cd", "3y")
    assert preset({"product": "time", "term": "6m"}) == ("time", "6m")
    assert preset({"product": "WM-90D"}) == (None, None)
    banked = make_banked_customer(kernel, funds="300000.00")
    app = App(client, kernel, banked.mobile)
    journey = app.started("time_deposit_open", params={"product": "CD-3Y"})
    assert journey["current_step"]["fields"][0]["value"] == "cd"
    view = app.step(journey["id"], "product", {"product": "cd"})
    assert view["current_step"]["fields"][0]["value"] == "3y"
    view = app.step(journey["id"], "amount", {
        "term": "3y", "amount": "250000.00", "account_id": str(banked.account.id),
        "instruction": "renew_principal"})
    assert view["current_step"]["key"] == "documents"
    back = client.post(f"/api/v1/journeys/{journey['id']}/back", headers=app.headers)
    assert back.status_code == 200, back.text
    fields = {f["name"]: f["value"] for f in back.json()["current_step"]["fields"]}
    assert fields == {"term": "3y", "amount": "250000.00", "account_id": str(banked.account.id),
                      "instruction": "renew_principal"}
    again = app.step(journey["id"], "amount", {
        "term": "5y", "amount": "260000.00", "account_id": str(banked.account.id),
        "instruction": "renew_all"})
    app.agree(journey["id"], "documents", again)
    done = app.step(journey["id"], "confirm")
    assert done["status"] == "completed"
    with kernel.db.session() as session:
        (deposit,) = corebank.deposits_of_customer(session, SYSTEM,
                                                   customer_id=banked.customer.id)
    assert (deposit.product, deposit.term, deposit.principal.amount) == (
        "cd", "5y", Decimal("260000.00"))


def test_an_rms_code_is_credited_with_the_new_money_realised_at_once(kernel: Kernel) -> None:
    use_sources(kernel, OutreachQrSources())
    outreach.subscribe(kernel.bus)
    banked = make_banked_customer(kernel, funds="30000.00")
    code = make_code(kernel, banked.bank.rm_xh, purpose="time_deposit_open", channel="sms",
                     params={"product": "TD-1Y"})
    scan(kernel, code, customer_id=banked.customer.id)
    with kernel.db.session() as session:
        view = journeys.start_journey(session, banked.actor, journey_key="time_deposit_open",
                                      params={"product": "TD-1Y"}, qr_code_id=code.id,
                                      translator=Translator.of("en"))
    assert view.channel == "qr"
    answers = {"product": {"product": "time"},
               "amount": {"term": "1y", "amount": "8800.00",
                          "account_id": str(banked.account.id), "instruction": "payout"}}
    while view.status == "active" and view.current_step is not None:
        step = view.current_step
        data = answers.get(step.key, {})
        if step.kind == "consent":
            data = {"agree": True, "consents": {c.key: c.text_sha256 for c in step.consents}}
        with kernel.db.session() as session:
            view = journeys.submit_step(session, banked.actor, journey_id=view.id,
                                        step=step.key, data=data,
                                        idempotency_key=str(uuid.uuid4()),
                                        translator=Translator("en"))
    assert view.status == "completed"
    with kernel.db.session() as session:
        (conversion,) = session.scalars(select(QrConversion)).all()
        mine = outreach.my_conversions(session, banked.bank.rm_xh)
    assert (conversion.kind, conversion.status, conversion.amount) == (
        "deposit_placed", "realised", Decimal("8800.00"))
    assert mine.outcomes.realised.amount == Decimal("8800.00")
