"""The engine's promises: the risk port decides before the final action (approve, step-up,
review, block), cooling-off, events with the outreach contract, consents with their exact
text, renewals into another term, deferrals, and the console's figures."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import Term
from contactless.corebank.models import JournalEntry
from contactless.journeys import plugins, repository
from contactless.journeys import service as journeys
from contactless.journeys.catalog import Catalog, builtin_journeys
from contactless.journeys.models import ConsentRecord, JourneyInstance
from contactless.journeys.sources import NoQrSources, QrCheck, QrSource
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.events import OutboxEvent
from contactless.platform.kernel import Kernel
from contactless.risk import service as risk
from contactless.risk.port import ApproveAll, Decision, Operation, Outcome
from tests.factories.identity import make_small_bank, valid_id_number
from tests.factories.journeys import (
    Banked,
    cny,
    deposit_maturing_in,
    last_code,
    make_banked_customer,
    make_employer,
    make_loan,
    make_wealth_products,
    selfie,
    today,
)
from tests.journeys.apiclient import App, file


class Fixed:
    """A risk policy that always answers the same."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def decide(self, session: Session, *, operation: Operation) -> Decision:
        return Decision(self.outcome, (f"test_{self.outcome.value}",))


def _entries(kernel: Kernel) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def _events(kernel: Kernel, topic: str) -> list[dict[str, Any]]:
    with kernel.db.session() as session:
        return [dict(e.payload) for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == topic)
            .order_by(OutboxEvent.created_at))]


def _buy(app: App, banked: Banked, product_id: uuid.UUID, amount: str = "2000.00",
         **start: Any) -> dict[str, Any]:
    """A wealth purchase up to its confirm step (questionnaire answered for C4)."""
    journey = app.started("wealth_purchase", **start)
    if journey["current_step"]["key"] == "questionnaire":
        app.step(journey["id"], "questionnaire", {"age": "b", "experience": "d", "horizon": "d",
                                                  "loss": "d", "share": "d", "goal": "d"})
    view = app.step(journey["id"], "product", {"product_id": str(product_id), "amount": amount,
                                               "account_id": str(banked.account.id)})
    app.agree(journey["id"], "documents", view)
    return journey


def test_the_risk_port_decides_before_anything_is_executed(sqlite_kernel: Kernel,
                                                           api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="20000.00")
    products = make_wealth_products(kernel)
    app = App(api, kernel, banked.mobile)

    risk.install_policy(kernel, Fixed(Outcome.BLOCK))
    blocked = _buy(app, banked, products["WM-R2"])
    before = _entries(kernel)
    view = app.step(blocked["id"], "confirm")
    assert view["status"] == "rejected"
    assert view["reasons"] == ["blocked_by_risk_check"]  # the rule's own code stays inside
    assert "security check" in view["message"]
    assert _entries(kernel) == before
    assert _events(kernel, "journey.rejected")[0]["journey_id"] == blocked["id"]

    risk.install_policy(kernel, Fixed(Outcome.STEP_UP))
    stepped = _buy(app, banked, products["WM-R2"])
    view = app.step(stepped["id"], "confirm")
    assert view["status"] == "step_up"
    assert view["current_step"]["key"] == "step_up"
    assert view["current_step"]["code_sent_to"] == banked.mobile[:3] + "****" + banked.mobile[-4:]
    wrong = app.submit(stepped["id"], "step_up", {"code": "000000"
                                                  if last_code(kernel, banked.mobile) != "000000"
                                                  else "111111"})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "otp_invalid"
    assert _entries(kernel) == before
    done = app.step(stepped["id"], "step_up", {"code": last_code(kernel, banked.mobile)})
    assert done["status"] == "completed"
    assert _entries(kernel) == before + 1

    risk.install_policy(kernel, Fixed(Outcome.REVIEW))
    parked = _buy(app, banked, products["WM-R2"])
    assert app.step(parked["id"], "confirm")["status"] == "in_review"
    waiting = app.submit(parked["id"], "confirm")
    assert waiting.status_code == 409
    assert waiting.json()["code"] == "journey_waiting"
    staff = {"Authorization": "Bearer " + api.post("/api/v1/auth/token", data={
        "username": "bm.hz", "password": "Correct-horse-42"}).json()["access_token"]}
    rm = {"Authorization": "Bearer " + api.post("/api/v1/auth/token", data={
        "username": "rm.xh", "password": "Correct-horse-42"}).json()["access_token"]}
    assert api.get("/api/v1/journeys/reviews", headers=rm).status_code == 403
    queue = api.get("/api/v1/journeys/reviews", headers=staff).json()
    assert [(r["instance_id"], r["reasons"]) for r in queue] == [(parked["id"],
                                                                  ["test_review"])]
    rejected = api.post(f"/api/v1/journeys/reviews/{queue[0]['id']}/reject", headers=staff,
                        json={"note": "not now"}).json()
    assert rejected["status"] == "rejected"
    assert app.get(parked["id"]).json()["status"] == "rejected"
    assert _entries(kernel) == before + 1
    twice = api.post(f"/api/v1/journeys/reviews/{queue[0]['id']}/approve", headers=staff)
    assert twice.status_code == 409
    risk.install_policy(kernel, ApproveAll())


def test_a_higher_risk_product_waits_out_its_cooling_off_period(sqlite_kernel: Kernel,
                                                                api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel, funds="20000.00")
    products = make_wealth_products(kernel)
    app = App(api, kernel, banked.mobile)
    before = _entries(kernel)
    changed_mind = _buy(app, banked, products["WM-R4"])
    view = app.step(changed_mind["id"], "confirm")
    assert view["status"] == "cooling_off"
    assert "cancel" in view["message"]
    assert app.client.post(f"/api/v1/journeys/{changed_mind['id']}/cancel",
                           headers=app.headers).json()["status"] == "cancelled"
    kept = _buy(app, banked, products["WM-R4"], amount="3000.00")
    app.step(kept["id"], "confirm")
    with kernel.db.session() as session:
        assert journeys.sweep(session).executed == 0
    assert _entries(kernel) == before
    with kernel.db.session() as session:
        report = journeys.sweep(session, at=utcnow() + timedelta(hours=25))
    assert (report.executed, report.rejected) == (1, 0)
    assert _entries(kernel) == before + 1
    assert app.get(kept["id"]).json()["status"] == "completed"
    with kernel.db.session() as session:
        account = corebank.get_account(session, SYSTEM, account_id=banked.account.id)
    assert account.balance == cny("17000.00")


def test_events_carry_the_outreach_contract(sqlite_kernel: Kernel, api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=25)
    qr = uuid.uuid4()

    class Codes:
        def describe(self, session: Session, *, qr_code_id: uuid.UUID) -> QrSource | None:
            return QrSource(qr_code_id, (uuid.UUID(banked.bank.rm_bj.id),), "spring-cd", None,
                            "campaign:spring-cd")

        def verify(self, session: Session, *, qr_code_id: uuid.UUID,
                   customer_id: uuid.UUID | None, device_id: str | None,
                   at: datetime) -> QrCheck:
            return QrCheck(self.describe(session, qr_code_id=qr_code_id))

    plugins.install(kernel, plugins.JourneyPlugins(sources=Codes()))
    app = App(api, kernel, banked.mobile)
    journey = app.started("deposit_renewal", qr_code_id=str(qr),
                          params={"deposit_id": str(deposit.id), "utm": "x"})
    assert journey["channel"] == "qr"
    assert journey["campaign_id"] == "spring-cd"
    app.step(journey["id"], "deposit", {"deposit_id": str(deposit.id)})
    app.step(journey["id"], "plan", {"option": "renew_principal", "term": deposit.term})
    app.step(journey["id"], "confirm")
    common = {"journey_id": journey["id"], "journey_key": "deposit_renewal",
              "customer_id": str(banked.customer.id), "qr_code_id": str(qr), "channel": "qr",
              "campaign_id": "spring-cd"}
    started = _events(kernel, "journey.started")
    steps = _events(kernel, "journey.step_completed")
    completed = _events(kernel, "journey.completed")
    for payload in [*started, *steps, *completed]:
        assert common.items() <= payload.items()
        assert payload["at"].endswith("+00:00")
    assert started[0]["params"] == {"deposit_id": str(deposit.id)}
    assert [s["step"] for s in steps] == ["deposit", "plan", "confirm"]
    assert completed[0]["amount"] == str(deposit.principal.amount)
    assert completed[0]["currency"] == "CNY"
    assert completed[0]["product"] == f"time:{deposit.term}"
    assert completed[0]["completed_at"]
    plugins.install(kernel, plugins.JourneyPlugins())


def test_consent_records_keep_the_exact_text_version_and_hash_with_a_pdf_receipt(
    sqlite_kernel: Kernel, api: TestClient,
) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    products = make_wealth_products(kernel)
    app = App(api, kernel, banked.mobile, language="zh-CN")
    journey = app.started("wealth_purchase")
    app.step(journey["id"], "questionnaire", {"age": "b", "experience": "c", "horizon": "c",
                                              "loss": "c", "share": "c", "goal": "c"})
    view = app.step(journey["id"], "product", {"product_id": str(products["WM-R2"]),
                                               "amount": "1000", "account_id":
                                               str(banked.account.id)})
    shown = view["current_step"]["consents"]
    assert [c["key"] for c in shown] == ["wealth_prospectus", "wealth_risk_disclosure",
                                         "wealth_sales_agreement"]
    assert "稳享90天" in shown[0]["text"]
    assert all(c["original"] is None for c in shown)  # in Chinese the text is the original
    english = App(api, kernel, banked.mobile, language="en").get(journey["id"]).json()
    translated = english["current_step"]["consents"]
    assert translated[1]["text"].startswith("Risk disclosure")
    assert translated[1]["original"].startswith("风险揭示书")
    stale = {c["key"]: c["text_sha256"] for c in shown} | {"wealth_risk_disclosure": "0" * 64}
    changed = app.submit(journey["id"], "documents", {"agree": True, "consents": stale})
    assert changed.status_code == 409
    assert changed.json()["code"] == "consent_changed"
    unticked = app.submit(journey["id"], "documents", {"agree": False, "consents": stale})
    assert unticked.json()["errors"] == [{"field": "agree", "message": "需同意后才能继续"}]
    done = app.agree(journey["id"], "documents", view)
    receipts = done["consents"]
    assert len(receipts) == 3
    with kernel.db.session() as session:
        records = list(session.scalars(select(ConsentRecord)))
    for record in records:
        assert record.text_sha256 == hashlib.sha256(record.text.encode()).hexdigest()
        assert record.customer_id == banked.customer.id
        assert record.ip == "testclient"
        assert record.locale == "zh-CN"
    assert {r.version for r in records} >= {"WM-R2-2026.1", "2026.1"}
    pdf = api.get(f"/api/v1/journeys/{journey['id']}/consents/{receipts[0]['id']}/receipt.pdf",
                  headers=app.headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"STSong-Light" in pdf.content
    other = make_banked_customer(kernel, bank=banked.bank, serial=9, mobile="13966667777",
                                 name="曾琳")
    stranger = App(api, kernel, other.mobile)
    assert api.get(f"/api/v1/journeys/{journey['id']}/consents/{receipts[0]['id']}/receipt.pdf",
                   headers=stranger.headers).status_code == 404


def test_a_renewal_into_another_term_is_made_in_the_maturity_entry(
    kernel: Kernel, client: TestClient,
) -> None:
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=10, term=Term.M3, amount="10000.00")
    app = App(client, kernel, banked.mobile)
    journey = app.started("deposit_renewal")
    app.step(journey["id"], "deposit", {"deposit_id": str(deposit.id)})
    quote = app.step(journey["id"], "plan", {"option": "renew_all", "term": "1y"})
    lines = {line["label"]: line["value"] for line in quote["current_step"]["lines"]}
    assert lines["Annual rate"] == "1.35%"
    assert app.step(journey["id"], "confirm")["status"] == "completed"
    with kernel.db.session() as session:
        set_up = corebank.get_deposit(session, SYSTEM, deposit_id=deposit.id)
        assert (set_up.instruction, set_up.renewal_term) == ("renew_all", "1y")
        assert repository.renewal_order(session, deposit.id) is None  # nothing left to do later
        report = corebank.run_maturities(session, SYSTEM, on=deposit.maturity_date)
        placed = [d for d in corebank.deposits_of_customer(
            session, SYSTEM, customer_id=banked.customer.id) if d.term == "1y"]
    amount = deposit.principal.amount + deposit.interest_at_maturity.amount
    assert [(d.principal.amount, d.start_date, d.renewed_from_id) for d in placed] == [
        (amount, deposit.maturity_date, deposit.id)]
    assert report.deposits[0].renewed_deposit_id == placed[0].id


def test_an_epidemic_deferral_within_policy_is_granted_at_once(sqlite_kernel: Kernel,
                                                               api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    loan = make_loan(kernel, banked)
    first_due = next(i.due_date for i in loan.schedule if i.status == "due")
    app = App(api, kernel, banked.mobile)
    journey = app.started("loan_application", params={"kind": "deferral"})
    app.step(journey["id"], "kind", {"kind": "deferral"})
    app.step(journey["id"], "deferral", {
        "loan_id": str(loan.id), "months": 2, "cause": "business_suspended",
        "affected_since": (today(kernel) - timedelta(days=20)).isoformat(),
        "explanation": "店铺停业两个月"})
    app.step(journey["id"], "documents", {"proof": file(selfie(), name="notice.jpg")})
    view = app.get(journey["id"]).json()
    assert [c["key"] for c in view["current_step"]["consents"]] == ["deferral_agreement"]
    app.agree(journey["id"], "consent", view)
    done = app.step(journey["id"], "confirm")
    assert done["status"] == "completed"
    with kernel.db.session() as session:
        deferred = corebank.get_loan(session, SYSTEM, loan_id=loan.id)
    assert deferred.deferred_months == 2
    assert next(i.due_date for i in deferred.schedule if i.status == "due") > first_due


def test_group_codes_and_mobile_changes_refuse_the_wrong_person(sqlite_kernel: Kernel,
                                                                api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    employer = make_employer(kernel, banked.bank)
    outsider = App(api, kernel, "13744445555", prospect=True)
    journey = outsider.started("payroll_card_group",
                               params={"enterprise_id": str(employer.enterprise_id)})
    refused = outsider.submit(journey["id"], "identity", {
        "name": "路人甲", "id_number": employer.employee_id_number, "mobile": "13744445555"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_on_roster"
    no_code = outsider.start("payroll_card_group")
    assert no_code.json()["code"] == "not_on_roster"

    app = App(api, kernel, banked.mobile)
    change = app.started("change_mobile")
    taken = app.submit(change["id"], "identity", {"name": banked.name,
                                                  "id_number": banked.id_number,
                                                  "new_mobile": employer.employee_mobile})
    assert taken.status_code == 200  # the employee is not a customer yet
    app.step(change["id"], "selfie", {"selfie": file(selfie())})
    wrong = app.submit(change["id"], "old_code", {"code": "12345"})
    assert wrong.json()["errors"] == [{"field": "code", "message": "enter the 6-digit code"}]
    skipped = app.submit(change["id"], "new_code", {"code": "123456"})
    assert skipped.json()["code"] == "step_out_of_order"
    nobody_else = App(api, kernel, "13844445555", prospect=True)
    assert nobody_else.start("change_mobile").json()["code"] == "customer_required"


def test_a_changed_declaration_version_outdates_open_instances(sqlite_kernel: Kernel,
                                                              api: TestClient) -> None:
    from dataclasses import replace

    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=20)
    app = App(api, kernel, banked.mobile)
    journey = app.started("deposit_renewal")
    newer = [replace(j, version=j.version + 1) if j.key == "deposit_renewal" else j
             for j in builtin_journeys()]
    plugins.install(kernel, plugins.JourneyPlugins(catalog=Catalog(newer)))
    outdated = app.submit(journey["id"], "deposit", {"deposit_id": str(deposit.id)})
    assert outdated.status_code == 410
    assert outdated.json()["code"] == "journey_outdated"
    plugins.install(kernel, plugins.JourneyPlugins())


def test_the_console_figures_count_steps_times_channels_and_codes(sqlite_kernel: Kernel,
                                                                  api: TestClient) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    # no QR-code port plugged in (the app plugs outreach's, which would refuse an unknown id)
    plugins.install(kernel, plugins.JourneyPlugins())
    qr = uuid.uuid4()
    apps = [App(api, kernel, f"1380013{n:04d}", prospect=True) for n in range(3)]
    ids = [apps[0].started("open_account_class2", qr_code_id=str(qr))["id"],
           apps[1].started("open_account_class2", qr_code_id=str(qr))["id"],
           apps[2].started("open_account_class2")["id"]]
    apps[0].step(ids[0], "identity", {"name": "赵一", "id_number": valid_id_number(77),
                                      "mobile": "13800130000"})
    with kernel.db.session() as session:
        for index, minutes in ((0, 10), (1, 4), (2, 1)):
            instance = session.get(JourneyInstance, uuid.UUID(ids[index]))
            assert instance is not None
            instance.status = "completed" if index < 2 else "cancelled"
            instance.completed_at = instance.started_at + timedelta(minutes=minutes)
    admin = {"Authorization": "Bearer " + api.post("/api/v1/auth/token", data={
        "username": "admin", "password": "Correct-horse-42"}).json()["access_token"]}
    figures = api.get("/api/v1/journeys/analytics/open_account_class2", headers=admin).json()
    assert (figures["started"], figures["completed"], figures["abandoned"]) == (3, 2, 1)
    assert figures["median_seconds"] == 420.0
    assert figures["p90_seconds"] == 600.0
    assert figures["steps_declared"] == 5
    funnel = {row["key"]: (row["entered"], row["completed"], row["dropped"])
              for row in figures["funnel"]}
    assert funnel["identity"] == (3, 1, 2)
    assert funnel["selfie"] == (1, 0, 1)
    assert {row["label"]: (row["started"], row["completed"])
            for row in figures["by_channel"]} == {"qr": (2, 2), "api": (1, 0)}
    # no QR-code port plugged in: the code is known by its id only
    assert figures["by_qr_code"] == [{"label": str(qr), "started": 2, "completed": 2,
                                      "conversion": 1.0, "name": None, "link": None}]
    rm = {"Authorization": "Bearer " + api.post("/api/v1/auth/token", data={
        "username": "rm.xh", "password": "Correct-horse-42"}).json()["access_token"]}
    # an RM reads the journeys started from the codes they own, and nothing else
    mine = api.get("/api/v1/journeys/analytics/open_account_class2", headers=rm).json()
    assert (mine["started"], mine["completed"]) == (0, 0)
    rm_id = uuid.UUID(bank.rm_xh.id)

    class Owned(NoQrSources):
        def owned_by(self, session: Session, *, staff_id: uuid.UUID) -> frozenset[uuid.UUID]:
            return frozenset({qr}) if staff_id == rm_id else frozenset()

    plugins.install(kernel, plugins.JourneyPlugins(sources=Owned()))
    mine = api.get("/api/v1/journeys/analytics/open_account_class2", headers=rm).json()
    assert (mine["started"], mine["completed"]) == (2, 2)
    assert {row["label"] for row in mine["by_channel"]} == {"qr"}
    plugins.install(kernel, plugins.JourneyPlugins())
