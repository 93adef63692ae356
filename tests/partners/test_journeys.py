"""Embedded journeys: a partner starts one of its products for a consenting customer, the
customer finishes it in /m under the partner's name and logo, the partner follows it and its
end is published for the partner; every way to get it wrong is refused and changes nothing."""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from contactless.journeys import service as journeys
from contactless.journeys.models import JourneyInstance
from contactless.outreach import service as outreach
from contactless.outreach.models import QrConversion
from contactless.partners import service as partners
from contactless.partners.models import PartnerJourney
from contactless.partners.service.journeys import on_journey_finished
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.events import DomainEvent, OutboxEvent
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from contactless.risk import manage as risk_lists
from contactless.risk import service as risk
from contactless.risk.models import RiskDecision
from tests.factories.journeys import Banked, make_banked_customer
from tests.factories.partners import (
    PartnerHttp,
    active_partner,
    granted_consent,
    sign_in,
)

JOURNEYS = "/open/v1/journeys"


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class Setting:
    partner: PartnerHttp
    partner_id: uuid.UUID
    banked: Banked
    consent_id: str
    token: str


@pytest.fixture
def setting(kernel: Kernel, client: TestClient) -> Setting:
    partners.subscribe_journeys(kernel.bus)
    banked = make_banked_customer(kernel, funds="30000.00")
    view, issued = active_partner(kernel, banked.bank)
    with kernel.db.session() as session:
        partners.update_partner(session, banked.bank.admin, partner_id=view.id,
                                allowed_products=["time_deposit_open", "wealth_purchase"],
                                logo=_png())
    partner = PartnerHttp(client, issued)
    token = partner.token()
    consent = granted_consent(kernel, partner, banked.customer.id, token=token)
    return Setting(partner, view.id, banked, consent, token)


def _start(setting: Setting, **body: Any) -> Any:
    body = {"consent_id": setting.consent_id, "product": "time_deposit_open",
            "channel_code": "app-home-banner"} | body
    return setting.partner.call("POST", JOURNEYS, json_body=body, token=setting.token,
                                key=body.pop("key", None))


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def _finish(kernel: Kernel, banked: Banked, journey_id: uuid.UUID) -> None:
    """The customer goes through the time-deposit journey to the end."""
    actor = Actor(kind="customer", id=str(banked.customer.id), channel="mobile")
    answers = {"product": {"product": "time"},
               "amount": {"term": "1y", "amount": "8800.00",
                          "account_id": str(banked.account.id), "instruction": "payout"}}
    with kernel.db.session() as session:
        view = journeys.get_journey(session, actor, journey_id=journey_id,
                                    translator=Translator("en"))
    while view.status == "active" and view.current_step is not None:
        step = view.current_step
        data = answers.get(step.key, {})
        if step.kind == "consent":
            data = {"agree": True, "consents": {c.key: c.text_sha256 for c in step.consents}}
        with kernel.db.session() as session:
            view = journeys.submit_step(session, actor, journey_id=view.id, step=step.key,
                                        data=data, idempotency_key=str(uuid.uuid4()),
                                        translator=Translator("en"))
    assert view.status == "completed"


def test_a_partner_starts_a_journey_its_customer_finishes_under_its_name_and_logo(
        kernel: Kernel, client: TestClient, setting: Setting) -> None:
    started = _start(setting)
    assert started.status_code == 201, started.text
    journey = started.json()
    assert journey["url"] == f"/m/journeys/{journey['id']}"
    assert (journey["channel"], journey["channel_code"]) == ("partner", "app-home-banner")
    assert (journey["product"], journey["status"]) == ("time_deposit_open", "active")
    assert journey["current_step"] == journey["steps"][0]["key"]

    # the customer opens the link: sign-in first, then the journey with the partner's brand
    assert client.get(journey["url"]).status_code == 303
    sign_in(kernel, client, setting.banked.customer.id)
    page = client.get(journey["url"])
    assert page.status_code == 200
    assert "仁心医院平台" in page.text
    assert 'data-testid="partner-logo"' in page.text
    logo = page.text.split('data-testid="journey-partner"')[1].split('src="')[1].split('"')[0]
    image = client.get(logo.replace("&amp;", "&"))
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    assert image.content.startswith(b"\x89PNG")

    _finish(kernel, setting.banked, uuid.UUID(journey["id"]))
    status = setting.partner.call("GET", f"{JOURNEYS}/{journey['id']}", token=setting.token)
    assert status.status_code == 200, status.text
    assert (status.json()["status"], status.json()["amount"]) == ("completed", "8800.00")
    with kernel.db.session() as session:
        row = session.scalar(select(PartnerJourney))
        completed = session.scalars(select(OutboxEvent).where(
            OutboxEvent.topic == "journey.completed")).all()
        instance = session.get(JourneyInstance, uuid.UUID(journey["id"]))
    assert row is not None
    assert (row.status, row.finished_at is not None) == ("completed", True)
    assert instance is not None
    assert instance.source_partner_id == setting.partner_id
    # what the partner's webhooks read: the journey's own event names the partner
    assert [(e.payload["journey_id"], e.payload["partner_id"], e.payload["channel"])
            for e in completed] == [(journey["id"], str(setting.partner_id), "partner")]


def test_a_partners_journey_is_the_partners_conversion_not_a_codes(
        kernel: Kernel, setting: Setting) -> None:
    outreach.subscribe(kernel.bus)
    journey = _start(setting).json()
    _finish(kernel, setting.banked, uuid.UUID(journey["id"]))
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(QrConversion)) == 0
        again = session.scalars(select(OutboxEvent).where(
            OutboxEvent.topic == "journey.completed")).one()
    # a replayed completion changes nothing of the partner's record
    with kernel.db.session() as session:
        before = session.scalars(select(PartnerJourney)).one().finished_at
        on_journey_finished(session, _event(again))
    with kernel.db.session() as session:
        row = session.scalars(select(PartnerJourney)).one()
    assert (row.status, row.finished_at) == ("completed", before)


def _event(row: OutboxEvent) -> DomainEvent:
    return DomainEvent(row.id, row.topic, dict(row.payload), row.created_at)


def test_a_retry_with_the_same_key_gets_the_same_journey_and_another_body_is_refused(
        kernel: Kernel, setting: Setting) -> None:
    first = _start(setting, key="retry-1")
    again = _start(setting, key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    _problem(_start(setting, key="retry-1", channel_code="other"), 409,
             "idempotency_key_conflict")
    _problem(setting.partner.call("POST", JOURNEYS, token=setting.token, key="", json_body={
        "consent_id": setting.consent_id, "product": "time_deposit_open"}), 400,
        "idempotency_key_required")
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(JourneyInstance)) == 1


def test_what_the_partner_may_not_start_is_refused_and_nothing_starts(
        kernel: Kernel, client: TestClient, setting: Setting) -> None:
    _problem(_start(setting, product="loan_application"), 403, "product_not_allowed")
    _problem(_start(setting, consent_id=str(uuid.uuid4())), 404, "consent_not_found")
    _problem(_start(setting, colour="red"), 422, "request_invalid")
    _problem(_start(setting, channel_code="no spaces"), 422, "request_invalid")
    narrow = granted_consent(kernel, setting.partner, setting.banked.customer.id,
                             scopes=("balances:read",), token=setting.token)
    _problem(_start(setting, consent_id=narrow), 403, "consent_scope_missing")
    reader = setting.partner.token("balances:read consents:write")
    _problem(setting.partner.call("POST", JOURNEYS, token=reader, json_body={
        "consent_id": setting.consent_id, "product": "time_deposit_open"}), 403,
        "scope_not_granted")
    with kernel.db.session() as session:
        partners.revoke_consent(session, Actor(kind="customer",
                                               id=str(setting.banked.customer.id)),
                                consent_id=uuid.UUID(setting.consent_id))
    _problem(_start(setting), 403, "consent_revoked")
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(JourneyInstance)) == 0
        assert session.scalar(select(func.count()).select_from(PartnerJourney)) == 0


def test_a_partner_follows_only_its_own_journeys_while_the_consent_stands(
        kernel: Kernel, client: TestClient, setting: Setting) -> None:
    journey = _start(setting).json()
    target = f"{JOURNEYS}/{journey['id']}"
    _, other = active_partner(kernel, setting.banked.bank, name="学而教育",
                              checker=second_admin_again(kernel))
    stranger = PartnerHttp(client, other)
    _problem(stranger.call("GET", target, token=stranger.token()), 404,
             "partner_journey_not_found")
    _problem(setting.partner.call("GET", f"{JOURNEYS}/{uuid.uuid4()}", token=setting.token),
             404, "partner_journey_not_found")
    assert setting.partner.call("GET", target, token=setting.token).status_code == 200
    with kernel.db.session() as session:
        partners.revoke_consent(session, Actor(kind="customer",
                                               id=str(setting.banked.customer.id)),
                                consent_id=uuid.UUID(setting.consent_id))
    _problem(setting.partner.call("GET", target, token=setting.token), 403, "consent_revoked")


def second_admin_again(kernel: Kernel) -> Actor:
    """The second admin the fixture's partner was approved by."""
    from tests.factories.identity import actor_of
    with kernel.db.session() as session:
        return actor_of(session, "admin2")


def test_a_logo_must_be_a_small_real_image(kernel: Kernel, setting: Setting) -> None:
    from contactless.partners.errors import InvalidPartnerSetting
    fake = "data:image/png;base64," + base64.b64encode(b"not a png at all").decode()
    for logo in (fake, "https://partner.example/logo.png", "data:image/svg+xml;base64,PHN2Zz4=",
                 "data:image/png;base64," + "A" * 100_000):
        with kernel.db.session() as session, pytest.raises(InvalidPartnerSetting):
            partners.update_partner(session, setting.banked.bank.admin,
                                    partner_id=setting.partner_id, logo=logo)
    with kernel.db.session() as session:
        view = partners.update_partner(session, setting.banked.bank.admin,
                                       partner_id=setting.partner_id, logo="")
    assert view.logo_url is None


def test_a_preset_any_journey_would_refuse_is_refused_for_every_product(
        client: TestClient, setting: Setting) -> None:
    """The document lists each preset the catalog's journeys read with its type; a value of
    the wrong type is refused whichever product it comes with, and nothing starts."""
    document = client.get("/open/v1/openapi.json").json()
    params = document["components"]["schemas"]["PartnerJourneyStart"]["properties"]["params"]
    assert params["properties"]["product_id"] == {"type": "string", "format": "uuid",
                                                  "maxLength": 200}
    assert params["properties"]["term"]["enum"] == ["3m", "6m", "1y", "2y", "3y", "5y"]
    for product in ("wealth_purchase", "time_deposit_open"):
        _problem(_start(setting, product=product, params={"product_id": "not-a-uuid"}), 422,
                 "step_invalid")
    assert _start(setting, params={"term": "1y", "product_id": str(uuid.uuid4())}
                  ).status_code == 201


def test_risk_control_decides_each_start_and_a_listed_partner_is_stopped(
        kernel: Kernel, setting: Setting) -> None:
    started = _start(setting, key="risk-start-1")
    assert started.status_code == 201, started.text
    with kernel.db.session() as session:
        risk_lists.add_entry(session, SYSTEM, which="block", subject="payee",
                             value=f"partner:{setting.partner_id}",
                             reason="partner under review", expires_at=None)
    stopped = _start(setting, product="wealth_purchase", key="risk-start-2")
    _problem(stopped, 403, "risk_blocked")
    risk.flush(kernel)
    with kernel.db.session() as session:
        decisions = session.scalars(select(RiskDecision).where(
            RiskDecision.kind == "partner_journey_start").order_by(RiskDecision.at)).all()
        started_journeys = session.scalar(select(func.count()).select_from(PartnerJourney))
    assert [decision.outcome for decision in decisions] == ["approve", "block"]
    assert {decision.channel for decision in decisions} == {"partner"}
    assert decisions[0].payee == f"partner:{setting.partner_id}"
    assert started_journeys == 1  # the stopped start made nothing
