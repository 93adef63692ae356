"""Bad input: every field checked on the server, steps that cannot be skipped, double submits,
expired and cancelled journeys, other people's journeys, unsuitable products: each refused with
a clear error in the customer's language, and nothing executed twice or out of order."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from contactless.corebank import service as corebank
from contactless.corebank.models import JournalEntry
from contactless.journeys import service as journeys
from contactless.journeys.models import JourneyInstance
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.events import OutboxEvent
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank, valid_id_number
from tests.factories.journeys import (
    cny,
    deposit_maturing_in,
    make_banked_customer,
    make_loan,
    make_wealth_products,
    pdf_bytes,
    selfie,
)
from tests.journeys.apiclient import App, errors_of, file

PROSPECT = "13833334444"


def _entries(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_every_field_of_account_opening_is_checked_on_the_server_in_either_language(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    make_small_bank(sqlite_kernel)
    app = App(api, sqlite_kernel, PROSPECT, prospect=True, language="zh-CN")
    journey = app.started("open_account_class2")
    assert journey["current_step"]["json_schema"]["required"] == ["name", "id_number", "mobile"]
    bad = app.submit(journey["id"], "identity", {
        "name": "韩1", "id_number": "110101198501010010", "mobile": "12345",
        "nickname": "x"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "step_invalid"
    assert bad.json()["detail"] == "部分内容需要修改"
    assert errors_of(bad) == {"name": "请输入与身份证一致的姓名",
                              "id_number": "身份证号码无效（请检查最后一位）",
                              "mobile": "请输入 11 位中国大陆手机号码",
                              "nickname": "该字段不属于当前步骤"}
    app.language = "en"
    other = app.submit(journey["id"], "identity", {"name": "韩梅梅",
                                                   "id_number": valid_id_number(3),
                                                   "mobile": "13900001111"})
    assert other.status_code == 422
    assert other.json()["code"] == "identity_not_verified"
    assert "proved" in other.json()["detail"]
    app.step(journey["id"], "identity", {"name": "韩梅梅", "id_number": valid_id_number(3),
                                         "mobile": PROSPECT})

    for content, name, kind, expected in (
        (b"", "empty.jpg", "image/jpeg", "choose a file to upload"),
        (b"GIF89a not really", "me.jpg", "image/jpeg", "the file is not a real image"),
        (selfie(60, 80), "tiny.jpg", "image/jpeg", "at least 200"),
        (selfie()[:5000], "cut.jpg", "image/jpeg", "the file is not a real image"),
        (pdf_bytes(), "me.pdf", "application/pdf", "upload a photo"),
        (b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "huge.jpg", "image/jpeg", "larger than 5 MB"),
    ):
        refused = app.submit(journey["id"], "selfie", {"selfie": file(content, name=name,
                                                                         content_type=kind)})
        assert refused.status_code == 422, name
        assert expected in errors_of(refused)["selfie"], (name, errors_of(refused))
    app.step(journey["id"], "selfie", {"selfie": file(selfie(fmt="WEBP"), name="me.webp",
                                                      content_type="image/webp")})
    card = app.submit(journey["id"], "card", {"bank": "NOPE", "card_number": "6222020000000001"})
    assert errors_of(card) == {"bank": "choose one of the options",
                               "card_number": "enter the 16 to 19 digit card number (check the "
                                              "digits)"}


def test_amounts_and_dates_are_checked_on_the_server(sqlite_kernel: Kernel,
                                                     api: TestClient) -> None:
    banked = make_banked_customer(sqlite_kernel)
    app = App(api, sqlite_kernel, banked.mobile)
    loan = app.started("loan_application")
    app.step(loan["id"], "kind", {"kind": "consumer"})
    base = {"term_months": "12", "method": "equal_instalment", "purpose": "travel",
            "monthly_income": "12000", "account_id": str(banked.account.id)}
    for amount, message in ((1.5, "as text"), ("100.555", "two decimals"),
                            ("-5", "two decimals"), ("0", "more than zero"),
                            ("abc", "two decimals"), ("900000", "between 1,000 and 300,000")):
        refused = app.submit(loan["id"], "loan", base | {"amount": amount})
        assert refused.status_code == 422, amount
        assert message in errors_of(refused)["amount"], (amount, errors_of(refused))
    wrong_term = app.submit(loan["id"], "loan", base | {"amount": "5000", "term_months": "7"})
    assert errors_of(wrong_term) == {"term_months": "choose one of the options"}

    deferral = app
    make_loan(sqlite_kernel, banked)
    request = deferral.started("loan_application", params={"kind": "deferral"})
    deferral.step(request["id"], "kind", {"kind": "deferral"})
    loan_id = request_loan_id(deferral, request["id"])
    fields = {"loan_id": loan_id, "months": 2, "cause": "quarantined"}
    for day, message in (("2026-02-30", "YYYY-MM-DD"), ("2019-01-01", "between 2019-12-01"),
                         ((utcnow() + timedelta(days=3)).date().isoformat(), "and today")):
        refused = deferral.submit(request["id"], "deferral", fields | {"affected_since": day})
        assert refused.status_code == 422
        assert message in errors_of(refused)["affected_since"], errors_of(refused)


def request_loan_id(app: App, journey_id: str) -> str:
    view = app.get(journey_id).json()
    return str(view["current_step"]["json_schema"]["properties"]["loan_id"]["enum"][0])


def test_steps_cannot_be_skipped_or_done_twice_and_a_replay_executes_nothing(
    kernel: Kernel, client: TestClient,
) -> None:
    banked = make_banked_customer(kernel, funds="20000.00")
    products = make_wealth_products(kernel)
    app = App(client, kernel, banked.mobile)
    journey = app.started("wealth_purchase", params={"product_id": str(products["WM-R2"])})
    skipped = app.submit(journey["id"], "confirm")
    assert skipped.status_code == 409
    assert skipped.json()["code"] == "step_out_of_order"
    assert skipped.json()["current_step"] == "questionnaire"
    unknown = app.submit(journey["id"], "shortcut")
    assert unknown.status_code == 404
    answers = {"age": "b", "experience": "c", "horizon": "c", "loss": "c", "share": "c",
               "goal": "c"}
    first = app.step(journey["id"], "questionnaire", answers, key="q-1")
    assert first["current_step"]["key"] == "product"
    replay = app.step(journey["id"], "questionnaire", answers, key="q-1")
    assert replay["replayed"] is True
    assert replay["current_step"] == first["current_step"]
    reused = app.submit(journey["id"], "questionnaire", answers | {"age": "a"}, key="q-1")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    twice = app.submit(journey["id"], "questionnaire", answers, key="q-2")
    assert twice.status_code == 409
    assert twice.json()["code"] == "step_already_completed"

    app.step(journey["id"], "product", {"product_id": str(products["WM-R2"]),
                                        "amount": "3000.00", "account_id": str(banked.account.id)})
    documents = app.get(journey["id"]).json()
    app.agree(journey["id"], "documents", documents)
    before = _entries(kernel)
    done = app.step(journey["id"], "confirm", key="buy")
    assert done["status"] == "completed"
    assert _entries(kernel) == before + 1
    again = app.step(journey["id"], "confirm", key="buy")
    assert again["status"] == "completed"
    assert again["replayed"] is True
    late = app.submit(journey["id"], "confirm", key="buy-again")
    assert late.status_code == 409
    assert late.json()["code"] == "journey_finished"
    assert _entries(kernel) == before + 1
    with kernel.db.session() as session:
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
    assert account.balance == cny("17000.00")


def test_an_unsuitable_product_is_refused_with_the_reason_and_nothing_is_bought(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    products = make_wealth_products(sqlite_kernel)
    app = App(api, sqlite_kernel, banked.mobile, language="zh-CN")
    journey = app.started("wealth_purchase")
    app.step(journey["id"], "questionnaire", {"age": "e", "experience": "a", "horizon": "a",
                                              "loss": "a", "share": "a", "goal": "a"})
    before = _entries(sqlite_kernel)
    refused = app.submit(journey["id"], "product", {
        "product_id": str(products["WM-R2"]), "amount": "2000",
        "account_id": str(banked.account.id)})
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "unsuitable_product"
    assert body["risk"] == "R2"
    assert body["level"] == "C1"
    assert body["detail"] == ("该产品风险等级为 R2，高于您的风险承受能力 C1，我们不能向您销售。"
                              "请选择风险等级不超过 R1 的产品。")
    assert app.get(journey["id"]).json()["current_step"]["key"] == "product"
    assert _entries(sqlite_kernel) == before


def test_expired_and_cancelled_journeys_take_nothing_more_and_are_abandoned(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    deposit_maturing_in(sqlite_kernel, banked, days=20)
    app = App(api, sqlite_kernel, banked.mobile)
    left = app.started("deposit_renewal")
    with sqlite_kernel.db.session() as session:
        session.execute(update(JourneyInstance)
                        .where(JourneyInstance.id == uuid.UUID(left["id"]))
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    expired = app.submit(left["id"], "deposit", {"deposit_id": "x"})
    assert expired.status_code == 410
    assert expired.json()["code"] == "journey_expired"
    assert app.get(left["id"]).json()["status"] == "expired"
    with sqlite_kernel.db.session() as session:
        assert journeys.expire_journeys(session) == 1
    with sqlite_kernel.db.session() as session:
        assert journeys.expire_journeys(session) == 0

    cancelled = app.started("deposit_renewal")
    assert cancelled["id"] != left["id"]
    gone = api.post(f"/api/v1/journeys/{cancelled['id']}/cancel", headers=app.headers).json()
    assert gone["status"] == "cancelled"
    refused = app.submit(cancelled["id"], "deposit", {"deposit_id": "x"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "journey_cancelled"
    with sqlite_kernel.db.session() as session:
        abandoned = [e.payload for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == "journey.abandoned"))]
    assert sorted((e["journey_id"], e["reason"], e["last_step"]) for e in abandoned) == sorted(
        [(left["id"], "expired", "deposit"), (cancelled["id"], "cancelled", "deposit")])


def test_another_customers_journey_is_not_found(sqlite_kernel: Kernel, api: TestClient) -> None:
    owner = make_banked_customer(sqlite_kernel)
    other = make_banked_customer(sqlite_kernel, bank=owner.bank, serial=8, mobile="13955556666",
                                 name="程东")
    deposit_maturing_in(sqlite_kernel, owner, days=20)
    mine = App(api, sqlite_kernel, owner.mobile)
    journey = mine.started("deposit_renewal")
    theirs = App(api, sqlite_kernel, other.mobile)
    for response in (
        theirs.get(journey["id"]),
        theirs.submit(journey["id"], "deposit", {"deposit_id": "x"}),
        api.post(f"/api/v1/journeys/{journey['id']}/cancel", headers=theirs.headers),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "journey_not_found"
    assert mine.get(journey["id"]).json()["status"] == "active"
    nobody = api.get(f"/api/v1/journeys/{journey['id']}")
    assert nobody.status_code == 401
    assert api.get("/api/v1/journeys/catalog").status_code == 200


def test_a_journey_resumes_on_another_device_where_it_was_left(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    banked = make_banked_customer(sqlite_kernel)
    deposit = deposit_maturing_in(sqlite_kernel, banked, days=12)
    phone = App(api, sqlite_kernel, banked.mobile)
    journey = phone.started("deposit_renewal")
    phone.step(journey["id"], "deposit", {"deposit_id": str(deposit.id)})
    tablet = App(api, sqlite_kernel, banked.mobile)
    listed = api.get("/api/v1/journeys", headers=tablet.headers).json()
    assert [(j["id"], j["current_step"]["key"]) for j in listed] == [(journey["id"], "plan")]
    again = tablet.started("deposit_renewal")
    assert again["id"] == journey["id"]
    assert again["current_step"]["key"] == "plan"


def test_two_confirms_at_once_on_postgresql_execute_once(pg_kernel: Kernel) -> None:
    import threading

    from contactless.platform.errors import ContactlessError

    kernel = pg_kernel
    banked = make_banked_customer(kernel, funds="40000.00")
    matured = deposit_maturing_in(kernel, banked, days=-2, amount="10000.00")
    actor = banked.actor
    with kernel.db.session() as session:
        view = journeys.start_journey(session, actor, journey_key="deposit_renewal",
                                      translator=Translator.of("en"))
        journeys.submit_step(session, actor, journey_id=view.id, step="deposit",
                             data={"deposit_id": str(matured.id)}, idempotency_key="d",
                             translator=Translator("en"))
        journeys.submit_step(session, actor, journey_id=view.id, step="plan",
                             data={"option": "renew_all", "term": "1y"},
                             idempotency_key="p", translator=Translator("en"))
    before = _entries(kernel)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm(key: str) -> None:
        barrier.wait()
        try:
            with kernel.db.session() as session:
                done = journeys.submit_step(session, actor, journey_id=view.id, step="confirm",
                                            data={}, idempotency_key=key,
                                            translator=Translator("en"))
            outcomes.append(done.status)
        except ContactlessError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=confirm, args=(key,)) for key in ("c-1", "c-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["completed", "journey_finished"]
    assert _entries(kernel) == before + 1
