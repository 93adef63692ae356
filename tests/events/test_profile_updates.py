"""Profiles follow behaviour between nightly rebuilds: when compaction moves a customer's
events into the lake (app opens and page views they sent, from a device linked to them, a
posting the books reported) the customer is queued, and the next update pass moves their
behaviour figures and the tags that follow. Ingest itself queues nothing."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.events import service as events
from contactless.events.models import PendingProfile
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.events.factories import page_view
from tests.factories.corebank import TELLER, customer_actor, key, open_account
from tests.factories.identity import make_customer, make_small_bank

JOB = SYSTEM.with_channel("job")


def _customer_with_profile(kernel: Kernel, *, funds: str = "1000.00") -> uuid.UUID:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, serial=1).id
    with kernel.db.session() as session:
        open_account(session, customer, funds=funds)
    events.flush(kernel)
    with kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)
    return customer


def _queued(kernel: Kernel) -> dict[uuid.UUID, str]:
    with kernel.db.session() as session:
        return dict(session.execute(select(PendingProfile.customer_id,
                                           PendingProfile.topic)).all())


def _opens_and_views(count: int, **fields: object) -> list[dict[str, object]]:
    return [{**page_view(**fields), "type": "app.opened", "properties": {}}
            for _ in range(count)] + [page_view(**fields)]


def test_the_app_opens_a_customer_sends_move_their_profile_at_the_next_update(
        kernel: Kernel) -> None:
    customer = _customer_with_profile(kernel)
    with kernel.db.session() as session:
        before = events.profile(session, customer_id=customer)
        assert before is not None
        body = json.dumps(_opens_and_views(2, anonymous_id=None)).encode()
        assert events.ingest_body(session, customer_actor(customer), body=body).accepted == 3
    assert _queued(kernel) == {}  # ingest queues nothing: compaction does, off its path
    events.flush(kernel)
    assert _queued(kernel) == {customer: "events.behaviour"}
    with kernel.db.session() as session:
        assert events.update_pending(session).profiles == 1
    with kernel.db.session() as session:
        after = events.profile(session, customer_id=customer)
        assert after is not None
        assert (after.app_opens_30d, after.events_30d) == (2, before.events_30d + 3)
        assert after.last_seen_at is not None
        assert session.scalar(select(func.count()).select_from(PendingProfile)) == 0


def test_a_linked_devices_events_and_the_sign_in_itself_queue_the_customer(
        sqlite_kernel: Kernel) -> None:
    customer = _customer_with_profile(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        events.ingest(session, SYSTEM, events=_opens_and_views(1, anonymous_id="tablet"))
    events.flush(sqlite_kernel)
    assert _queued(sqlite_kernel) == {}  # the tablet is nobody's yet
    with sqlite_kernel.db.session() as session:
        events.link_anonymous(session, links=[("tablet", str(customer), utcnow())])
    assert _queued(sqlite_kernel) == {customer: "customer.signed_in"}
    with sqlite_kernel.db.session() as session:
        events.update_pending(session)
        found = events.profile(session, customer_id=customer)
        assert found is not None
        assert found.app_opens_30d == 1  # sent from the tablet before the sign-in
    with sqlite_kernel.db.session() as session:  # signed out, the tablet opens the app again
        events.ingest(session, SYSTEM, events=_opens_and_views(1, anonymous_id="tablet"))
    events.flush(sqlite_kernel)
    assert _queued(sqlite_kernel) == {customer: "events.behaviour"}
    with sqlite_kernel.db.session() as session:
        events.update_pending(session)
        found = events.profile(session, customer_id=customer)
        assert found is not None
        assert found.app_opens_30d == 2


def test_a_transfer_out_is_an_outflow_risk_once_its_posting_reaches_the_lake(
        kernel: Kernel) -> None:
    customer = _customer_with_profile(kernel, funds="200000.00")
    with kernel.db.session() as session:
        account = corebank.accounts_of_customer(session, TELLER, customer_id=customer)[0]
    with kernel.db.session() as session:
        corebank.send_outbound_transfer(
            session, customer_actor(customer), idempotency_key=key(),
            source_account_id=account.id, bank_code="ICBC",
            external_account="6222000011112222", amount=Money.of("60000.00", "CNY"))
    # the core event queued the customer; an update before compaction sees no posting yet
    with kernel.db.session() as session:
        events.update_pending(session)
        assert "outflow_risk" not in events.customer_tags(session, customer_id=customer)
    events.flush(kernel)  # the posting reaches the lake: the customer is queued again
    assert _queued(kernel) == {customer: "events.behaviour"}
    with kernel.db.session() as session:
        events.update_pending(session)
    with kernel.db.session() as session:
        assert "outflow_risk" in events.customer_tags(session, customer_id=customer)
        found = events.profile(session, customer_id=customer)
        assert found is not None
        assert str(found.outbound_30d) == "60000.00"
