"""Build a realistic synthetic bank (Faker zh_CN) through the domains' own services, so every
rule, audit entry and posting is the real one. The same seed gives the same bank."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy.orm import Session
from stdnum.cn import ric

from contactless.corebank import service as corebank
from contactless.corebank.constants import RepaymentMethod
from contactless.customers import service as customers
from contactless.events import demo as events_demo
from contactless.identity import service as identity
from contactless.identity.service import BranchKind, Role
from contactless.journeys import demo as journeys_demo
from contactless.outreach import demo as outreach_demo
from contactless.outreach import service as outreach
from contactless.partners import demo as partners_demo
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.demo import Progress, Seeder
from contactless.platform.money import Money

DEMO_PASSWORD = "Demo-2026-bank"  # noqa: S105 - printed for the demo; never a production secret
DEMO_ACTOR = SYSTEM.with_channel("demo")

BRANCHES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("HZ", "杭州分行", [("HZ-XH", "西湖支行"), ("HZ-BJ", "滨江支行"), ("HZ-XS", "萧山支行")]),
    ("NB", "宁波分行", [("NB-HS", "海曙支行"), ("NB-YZ", "鄞州支行")]),
    ("WZ", "温州分行", [("WZ-LC", "鹿城支行"), ("WZ-RA", "瑞安支行")]),
]
HQ_STAFF: list[tuple[str, Role]] = [
    ("admin", Role.ADMIN), ("auditor", Role.AUDITOR), ("marketer", Role.MARKETER),
    ("risk", Role.RISK_ANALYST), ("agent", Role.AGENT),
]


# district codes the ID-number validator knows for every birth year from 1950 on
AREA_CODES = ("110101", "110105", "110108", "120101", "310101", "310104")


def make_id_number(rng: random.Random, today: date) -> str:
    """A resident ID number with a real area, birth date (age 20-75) and check digit."""
    birth = today - timedelta(days=rng.randint(20 * 365, 75 * 365))
    body = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class DemoReport:
    seed: int
    sign_ins: list[tuple[str, str, str, str]] = field(default_factory=list)
    customers: int = 0
    enterprises: int = 0
    employees: int = 0
    extras: dict[str, object] = field(default_factory=dict)


def _quiet(_label: str, _done: int, _total: int) -> None:
    return None


def build_demo_bank(
    session: Session, *, seed: int = 7, customer_count: int = 2000, today: date,
    progress: Progress = _quiet,
) -> DemoReport:
    """Create branches, staff, customers, enterprises and rosters, then run the domains'
    seeders (:data:`SEEDERS`) for their products and activity."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    report = DemoReport(seed=seed)
    rm_ids = _branches_and_staff(session, fake, report, progress)
    people = _People(fake, rng, today)
    customer_ids = _customers(session, people, rng, rm_ids, report, customer_count, progress)
    _enterprises(session, people, rng, rm_ids, report, progress)
    for name, seeder in SEEDERS:
        report.extras[name] = seeder(session, customer_ids, rng, today, progress)
    # last, so the seeded randomness of everything above stays what it was
    corebank.seed_showcase(session, customer_id=customer_ids[0], today=today)
    report.extras["showcase"] = _showcase(session, customer_ids[0], today)
    return report


def _showcase(session: Session, customer_id: uuid.UUID, today: date) -> dict[str, str]:
    """The printed customer: their mobile, the deposit falling due, and the renewal code of
    their RM to scan."""
    person = customers.get_customer(session, DEMO_ACTOR, customer_id=customer_id, unmasked=True)
    due = [d for d in corebank.deposits_of_customer(session, DEMO_ACTOR, customer_id=customer_id)
           if d.status == "active" and d.maturity_date <= today + timedelta(days=30)]
    deposit = min(due, key=lambda d: (d.instruction != "payout", d.maturity_date))
    found: dict[str, str] = {"mobile": person.mobile, "name": person.name,
                             "maturity_date": deposit.maturity_date.isoformat(),
                             "principal": str(deposit.principal.amount)}
    rm = next((s for s in identity.list_staff(session, DEMO_ACTOR)
               if s.id == person.primary_rm_id), None)
    if rm is None:
        return found
    # an RM's own codes are found by owner, whatever their branch
    actor = Actor(kind="staff", id=str(rm.id), role=rm.role, channel="demo", branch_path="/",
                  display=rm.display_name)
    code = next((c for c in outreach.list_codes(session, actor)
                 if c.purpose == "deposit_renewal" and c.created_by == rm.id), None)
    found.update({"rm_username": rm.username, "rm_name": rm.display_name})
    if code is not None:
        found["code_path"] = code.path
    return found


def _branches_and_staff(session: Session, fake: Faker, report: DemoReport,
                        progress: Progress) -> list[uuid.UUID]:
    """Head office with its staff, three branches with a manager each, and three RMs in every
    sub-branch; returns the RMs' ids."""
    identity.create_branch(session, DEMO_ACTOR, code="HQ", name="总行",
                           kind=BranchKind.HEAD_OFFICE)
    for username, role in HQ_STAFF:
        identity.create_staff(session, DEMO_ACTOR, username=username, role=role,
                              branch_code="HQ", password=DEMO_PASSWORD,
                              display_name=fake.name())
        report.sign_ins.append((username, DEMO_PASSWORD, role.value, "HQ"))
    rm_ids: list[uuid.UUID] = []
    for code, name, subs in BRANCHES:
        identity.create_branch(session, DEMO_ACTOR, code=code, name=name, kind=BranchKind.BRANCH,
                               parent_code="HQ")
        manager = f"bm.{code.lower()}"
        identity.create_staff(session, DEMO_ACTOR, username=manager, role=Role.BRANCH_MANAGER,
                              branch_code=code, password=DEMO_PASSWORD, display_name=fake.name())
        report.sign_ins.append((manager, DEMO_PASSWORD, Role.BRANCH_MANAGER.value, code))
        for sub_code, sub_name in subs:
            identity.create_branch(session, DEMO_ACTOR, code=sub_code, name=sub_name,
                                   kind=BranchKind.SUB_BRANCH, parent_code=code)
            for _ in range(3):
                username = f"rm{len(rm_ids) + 1:02d}"
                view = identity.create_staff(session, DEMO_ACTOR, username=username,
                                             role=Role.RM, branch_code=sub_code,
                                             password=DEMO_PASSWORD, display_name=fake.name())
                rm_ids.append(view.id)
                report.sign_ins.append((username, DEMO_PASSWORD, Role.RM.value, sub_code))
                _card(session, view.id, len(rm_ids), AREA_PHONES[code])
        progress("branches and staff", len(rm_ids), 21)
    return rm_ids


# the branches' switchboards: each RM's work phone is an extension there
AREA_PHONES = {"HZ": "0571-8870", "NB": "0574-8731", "WZ": "0577-8862"}


def _card(session: Session, staff_id: uuid.UUID, number: int, prefix: str) -> None:
    """An RM's card: a work phone and a WeCom "contact me" link (made up, one per RM)."""
    identity.set_contact_card(session, DEMO_ACTOR, staff_id=staff_id,
                              work_phone=f"{prefix} {1000 + number:04d}",
                              wecom_url=f"https://work.weixin.qq.com/ca/demo{number:02d}")


class _People:
    """Made-up people, each with a mobile and an ID number no one else in the bank has."""

    def __init__(self, fake: Faker, rng: random.Random, today: date) -> None:
        self.fake, self.rng, self.today = fake, rng, today
        self.mobiles: set[str] = set()
        self.id_numbers: set[str] = set()
        # customers made so far who may also work for an enterprise
        self.banked: list[tuple[str, str, str]] = []

    def new(self) -> tuple[str, str, str]:
        while True:
            mobile = self.fake.phone_number()
            id_number = make_id_number(self.rng, self.today)
            if (mobile not in self.mobiles and id_number not in self.id_numbers
                    and identity.MOBILE_PATTERN.fullmatch(mobile)):
                self.mobiles.add(mobile)
                self.id_numbers.add(id_number)
                return self.fake.name(), mobile, id_number


def _customers(session: Session, people: _People, rng: random.Random, rm_ids: list[uuid.UUID],
               report: DemoReport, count: int, progress: Progress) -> list[uuid.UUID]:
    customer_ids = []
    for index in range(count):
        name, mobile, id_number = people.new()
        people.banked.append((name, mobile, id_number))
        customer = customers.create_customer(session, DEMO_ACTOR, name=name, mobile=mobile,
                                             id_number=id_number,
                                             primary_rm_id=rng.choice(rm_ids))
        customer_ids.append(customer.id)
        if index == 0:
            report.extras["first_customer_mobile"] = mobile
        if (index + 1) % 100 == 0 or index + 1 == count:
            progress("customers", index + 1, count)
    report.customers = count
    return customer_ids


def _enterprises(session: Session, people: _People, rng: random.Random,
                 rm_ids: list[uuid.UUID], report: DemoReport, progress: Progress) -> None:
    """30 enterprises with 8-40 employees each; about a third of the staff bank with us
    already (payroll group codes need them)."""
    fake = people.fake
    banked = people.banked
    for number in range(30):
        company = fake.company()
        credit_code = f"91330{rng.randrange(10**11, 10**12)}" + rng.choice("0123456789ABCDEFGH")
        contact_name, contact_mobile, _ = people.new()
        enterprise = customers.create_enterprise(
            session, DEMO_ACTOR, name=company, credit_code=credit_code,
            rm_id=rng.choice(rm_ids), contact_name=contact_name, contact_mobile=contact_mobile,
        )
        for _ in range(rng.randint(8, 40)):
            if banked and rng.random() < 0.35:
                name, mobile, id_number = banked.pop(rng.randrange(len(banked)))
            else:
                name, mobile, id_number = people.new()
            customers.add_employee(session, DEMO_ACTOR, enterprise_id=enterprise.id, name=name,
                                   mobile=mobile, id_number=id_number)
            report.employees += 1
        progress("enterprises", number + 1, 30)
    report.enterprises = 30


def _seed_books(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                today: date, progress: Progress) -> object:
    """Accounts, 6 months of history, deposits maturing over the next 90 days, wealth
    holdings and loans, all posted through the ledger so the books balance."""
    progress("books", 0, 1)
    books = corebank.seed_demo_books(session, customers=customer_ids, rng=rng, today=today)
    progress("books", 1, 1)
    return books.model_dump(mode="json")


def _seed_approvals(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                    today: date, progress: Progress) -> object:
    """What waits for a second person on the demo's day: in each branch one RM has booked a
    loan for a customer of theirs and asked to pay it out (only their branch manager may),
    and one loan at a rate below the product's range waits to be booked."""
    progress("approvals", 0, 1)
    owners = {customers.get_customer(session, SYSTEM, customer_id=c).primary_rm_id: c
              for c in reversed(customer_ids)}
    waiting = 0
    seen: set[str] = set()
    for rm in identity.rm_actors(session, channel="console"):
        branch = (rm.branch_path or "/").strip("/").split("/")[1:2]
        customer_id = owners.get(uuid.UUID(rm.id))
        if not branch or branch[0] in seen or customer_id is None:
            continue
        demand = [a for a in corebank.accounts_of_customer(session, SYSTEM,
                                                           customer_id=customer_id)
                  if a.kind == "demand" and a.status == "active"]
        if not demand:
            continue
        seen.add(branch[0])
        principal = Money.of(str(rng.choice((80_000, 150_000, 300_000))))
        booked = corebank.book_loan(
            session, rm, idempotency_key=f"demo-loan-{rm.id}", customer_id=customer_id,
            demand_account_id=demand[0].id, principal=principal, annual_rate=Decimal("0.0435"),
            term_months=36, method=RepaymentMethod.EQUAL_INSTALMENT, on=today)
        corebank.disburse_loan(session, rm, idempotency_key=f"demo-pay-{rm.id}",
                               loan_id=booked.id, on=today)
        corebank.book_loan(
            session, rm, idempotency_key=f"demo-low-rate-{rm.id}", customer_id=customer_id,
            demand_account_id=demand[0].id, principal=Money.of("50000"),
            annual_rate=Decimal("0.0250"), term_months=12,
            method=RepaymentMethod.EQUAL_PRINCIPAL, on=today)
        waiting += 2
    progress("approvals", 1, 1)
    return {"approvals": waiting}


# the domains' seeders, in the order they run: outreach listens to the journeys' events, so
# the journeys run after it are credited to the scans before them
SEEDERS: list[tuple[str, Seeder]] = [
    ("books", _seed_books),
    ("outreach", outreach_demo.seed_outreach),
    ("journeys", journeys_demo.seed_journeys),
    ("approvals", _seed_approvals),
    ("partners", partners_demo.seed_partners),
    ("behaviour", events_demo.seed_behaviour),  # last: it draws one number from the seed
]
