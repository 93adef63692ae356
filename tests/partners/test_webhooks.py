"""Webhooks to partners: a receiver that is down for a while gets every event exactly once
per webhook-id once it is back, each signed as Standard Webhooks says; the delivery log shows
every retry; after 24 hours a delivery gives up, and a replay from the console sends it again.
The bank's clock is moved (``travel_to``) instead of sleeping through the backoff."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from contactless.app import register_jobs
from contactless.customers import service as customers
from contactless.partners import service as partners
from contactless.partners.errors import InvalidWebhookSetting, WebhookDeliveryNotFound
from contactless.partners.models import WebhookAttempt, WebhookDelivery
from contactless.partners.schemas import WEBHOOK_EVENTS, PartnerView
from contactless.partners.service import PartnerCaller
from contactless.partners.service.delivery import backoff, sign
from contactless.platform.audit import AuditEntry
from contactless.platform.clock import now, travel_to
from contactless.platform.events import publish
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel
from tests.factories.identity import SmallBank, make_customer, make_small_bank
from tests.factories.partners import active_partner
from tests.factories.webhooks import Receiver


def _subscribed(kernel: Kernel, bank: SmallBank, receiver: Receiver) -> PartnerView:
    partner, _issued = active_partner(kernel, bank)
    with kernel.db.session() as session:
        partner = partners.update_partner(session, bank.admin, partner_id=partner.id,
                                          callback_urls=[receiver.url])
        issued = partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                       url=receiver.url, event_types=list(WEBHOOK_EVENTS))
    receiver.secret = issued.secret
    return partner


def _events(kernel: Kernel, bank: SmallBank, partner: PartnerView) -> None:
    """Three consents answered (two granted, one refused), one of them revoked, and one
    journey the partner started completed (reported twice by the bus)."""
    caller = PartnerCaller("pc_test", partner.id, partner.name, frozenset({"consents:write"}))
    for serial, approve in ((1, True), (2, True), (3, False)):
        customer = customers.customer_actor(make_customer(kernel, bank.rm_xh, serial=serial).id)
        with kernel.db.session() as session:
            asked = partners.request_consent(
                session, caller, idempotency_key=f"k{serial}", scopes=["balances:read"],
                duration_days=30, purpose="显示余额", redirect_uri=partner.callback_urls[0])
            partners.answer_consent(session, customer, consent_id=asked.id, approve=approve)
            if serial == 1:
                partners.revoke_consent(session, customer, consent_id=asked.id)
    journey = {"journey_id": str(uuid.uuid4()), "journey_key": "wealth_purchase",
               "customer_id": str(customer.id),
               "partner_id": str(partner.id), "at": now().isoformat()}
    for _ in range(2):
        with kernel.db.session() as session:
            publish(session, "journey.completed", journey)


def _job(kernel: Kernel) -> dict[str, int]:
    tasks = register_jobs(build_huey(kernel.settings, immediate=True), kernel)
    result: dict[str, int] = tasks["partners_deliver_webhooks"].call_local()
    return result


def test_backoff_doubles_from_30_seconds_to_at_most_4_hours() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=4)


def test_a_receiver_down_for_a_while_gets_every_event_once_per_id(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    receiver = Receiver()
    partner = _subscribed(kernel, bank, receiver)
    _events(kernel, bank, partner)
    with kernel.db.session() as session:
        log = partners.delivery_log(session, bank.admin, partner_id=partner.id)
    sent = {row.message_id: row.event_type for row in log}
    # granted twice, refused, revoked, the journey once however often the bus said it
    assert sorted(sent.values()) == ["consent.granted", "consent.granted", "consent.refused",
                                     "consent.revoked", "journey.completed"]
    start = now()
    with travel_to(start):  # the receiver is not even listening
        assert _job(kernel) == {"sent": 5, "delivered": 0, "retrying": 5, "failed": 0}
    with travel_to(start + timedelta(seconds=10)):  # nothing is due before its backoff
        assert _job(kernel)["sent"] == 0
    receiver.answer = 503
    receiver.start()
    try:
        with travel_to(start + timedelta(seconds=31)):
            assert _job(kernel) == {"sent": 5, "delivered": 0, "retrying": 5, "failed": 0}
        receiver.answer = 200
        receiver.fail_first = {next(iter(sent))}  # kept it, then answered 500
        with travel_to(start + timedelta(seconds=92)):
            assert _job(kernel) == {"sent": 5, "delivered": 4, "retrying": 1, "failed": 0}
        with travel_to(start + timedelta(minutes=10)):
            assert _job(kernel) == {"sent": 1, "delivered": 1, "retrying": 0, "failed": 0}
        with travel_to(start + timedelta(hours=30)):  # delivered is done: nothing again
            assert _job(kernel)["sent"] == 0
    finally:
        receiver.stop()

    assert set(receiver.kept) == set(sent)  # every event, each under its own id
    assert receiver.duplicates == 1  # the retry of the one it kept, recognised by its id
    assert all(hit.signature_ok for hit in receiver.hits)
    assert {body["type"] for body in receiver.kept.values()} == set(sent.values())
    journey_body = next(b for b in receiver.kept.values() if b["type"] == "journey.completed")
    assert journey_body["data"]["journey_key"] == "wealth_purchase"
    assert journey_body["data"]["status"] == "completed"
    with kernel.db.session() as session:
        log = partners.delivery_log(session, bank.admin, partner_id=partner.id)
    assert {row.status for row in log} == {"delivered"}
    retried = next(row for row in log if row.attempts == 4)
    assert [t.status_code for t in reversed(retried.tries)] == [None, 503, 500, 200]
    assert "ConnectError" in (retried.tries[-1].error or "")
    assert sorted(row.attempts for row in log) == [3, 3, 3, 3, 4]


def test_after_24_hours_a_delivery_fails_and_a_replay_sends_it(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    receiver = Receiver()
    partner = _subscribed(kernel, bank, receiver)
    customer = customers.customer_actor(make_customer(kernel, bank.rm_xh, serial=1).id)
    caller = PartnerCaller("pc_test", partner.id, partner.name, frozenset({"consents:write"}))
    start = now()
    with travel_to(start), kernel.db.session() as session:
        asked = partners.request_consent(
            session, caller, idempotency_key="k", scopes=["balances:read"], duration_days=30,
            purpose="显示余额", redirect_uri=receiver.url)
        partners.answer_consent(session, customer, consent_id=asked.id, approve=True)
    moment, runs = start, 0
    while moment <= start + timedelta(hours=25):  # the worker's minute ticks, coarsened
        with travel_to(moment):
            runs += _job(kernel)["sent"]
        moment += timedelta(minutes=7)
    with kernel.db.session() as session:
        (delivery,) = partners.delivery_log(session, bank.admin, partner_id=partner.id)
    assert delivery.status == "failed"
    assert delivery.attempts == runs
    assert 12 <= runs <= 20  # 30 s doubling to 4 h within a day
    last = max(t.attempted_at for t in delivery.tries)
    assert last >= delivery.give_up_at  # the final try is at the 24th hour
    assert last - start < timedelta(hours=24, minutes=8)

    receiver.start()
    try:
        with travel_to(start + timedelta(hours=26)), kernel.db.session() as session:
            replayed = partners.replay_delivery(session, bank.admin, partner_id=partner.id,
                                                delivery_id=delivery.id)
            assert replayed.status == "pending"
        with travel_to(start + timedelta(hours=26, minutes=1)):
            assert _job(kernel)["delivered"] == 1
    finally:
        receiver.stop()
    assert list(receiver.kept) == [delivery.message_id]
    with kernel.db.session() as session:
        entry = session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partner.webhook_replayed"))
        assert entry is not None
        assert entry.actor_id == bank.admin.id
        other = uuid.uuid4()
        with pytest.raises(WebhookDeliveryNotFound):
            partners.replay_delivery(session, bank.admin, partner_id=other,
                                     delivery_id=delivery.id)


def test_an_endpoint_is_a_callback_url_of_the_partner_and_its_secret_is_shown_once(
        kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    partner, _ = active_partner(kernel, bank)
    with kernel.db.session() as session:
        with pytest.raises(InvalidWebhookSetting):
            partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                  url="https://elsewhere.example/hook",
                                  event_types=["consent.revoked"])
        with pytest.raises(InvalidWebhookSetting):
            partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                  url=partner.callback_urls[0], event_types=["money.moved"])
        issued = partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                       url=partner.callback_urls[0],
                                       event_types=["consent.revoked"])
        assert issued.secret.startswith("whsec_")
        assert len(base64.b64decode(issued.secret[6:])) == 32
        stored = json.dumps([e.model_dump(mode="json") for e in partners.endpoints(
            session, bank.admin, partner_id=partner.id)])
        assert issued.secret[6:] not in stored
        with pytest.raises(InvalidWebhookSetting):  # one endpoint per URL
            partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                  url=partner.callback_urls[0],
                                  event_types=["consent.granted"])
    # the signature is the reference's: HMAC-SHA256 over id.timestamp.body, base64, "v1,"
    at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert sign(issued.secret, message_id="msg_1", timestamp=int(at.timestamp()),
                body='{"a":1}') == Webhook(issued.secret).sign("msg_1", at, '{"a":1}')


def test_only_subscribed_event_types_are_sent_and_a_disabled_endpoint_gets_nothing_new(
        kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    partner, _ = active_partner(kernel, bank)
    with kernel.db.session() as session:
        endpoint = partners.add_endpoint(session, bank.admin, partner_id=partner.id,
                                         url=partner.callback_urls[0],
                                         event_types=["consent.revoked"]).endpoint
    _events(kernel, bank, partner)
    with kernel.db.session() as session:
        assert [row.event_type for row in partners.delivery_log(
            session, bank.admin, partner_id=partner.id)] == ["consent.revoked"]
        partners.set_endpoint_status(session, bank.admin, partner_id=partner.id,
                                     endpoint_id=endpoint.id, active=False)
    _events_again = PartnerCaller("pc_t", partner.id, partner.name, frozenset({"consents:write"}))
    customer = customers.customer_actor(make_customer(kernel, bank.rm_xh, serial=9).id)
    with kernel.db.session() as session:
        asked = partners.request_consent(
            session, _events_again, idempotency_key="k9", scopes=["balances:read"],
            duration_days=30, purpose="显示余额", redirect_uri=partner.callback_urls[0])
        partners.answer_consent(session, customer, consent_id=asked.id, approve=True)
        partners.revoke_consent(session, customer, consent_id=asked.id)
    with kernel.db.session() as session:
        assert len(list(session.scalars(select(WebhookDelivery)))) == 1
        assert list(session.scalars(select(WebhookAttempt))) == []
