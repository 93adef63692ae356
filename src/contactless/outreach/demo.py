"""The demo bank's outreach: every RM's codes, a group code per enterprise of the first
branches with co-owners and a roster, and 30 days of scans, sign-ins, journeys and
conversions, all through the outreach services. The same random generator gives the same
codes and counts."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.service import Role
from contactless.journeys.demo import run_journey
from contactless.journeys.plugins import use_sources
from contactless.outreach import service as outreach
from contactless.outreach.service.attribution import subscribe
from contactless.outreach.sources import OutreachQrSources
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.demo import Progress, daytime
from contactless.platform.kernel import kernel_of

DAYS = 30
PURPOSES: list[tuple[str, str, dict[str, str], str]] = [
    ("info", "客户经理名片", {"message": "您好，我是您的专属客户经理，有需要请随时联系我。"},
     "chat"),
    ("deposit_renewal", "定期存款到期转存", {"product": "CD-3Y"}, "sms"),
    ("wealth_purchase", "稳健理财新品认购", {"product": "WM-90D"}, "poster"),
    ("open_account_class2", "春季线上开户活动", {"product": "CLASS2"}, "campaign:spring2026"),
]
# purposes whose journeys the demo runs for real (the others are recorded as started and
# completed: opening accounts needs documents the demo does not have, purchases move money
# that the books' history must not see in the past)
REAL_JOURNEYS = frozenset({"deposit_renewal"})
AMOUNTS = (Decimal("10000.00"), Decimal("50000.00"), Decimal("100000.00"), Decimal("200000.00"))
AGENTS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MicroMessenger/8.0.50",
          "Mozilla/5.0 (Linux; Android 15; HarmonyOS) AlipayClient/10.6",
          "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36")


def _rm_actors(session: Session) -> list[Actor]:
    paths = {b.id: b.path for b in identity.list_branches(session, SYSTEM)}
    return [Actor(kind="staff", id=str(rm.id), role=Role.RM.value,
                  branch_path=paths.get(rm.branch_id, "/"), channel="demo",
                  display=rm.display_name)
            for rm in sorted(identity.list_rms(session), key=lambda r: str(r.id))]


def seed_outreach(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                  today: date, progress: Progress) -> dict[str, int]:
    """Codes for every RM, group codes with rosters, and 30 days of activity."""
    # listen to the journeys' events as the app does: journeys run later in the build are
    # credited by last touch like any other
    subscribe(kernel_of(session).bus)
    use_sources(kernel_of(session), OutreachQrSources())
    rms = _rm_actors(session)
    if not rms or not customer_ids:
        return {"codes": 0, "scans": 0, "conversions": 0}
    start = datetime.combine(today - timedelta(days=DAYS + 5), time(0, 0), UTC)
    # valid 90 days past the later of the demo's day and the real one, so the codes open
    ends = datetime.combine(max(today, utcnow().date()) + timedelta(days=90), time(0, 0), UTC)
    codes: list[outreach.CodeView] = []
    for number, rm in enumerate(rms):
        for purpose, title, params, channel in rng.sample(PURPOSES, 2):
            codes.append(outreach.create_code(
                session, rm, purpose=purpose, title=title, params=params, channel=channel,
                not_before=start, expires_at=ends))
        progress("outreach codes", number + 1, len(rms))
    codes += _group_codes(session, rms, rng, start, ends)
    scans = conversions = 0
    journey = 0
    pool = list(customer_ids)
    for index, code in enumerate(codes):
        token = code.path.removeprefix("/q/")
        audience = rng.sample(pool, min(len(pool), 12))
        for offset in range(DAYS, 0, -1):
            day = today - timedelta(days=offset - 1)
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                at = daytime(rng, day)
                person = rng.choice(audience) if rng.random() < 0.55 else None
                device = f"demo-{rng.getrandbits(64):016x}"
                outcome = outreach.resolve_scan(
                    session, token=token, device_id=device, user_agent=rng.choice(AGENTS),
                    ip=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    customer_id=person if not code.roster_restricted else None, at=at)
                scans += 1
                if (person is None or outcome.result != "accepted" or code.purpose == "info"
                        or rng.random() > 0.45):
                    continue
                started, converted = _journey_after_scan(session, rng, code, person, at)
                journey += started
                conversions += converted
        if code.roster_restricted:
            signed_up = _employees_sign_up(session, rng, code, today)
            scans += signed_up[0]
            journey += signed_up[1]
            conversions += signed_up[2]
        _forged(session, rng, token, today)
        progress("outreach scans", index + 1, len(codes))
    return {"codes": len(codes), "scans": scans, "journeys": journey,
            "conversions": conversions}


def _journey_after_scan(session: Session, rng: random.Random, code: outreach.CodeView,
                        person: uuid.UUID, at: datetime) -> tuple[int, int]:
    """The scanning customer goes on to the code's journey: (journeys started, conversions)."""
    if code.purpose in REAL_JOURNEYS:
        # the real journey from the code's landing page; its events credit the code
        view = run_journey(session, rng, customers.customer_actor(person),
                           code.purpose, at + timedelta(minutes=2),
                           params=code.params, qr_code_id=code.id,
                           give_up_after=rng.choice((None, None, 1)))
        return int(view is not None), 0
    journey_id = str(uuid.UUID(int=rng.getrandbits(128)))
    outreach.record_journey_started(session, journey_id=journey_id,
                                    customer_id=person, journey_key=code.purpose,
                                    started_at=at + timedelta(minutes=2))
    if rng.random() >= 0.6:
        return 1, 0
    done = outreach.credit_conversion(
        session, journey_id=journey_id, customer_id=person,
        amount=rng.choice(AMOUNTS), product=code.params.get("product", ""),
        completed_at=at + timedelta(minutes=rng.randint(5, 40)),
        journey_key=code.purpose)
    return 1, int(done is not None)


def _employees_sign_up(session: Session, rng: random.Random, code: outreach.CodeView,
                       today: date) -> tuple[int, int, int]:
    """Employees on a group code's roster who bank with us scan it, sign in on the same phone
    (which completes the pending scan) and most open their payroll card: (scans, journeys,
    conversions)."""
    assert code.enterprise_id is not None  # noqa: S101 - roster codes belong to an enterprise
    token = code.path.removeprefix("/q/")
    scans = journeys = conversions = 0
    for employee in customers.roster(session, enterprise_id=code.enterprise_id):
        if employee.customer_id is None or rng.random() > 0.75:
            continue
        at = daytime(rng, today - timedelta(days=rng.randint(0, DAYS - 1)))
        device = f"demo-{rng.getrandbits(64):016x}"
        agent = rng.choice(AGENTS)
        ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        outreach.resolve_scan(session, token=token, device_id=device, user_agent=agent, ip=ip,
                              at=at)
        outcome = outreach.resolve_scan(session, token=token, device_id=device,
                                        user_agent=agent, ip=ip,
                                        customer_id=employee.customer_id,
                                        at=at + timedelta(minutes=1))
        scans += 1
        if outcome.result != "accepted" or rng.random() > 0.8:
            continue
        journey_id = str(uuid.UUID(int=rng.getrandbits(128)))
        journeys += 1
        outreach.record_journey_started(session, journey_id=journey_id,
                                        customer_id=employee.customer_id,
                                        journey_key=code.purpose,
                                        started_at=at + timedelta(minutes=2))
        if rng.random() < 0.85:
            done = outreach.credit_conversion(
                session, journey_id=journey_id, customer_id=employee.customer_id,
                amount=Decimal("0.00"), product="PAYROLL",
                completed_at=at + timedelta(minutes=rng.randint(5, 40)),
                journey_key=code.purpose)
            conversions += done is not None
    return scans, journeys, conversions


def _forged(session: Session, rng: random.Random, token: str, today: date) -> None:
    """A few damaged links, so the console shows rejected scans too."""
    if rng.random() < 0.3:
        outreach.resolve_scan(session, token=token[:-3] + "xyz", device_id="demo-forged",
                              at=daytime(rng, today - timedelta(days=rng.randint(0, DAYS - 1))))


def _group_codes(session: Session, rms: list[Actor], rng: random.Random, start: datetime,
                 ends: datetime) -> list[outreach.CodeView]:
    """Payroll-card group codes (团办二维码) for three enterprises, owned by two RMs 60/40."""
    made: list[outreach.CodeView] = []
    by_id = {rm.id: rm for rm in rms}
    def banked_staff(enterprise_id: uuid.UUID) -> int:
        return sum(e.customer_id is not None
                   for e in customers.roster(session, enterprise_id=enterprise_id))

    # the three whose staff bank with us most (stable, so a seed gives the same choice)
    chosen = sorted(customers.list_enterprises(session), key=lambda e: -banked_staff(e.id))[:3]
    for enterprise in chosen:
        owner = by_id.get(str(enterprise.rm_id)) or rms[0]
        partner = rng.choice([rm for rm in rms if rm.id != owner.id] or rms)
        code = outreach.create_code(
            session, owner, purpose="payroll_card_group", title=f"{enterprise.name} 代发工资卡",
            channel="poster", enterprise_id=enterprise.id, roster_restricted=True,
            not_before=start, expires_at=ends)
        outreach.import_enterprise_roster(session, owner, code_id=code.id)
        if partner.id != owner.id:
            outreach.invite_owner(session, owner, code_id=code.id, staff_id=uuid.UUID(partner.id))
            outreach.respond_to_invitation(session, partner, code_id=code.id, accept=True)
            outreach.set_shares(session, owner, code_id=code.id, shares={
                uuid.UUID(owner.id): "60", uuid.UUID(partner.id): "40"})
        made.append(outreach.get_code(session, owner, code_id=code.id))
    return made

