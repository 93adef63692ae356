"""A small bank with behaviour in the lake and profiles built, for the segment routes, the
explorer and the 360° page (API, console and browser tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contactless.events import service as events
from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view
from tests.factories.corebank import open_account
from tests.factories.identity import PASSWORD, SmallBank, make_customer, make_small_bank


@dataclass(frozen=True)
class BehaviourBank:
    small: SmallBank
    people: dict[str, uuid.UUID]
    start: datetime  # when the behaviour began (two days ago)


def _event(customer: uuid.UUID, kind: str, at: datetime, **properties: object
           ) -> dict[str, object]:
    return {**page_view(anonymous_id=None, customer_id=str(customer), occurred_at=at),
            "type": kind, "properties": properties}


def make_behaviour_bank(kernel: Kernel) -> BehaviourBank:
    """wealthy (rm.xh, 800,000) viewed pages and a product, then started a journey 10
    minutes later; slow (rm.xh, 600,000) viewed the product and started 3 hours later; nb
    (rm.nb, another branch, 700,000) viewed it and never started; poor (rm.xh, 100) did
    nothing. A head-office marketer ``marketer`` is added to the staff."""
    small = make_small_bank(kernel)
    with kernel.db.session() as session:
        identity.create_staff(session, SYSTEM, username="marketer", role=Role.MARKETER,
                              branch_code="HQ", password=PASSWORD, display_name="MARKETER")
    people = {"wealthy": make_customer(kernel, small.rm_xh, serial=1, name="王富贵").id,
              "slow": make_customer(kernel, small.rm_xh, serial=2, name="赵慢").id,
              "nb": make_customer(kernel, small.rm_nb, serial=3, name="李四").id,
              "poor": make_customer(kernel, small.rm_xh, serial=4, name="钱少").id}
    funds = {"wealthy": "800000.00", "slow": "600000.00", "nb": "700000.00", "poor": "100.00"}
    with kernel.db.session() as session:
        for name, amount in funds.items():
            open_account(session, people[name], funds=amount)
    start = datetime.now(UTC) - timedelta(days=2)
    viewed = {"product_id": "TD-1Y", "product_kind": "time_deposit"}
    journey = {"journey_id": "j-1", "journey_key": "deposit_renewal"}
    batch = [_event(people["wealthy"], "page.viewed", start - timedelta(minutes=2),
                    path="/m/products", title="理财"),
             _event(people["wealthy"], "page.viewed", start - timedelta(minutes=1),
                    path="/m/products"),
             _event(people["slow"], "page.viewed", start, path="/m/me"),
             _event(people["wealthy"], "product.viewed", start, **viewed),
             _event(people["wealthy"], "journey.started", start + timedelta(minutes=10),
                    **journey),
             _event(people["slow"], "product.viewed", start, **viewed),
             _event(people["slow"], "journey.started", start + timedelta(hours=3), **journey),
             _event(people["nb"], "journey.started", start, **journey),
             _event(people["nb"], "product.viewed", start + timedelta(minutes=5), **viewed)]
    kernel.settings.events_past_seconds = 30 * 86400
    with kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=batch).accepted == len(batch)
    events.flush(kernel)
    with kernel.db.session() as session:
        events.rebuild_profiles(session, SYSTEM)
    return BehaviourBank(small, people, start)
