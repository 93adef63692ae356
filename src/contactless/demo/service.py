"""Build a realistic synthetic bank (Faker zh_CN) through the domains' own services, so every
rule, audit entry and posting is the real one. The same seed gives the same bank."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy.orm import Session
from stdnum.cn import ric

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.models import BranchKind, Role
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow

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


def daytime(rng: random.Random, day: date) -> datetime:
    """A moment in the bank's business hours of ``day``, never later than two hours ago (so
    what the seeders make follow it, up to an hour later, is in the past too)."""
    at = datetime.combine(day, time(1, 0), UTC) + timedelta(seconds=rng.randint(0, 12 * 3600))
    return min(at, utcnow() - timedelta(hours=2))


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


Progress = Callable[[str, int, int], None]


def _quiet(_label: str, _done: int, _total: int) -> None:
    return None


def build_demo_bank(
    session: Session, *, seed: int = 7, customer_count: int = 2000, today: date,
    progress: Progress = _quiet,
) -> DemoReport:
    """Create branches, staff, customers, enterprises and rosters (and, through later
    domains' seeders, their products)."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    report = DemoReport(seed=seed)

    identity.create_branch(session, DEMO_ACTOR, code="HQ", name="总行",
                           kind=BranchKind.HEAD_OFFICE)
    for username, role in HQ_STAFF:
        identity.create_staff(session, DEMO_ACTOR, username=username, role=role,
                              branch_code="HQ", password=DEMO_PASSWORD,
                              display_name=fake.name())
        report.sign_ins.append((username, DEMO_PASSWORD, role.value, "HQ"))
    rm_ids = []
    rm_number = 0
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
                rm_number += 1
                username = f"rm{rm_number:02d}"
                view = identity.create_staff(session, DEMO_ACTOR, username=username,
                                             role=Role.RM, branch_code=sub_code,
                                             password=DEMO_PASSWORD, display_name=fake.name())
                rm_ids.append(view.id)
                report.sign_ins.append((username, DEMO_PASSWORD, Role.RM.value, sub_code))
        progress("branches and staff", rm_number, 21)

    seen_mobiles: set[str] = set()
    seen_ids: set[str] = set()

    def person() -> tuple[str, str, str]:
        while True:
            mobile = fake.phone_number()
            id_number = make_id_number(rng, today)
            if (mobile not in seen_mobiles and id_number not in seen_ids
                    and identity.MOBILE_PATTERN.fullmatch(mobile)):
                seen_mobiles.add(mobile)
                seen_ids.add(id_number)
                return fake.name(), mobile, id_number

    customer_ids = []
    people: list[tuple[str, str, str]] = []  # customers who may also work for an enterprise
    for index in range(customer_count):
        name, mobile, id_number = person()
        people.append((name, mobile, id_number))
        customer = customers.create_customer(session, DEMO_ACTOR, name=name, mobile=mobile,
                                             id_number=id_number,
                                             primary_rm_id=rng.choice(rm_ids))
        customer_ids.append(customer.id)
        if index == 0:
            report.extras["first_customer_mobile"] = mobile
        if (index + 1) % 100 == 0 or index + 1 == customer_count:
            progress("customers", index + 1, customer_count)
    report.customers = customer_count

    for number in range(30):
        company = fake.company()
        credit_code = f"91330{rng.randrange(10**11, 10**12)}" + rng.choice("0123456789ABCDEFGH")
        contact_name, contact_mobile, _ = person()
        enterprise = customers.create_enterprise(
            session, DEMO_ACTOR, name=company, credit_code=credit_code,
            rm_id=rng.choice(rm_ids), contact_name=contact_name, contact_mobile=contact_mobile,
        )
        for _ in range(rng.randint(8, 40)):
            # about a third of the staff bank with us already (payroll group codes need them)
            if people and rng.random() < 0.35:
                name, mobile, id_number = people.pop(rng.randrange(len(people)))
            else:
                name, mobile, id_number = person()
            customers.add_employee(session, DEMO_ACTOR, enterprise_id=enterprise.id, name=name,
                                   mobile=mobile, id_number=id_number)
            report.employees += 1
        progress("enterprises", number + 1, 30)
    report.enterprises = 30

    for name, seeder in SEEDERS:
        report.extras[name] = seeder(session, customer_ids, rng, today, progress)
    return report


Seeder = Callable[[Session, list[uuid.UUID], random.Random, date, Progress], object]
def _seed_books(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                today: date, progress: Progress) -> object:
    """Accounts, 6 months of history, deposits maturing over the next 90 days, wealth
    holdings and loans, all posted through the ledger so the books balance."""
    from contactless.corebank import service as corebank

    progress("books", 0, 1)
    books = corebank.seed_demo_books(session, customers=customer_ids, rng=rng, today=today)
    progress("books", 1, 1)
    return books.model_dump(mode="json")


# seeders run in this order; later domains append theirs (see the imports below)
SEEDERS: list[tuple[str, Seeder]] = [("books", _seed_books)]

# each domain's demo module appends its seeder to SEEDERS when imported
import contactless.outreach.demo  # noqa: E402,F401,I001
import contactless.journeys.demo  # noqa: E402,F401,I001  (after outreach: credited scans)
