"""The demo bank's open platform: a hospital platform and an education platform, each with an
API client, a webhook endpoint, customers' consents (mostly granted, one refused, one revoked;
the printed customer has one with each), their webhook history, and their services in the
hub. Everything goes through the partners service as of moments in the last two weeks; the
partners' receivers are played by an in-process transport (the hospital's answers at once,
the education platform's was down at first, so its log shows the retries)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.orm import Session

from contactless.partners import service as partners
from contactless.partners.models import DeliveryStatus, Scenario
from contactless.partners.schemas import WEBHOOK_EVENTS, PartnerView
from contactless.partners.service import PartnerCaller
from contactless.platform import clock
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.demo import Progress, daytime

DEMO = SYSTEM.with_channel("demo")
DAYS = 14
PARTNERS: tuple[tuple[str, Scenario, str], ...] = (
    ("仁心互联网医院", Scenario.HEALTHCARE, "https://hospital.example.cn"),
    ("学而在线教育", Scenario.EDUCATION, "https://school.example.cn"),
)
SERVICES: dict[str, list[tuple[str, str, Scenario, str, list[str]]]] = {
    "仁心互联网医院": [
        ("在线问诊", "三甲医院医生图文问诊，15 分钟内回复", Scenario.HEALTHCARE, "/consult", []),
        ("预约挂号", "杭州、宁波两地 20 家医院号源", Scenario.HEALTHCARE, "/booking",
         ["杭州", "宁波"]),
        ("流感疫苗预约", "社区卫生服务中心接种点", Scenario.HEALTHCARE, "/vaccine", ["杭州"]),
        ("疫情防控信息", "本地防控政策与就医指引", Scenario.GOVERNMENT, "/epidemic", []),
    ],
    "学而在线教育": [
        ("免费公开课", "每周三晚的理财与职业公开课", Scenario.EDUCATION, "/open-class", []),
        ("少儿编程体验课", "线下体验课，家长可陪同", Scenario.EDUCATION, "/coding", ["宁波"]),
        ("学费分期说明", "学费缴纳与分期的常见问题", Scenario.EDUCATION, "/tuition", []),
    ],
}


class _Receiver:
    """A partner's webhook receiver; ``down_first`` answers 503 to a message's first try."""

    def __init__(self, *, down_first: bool) -> None:
        self.down_first = down_first
        self.seen: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        webhook_id = request.headers["webhook-id"]
        first = webhook_id not in self.seen
        self.seen.add(webhook_id)
        return httpx.Response(503 if self.down_first and first else 200)


def seed_partners(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                  today: date, progress: Progress) -> object:
    progress("partners", 0, 2)
    consents = services = 0
    for number, (name, scenario, site) in enumerate(PARTNERS):
        start = daytime(rng, today - timedelta(days=DAYS))
        with clock.travel_to(start):
            partner = _onboarded(session, name, scenario, site)
        chosen = [customer_ids[0], *rng.sample(customer_ids[1:], min(7, len(customer_ids) - 1))]
        consents += _consents(session, partner, chosen, rng, today)
        _deliver_history(session, partner, down_first=number == 1)
        with clock.travel_to(start):
            services += _services(session, partner, site, today)
        progress("partners", number + 1, 2)
    return {"partners": len(PARTNERS), "consents": consents, "hub_services": services}


def _onboarded(session: Session, name: str, scenario: Scenario, site: str) -> PartnerView:
    callback = f"{site}/bank/webhooks"
    partner = partners.register_partner(session, DEMO, name=name, scenario=scenario,
                                         allowed_products=[],
                                         callback_urls=[f"{site}/bank/callback", callback])
    partners.decide_partner(session, DEMO, partner_id=partner.id, approve=True,
                            note="demo bank")
    partners.issue_client(session, DEMO, partner_id=partner.id,
                          allowed_scopes=["consents:write", "accounts:read", "balances:read",
                                          "products:read"], ip_allowlist=[])
    partners.add_endpoint(session, DEMO, partner_id=partner.id, url=callback,
                          event_types=list(WEBHOOK_EVENTS))
    return partner


def _consents(session: Session, partner: PartnerView, customers: list[uuid.UUID],
              rng: random.Random, today: date) -> int:
    caller = PartnerCaller("demo", partner.id, partner.name,
                           frozenset({"consents:write"}))
    purpose = ("在线问诊缴费前显示账户余额" if partner.scenario == Scenario.HEALTHCARE
               else "缴纳学费前显示账户余额")
    for index, customer_id in enumerate(customers):
        moment = daytime(rng, today - timedelta(days=rng.randint(1, DAYS - 1)))
        customer = Actor(kind="customer", id=str(customer_id), channel="mobile")
        with clock.travel_to(moment):
            asked = partners.request_consent(
                session, caller, idempotency_key=f"demo-{index}",
                scopes=["accounts:read", "balances:read"], duration_days=90, purpose=purpose,
                redirect_uri=partner.callback_urls[0])
            partners.answer_consent(session, customer, consent_id=asked.id,
                                    approve=index != len(customers) - 1)
        if index == len(customers) - 2:  # changed their mind the next day (or an hour ago)
            with clock.travel_to(min(moment + timedelta(days=1),
                                     clock.now() - timedelta(hours=1))):
                partners.revoke_consent(session, customer, consent_id=asked.id)
    return len(customers)


def _deliver_history(session: Session, partner: PartnerView, *, down_first: bool) -> None:
    """Send the partner its webhooks as of when they were due, retrying what failed."""
    transport = httpx.MockTransport(_Receiver(down_first=down_first))
    for _ in range(3):
        for delivery in partners.delivery_log(session, DEMO, partner_id=partner.id, limit=500):
            if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at:
                with clock.travel_to(delivery.next_attempt_at + timedelta(seconds=2)):
                    partners.deliver_now(session, [delivery.id], transport)


def _services(session: Session, partner: PartnerView, site: str, today: date) -> int:
    listed = SERVICES[partner.name]
    for title, summary, scenario, path, regions in listed:
        partners.add_hub_service(session, DEMO, partner_id=partner.id, title=title,
                                 summary=summary, scenario=scenario, link=site + path,
                                 valid_from=today - timedelta(days=DAYS),
                                 valid_until=today + timedelta(days=180), regions=regions)
    return len(listed)
