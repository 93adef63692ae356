"""The demo bank's outreach: every RM's codes, a group code per enterprise of the first
branches with co-owners and a roster, and 30 days of scans and sign-ins, all through the
outreach services. Conversions come only from real journeys started from the codes' landing
pages (renewals on the day of the scan, wealth purchases today), credited by the same events
as in the bank: no conversion without its business outcome in the books. The same random
generator gives the same codes and counts."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.schemas import DepositView
from contactless.customers import service as customers
from contactless.identity import service as identity
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
    ("wealth_purchase", "稳健理财新品认购", {"product": "WM-R2-90D"}, "poster"),
    ("open_account_class2", "春季线上开户活动", {"product": "CLASS2"}, "campaign:spring2026"),
]
# a customer who renewed through a code comes back to change the term only now and then
CHANGE_OF_MIND = 0.1
AGENTS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MicroMessenger/8.0.50",
          "Mozilla/5.0 (Linux; Android 15; HarmonyOS) AlipayClient/10.6",
          "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36")


def seed_outreach(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                  today: date, progress: Progress) -> dict[str, int]:
    """Codes for every RM, group codes with rosters, and 30 days of activity."""
    # listen to the journeys' events as the app does: journeys run later in the build are
    # credited by last touch like any other
    subscribe(kernel_of(session).bus)
    use_sources(kernel_of(session), OutreachQrSources())
    rms = identity.rm_actors(session, channel="demo")
    if not rms or not customer_ids:
        return {"codes": 0, "scans": 0, "conversions": 0}
    start = datetime.combine(today - timedelta(days=DAYS + 5), time(0, 0), UTC)
    # valid 90 days past the later of the demo's day and the real one, so the codes open
    ends = datetime.combine(max(today, utcnow().date()) + timedelta(days=90), time(0, 0), UTC)
    codes = _rm_codes(session, rms, rng, start, ends, progress)
    codes += _group_codes(session, rms, rng, start, ends)
    scans = conversions = 0
    journey = 0
    pool = list(customer_ids)
    # whose deposits fall due within the month around today: who renewal codes go to
    maturing = {person: customers.get_customer(session, SYSTEM, customer_id=person).primary_rm_id
                for person in pool
                if any(today - timedelta(days=DAYS - 5) <= d.maturity_date
                       <= today + timedelta(days=DAYS)
                       for d in corebank.deposits_of_customer(session, SYSTEM,
                                                              customer_id=person))}
    renewed: dict[uuid.UUID, int] = {}  # customer -> renewal journeys completed
    buyers: dict[uuid.UUID, uuid.UUID] = {}  # customer -> the wealth code they scanned last
    for index, code in enumerate(codes):
        token = code.path.removeprefix("/q/")
        scans += _daily_scans(session, rng, code, rng.sample(pool, min(len(pool), 12)), buyers,
                              today)
        if code.purpose == "deposit_renewal":
            # the RM's own customers whose deposits fall due around now get the code
            mine = [person for person in maturing if maturing[person] == code.created_by]
            done, started = _renewals(session, rng, code, mine, renewed, today)
            conversions += done
            journey += started
            scans += started
        if code.roster_restricted:
            scans += _employees_sign_up(session, rng, code, today)
        _forged(session, rng, token, today)
        progress("outreach scans", index + 1, len(codes))
    journey += _purchases_today(session, rng, buyers, today)
    return {"codes": len(codes), "scans": scans, "journeys": journey,
            "renewals": conversions}


def _rm_codes(session: Session, rms: list[Actor], rng: random.Random, start: datetime,
              ends: datetime, progress: Progress) -> list[outreach.CodeView]:
    """Two codes per RM: every RM reminds their customers of maturing deposits with a renewal
    code, and has one other."""
    renewal = next(p for p in PURPOSES if p[0] == "deposit_renewal")
    others = [p for p in PURPOSES if p is not renewal]
    codes: list[outreach.CodeView] = []
    for number, rm in enumerate(rms):
        for purpose, title, params, channel in [renewal, rng.choice(others)]:
            codes.append(outreach.create_code(
                session, rm, purpose=purpose, title=title, params=params, channel=channel,
                not_before=start, expires_at=ends))
        progress("outreach codes", number + 1, len(rms))
    return codes


def _daily_scans(session: Session, rng: random.Random, code: outreach.CodeView,
                 audience: list[uuid.UUID], buyers: dict[uuid.UUID, uuid.UUID],
                 today: date) -> int:
    """30 days of scans of the code, some by customers of its audience; those who scan a
    wealth code may buy later (``buyers``). Returns the scans."""
    token = code.path.removeprefix("/q/")
    scans = 0
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
            if (person is not None and outcome.result == "accepted"
                    and code.purpose == "wealth_purchase" and rng.random() < 0.45):
                buyers[person] = code.id
    return scans


def _renewals(session: Session, rng: random.Random, code: outreach.CodeView,
              audience: list[uuid.UUID], renewed: dict[uuid.UUID, int],
              today: date) -> tuple[int, int]:
    """The RM sends the renewal code to customers a few days before their next deposit falls
    due; some scan it then and renew through the real journey from its landing page (its
    events credit the code). Returns (renewals completed, journeys started)."""
    token = code.path.removeprefix("/q/")
    done = started = 0
    first = today - timedelta(days=DAYS - 1)
    for person in audience:
        deposit = _next_maturity(session, person, first)
        if deposit is None or rng.random() > 0.85 or not _comes_to_renew(rng, renewed, person):
            continue
        lead = timedelta(days=rng.randint(3, 20))
        at = daytime(rng, max(first, min(today, deposit.maturity_date - lead)))
        if at.date() >= deposit.maturity_date:
            continue
        outcome = outreach.resolve_scan(
            session, token=token, device_id=f"demo-{rng.getrandbits(64):016x}",
            user_agent=rng.choice(AGENTS), ip=f"10.{rng.randint(0, 255)}.0.{rng.randint(1, 254)}",
            customer_id=person, at=at)
        if outcome.result != "accepted":
            continue
        view = run_journey(session, rng, customers.customer_actor(person), code.purpose,
                           at + timedelta(minutes=2),
                           params={**code.params, "deposit_id": str(deposit.id)},
                           qr_code_id=code.id, give_up_after=rng.choice((None, None, None, 1)))
        started += view is not None
        if view is not None and view.status == "completed":
            renewed[person] = renewed.get(person, 0) + 1
            done += 1
    return done, started


def _next_maturity(session: Session, person: uuid.UUID, after: date) -> DepositView | None:
    """The customer's deposit maturing next after ``after`` (what a renewal code is about)."""
    deposits = sorted((d for d in corebank.deposits_of_customer(session, SYSTEM,
                                                                customer_id=person)
                       if d.maturity_date > after + timedelta(days=1)),
                      key=lambda d: (d.maturity_date, str(d.id)))
    return deposits[0] if deposits else None


def _comes_to_renew(rng: random.Random, renewed: dict[uuid.UUID, int],
                    person: uuid.UUID) -> bool:
    """A customer renews a deposit once; now and then one comes back once more to choose
    another term (the same conversion, changed), never a third time."""
    times = renewed.get(person, 0)
    return times == 0 or (times == 1 and rng.random() < CHANGE_OF_MIND)


def _purchases_today(session: Session, rng: random.Random,
                     buyers: dict[uuid.UUID, uuid.UUID], today: date) -> int:
    """Some who scanned a wealth code in the last 30 days buy today, once each, through the
    real journey from that code (purchases move money, so they happen after the books'
    history; the orders settle at the next NAV)."""
    started = 0
    for person, code_id in sorted(buyers.items(), key=lambda item: str(item[0])):
        if rng.random() > 0.5:
            continue
        view = run_journey(session, rng, customers.customer_actor(person), "wealth_purchase",
                           daytime(rng, today), qr_code_id=code_id,
                           give_up_after=rng.choice((None, None, 1)))
        started += view is not None
    return started


def _employees_sign_up(session: Session, rng: random.Random, code: outreach.CodeView,
                       today: date) -> int:
    """Employees on a group code's roster who bank with us scan it and sign in on the same
    phone, which completes the pending scan (opening the payroll card itself needs a selfie
    the demo does not have). Returns the scans."""
    assert code.enterprise_id is not None  # noqa: S101 - roster codes belong to an enterprise
    token = code.path.removeprefix("/q/")
    scans = 0
    for employee in customers.roster(session, enterprise_id=code.enterprise_id):
        if employee.customer_id is None or rng.random() > 0.75:
            continue
        at = daytime(rng, today - timedelta(days=rng.randint(0, DAYS - 1)))
        device = f"demo-{rng.getrandbits(64):016x}"
        agent = rng.choice(AGENTS)
        ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        outreach.resolve_scan(session, token=token, device_id=device, user_agent=agent, ip=ip,
                              at=at)
        outreach.resolve_scan(session, token=token, device_id=device, user_agent=agent, ip=ip,
                              customer_id=employee.customer_id, at=at + timedelta(minutes=1))
        scans += 1
    return scans


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

