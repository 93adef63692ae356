"""Typed factories for marketing: a small bank with marketers, banked customers with
deposits maturing, and campaigns cloned from the playbooks and approved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from contactless.identity import service as identity
from contactless.identity.models import Role
from contactless.marketing import service as marketing
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel
from tests.factories.identity import PASSWORD, SmallBank, actor_of, make_small_bank
from tests.factories.journeys import Banked, deposit_maturing_in, make_banked_customer, today


@dataclass(frozen=True)
class MarketingBank:
    bank: SmallBank
    lead: Actor  # a marketer of head office: may approve
    marketer: Actor  # a marketer of the Hangzhou branch: makes campaigns
    customers: list[Banked]

    @property
    def manager(self) -> Actor:
        return self.bank.manager_hz


def make_marketing_bank(kernel: Kernel, *, customers: int = 4, days: int = 10,
                        amount: str = "60000.00") -> MarketingBank:
    """The small bank, two marketers, and ``customers`` customers of rm.xh, each with a
    deposit of ``amount`` maturing in ``days``."""
    bank = make_small_bank(kernel)
    with kernel.db.session() as session:
        identity.create_staff(session, SYSTEM, username="mk.hq", role=Role.MARKETER,
                              branch_code="HQ", password=PASSWORD, display_name="MK.HQ")
        identity.create_staff(session, SYSTEM, username="mk.hz", role=Role.MARKETER,
                              branch_code="HZ", password=PASSWORD, display_name="MK.HZ")
        lead, marketer = actor_of(session, "mk.hq"), actor_of(session, "mk.hz")
    banked = []
    for serial in range(1, customers + 1):
        person = make_banked_customer(kernel, funds="100000.00", serial=100 + serial,
                                      mobile=f"1390000{serial:04d}", bank=bank)
        deposit_maturing_in(kernel, person, days=days, amount=amount)
        banked.append(person)
    return MarketingBank(bank, lead, marketer, banked)


def running_maturity_campaign(kernel: Kernel, mb: MarketingBank, *, holdout: int = 0,
                              days: int = 30) -> uuid.UUID:
    """The maturity playbook cloned by the branch marketer, approved by the lead, started."""
    with kernel.db.session() as session:
        draft = marketing.clone_playbook(session, mb.marketer, key="maturity_renewal")
        spec = marketing.CampaignSpec(
            name=draft.name, target={**draft.target, "days": days}, schedule=draft.schedule,
            actions=draft.actions, goal=draft.goal, holdout_percent=holdout)
        marketing.update_campaign(session, mb.marketer, campaign_id=draft.id, spec=spec)
        marketing.approve_campaign(session, mb.lead, campaign_id=draft.id)
        marketing.move_campaign(session, mb.marketer, campaign_id=draft.id, move="start")
        return draft.id


def run_day(kernel: Kernel) -> date:
    return today(kernel)
