"""The demo bank's two partners: clients, consents, a webhook history with retries, and
their services in the hub, all made through the partners service."""

from __future__ import annotations

import random

from contactless.partners import service as partners
from contactless.partners.demo import seed_partners
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank


def test_the_demo_has_a_hospital_and_an_education_platform_with_history(
        sqlite_kernel: Kernel) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    ids = [make_customer(kernel, bank.rm_xh, serial=n).id for n in range(1, 11)]
    with kernel.db.session() as session:
        report = seed_partners(session, ids, random.Random(7), bank_today(kernel.settings),
                               lambda *_: None)
    assert report == {"partners": 2, "consents": 16, "hub_services": 7}
    with kernel.db.session() as session:
        rows = partners.list_partners(session, SYSTEM)
        assert {(p.scenario, p.status) for p in rows} == {("healthcare", "active"),
                                                          ("education", "active")}
        assert all(len(p.clients) == 1 for p in rows)
        first = {c.partner_name: c.status for c in partners.my_consents(
            session, Actor(kind="customer", id=str(ids[0]), channel="mobile"))}
        assert set(first.values()) == {"granted"}
        assert len(first) == 2
        for partner in rows:
            log = partners.delivery_log(session, SYSTEM, partner_id=partner.id, limit=100)
            assert {d.status for d in log} == {"delivered"}
            kinds = {d.event_type for d in log}
            assert kinds == {"consent.granted", "consent.refused", "consent.revoked"}
            retried = [d for d in log if d.attempts > 1]
            if partner.scenario == "education":  # its receiver was down at first
                assert len(retried) == len(log)
                assert all([t.status_code for t in d.tries] == [200, 503] for d in retried)
            else:
                assert retried == []
        shelves, regions = partners.browse_hub(session)
        assert [s.scenario for s in shelves] == ["government", "education", "healthcare"]
        assert regions == ["宁波", "杭州"]
