"""Typed factories for journey tests: a bank with a customer who has money, deposits maturing
soon, wealth products and loans, a roster; selfies; the last one-time code sent."""

from __future__ import annotations

import io
import random
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.corebank.constants import (
    DepositProduct,
    MaturityInstruction,
    RepaymentMethod,
    RiskLevel,
    Term,
)
from contactless.corebank.schemas import AccountView, DepositView, LoanView
from contactless.customers import service as customers
from contactless.customers.service import CustomerView
from contactless.platform.channels import list_messages
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.factories.identity import SmallBank, make_customer, make_small_bank, valid_id_number

TELLER = Actor(kind="system", id="teller", channel="counter", display="teller")
MOBILE = "13912345678"
NAME = "林晓"
_keys = iter(range(1, 10**9))


def key(prefix: str = "t") -> str:
    return f"{prefix}-{next(_keys)}-{uuid.uuid4().hex[:8]}"


def today(kernel: Kernel) -> date:
    return utcnow().astimezone(ZoneInfo(kernel.settings.timezone)).date()


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@dataclass(frozen=True)
class Banked:
    """A small bank and one customer with a funded Class I account."""

    bank: SmallBank
    customer: CustomerView
    account: AccountView
    mobile: str
    name: str
    id_number: str

    @property
    def actor(self) -> Actor:
        return Actor(kind="customer", id=str(self.customer.id), channel="mobile")


def make_banked_customer(kernel: Kernel, *, funds: str = "50000.00", serial: int = 7,
                         mobile: str = MOBILE, name: str = NAME,
                         bank: SmallBank | None = None) -> Banked:
    bank = bank or make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh, serial=serial, mobile=mobile, name=name)
    with kernel.db.session() as session:
        account = corebank.open_account(session, TELLER, idempotency_key=key("open"),
                                        customer_id=customer.id, account_class=1)
        if Decimal(funds) > 0:
            corebank.deposit_cash(session, TELLER, idempotency_key=key("cash"),
                                  account_id=account.id, amount=cny(funds))
        account = corebank.get_account(session, TELLER, account_id=account.id)
    return Banked(bank, customer, account, mobile, name, valid_id_number(serial))


def deposit_maturing_in(kernel: Kernel, banked: Banked, *, days: int, amount: str = "20000.00",
                        term: Term = Term.M3, product: DepositProduct = DepositProduct.TIME,
                        instruction: MaturityInstruction = MaturityInstruction.PAYOUT,
                        ) -> DepositView:
    """A deposit placed in the past so that it matures ``days`` from today (negative: it has
    matured and been paid out already)."""
    start = _start_for(today(kernel), term.months, days)
    with kernel.db.session() as session:
        if product is DepositProduct.CD:
            corebank.deposit_cash(session, TELLER, idempotency_key=key("cash"),
                                  account_id=banked.account.id, amount=cny(amount), on=start)
        deposit = corebank.place_deposit(
            session, banked.actor, idempotency_key=key("dep"),
            source_account_id=banked.account.id, product=product, term=term,
            amount=cny(amount), instruction=instruction, on=start)
        if days <= 0:
            corebank.run_maturities(session, SYSTEM, on=today(kernel))
        return corebank.get_deposit(session, SYSTEM, deposit_id=deposit.id)


def _start_for(end: date, months: int, days: int) -> date:
    """The start date whose maturity (start + months) is ``end + days``."""
    target = end + timedelta(days=days)
    index = target.month - 1 - months
    year, month = target.year + index // 12, index % 12 + 1
    return date(year, month, min(target.day, 28))


def make_wealth_products(kernel: Kernel) -> dict[str, uuid.UUID]:
    """An R2 and an R4 product on sale."""
    found: dict[str, uuid.UUID] = {}
    with kernel.db.session() as session:
        for code, name, risk in (("WM-R2", "稳享90天", RiskLevel.R2),
                                 ("WM-R4", "成长精选", RiskLevel.R4)):
            product = corebank.create_wealth_product(
                session, TELLER, idempotency_key=key("wm"), code=code, name=name,
                risk_level=risk, min_purchase=cny("1000.00"), maturity_date=None,
                initial_nav=Decimal("1.0000"), nav_date=today(kernel) - timedelta(days=5))
            found[code] = product.id
    return found


def make_loan(kernel: Kernel, banked: Banked, *, principal: str = "60000.00") -> LoanView:
    with kernel.db.session() as session:
        loan = corebank.book_loan(
            session, TELLER, idempotency_key=key("loan"), customer_id=banked.customer.id,
            demand_account_id=banked.account.id, principal=cny(principal),
            annual_rate=Decimal("0.0435"), term_months=24,
            method=RepaymentMethod.EQUAL_INSTALMENT, on=today(kernel) - timedelta(days=40))
        return corebank.disburse_loan(session, TELLER, idempotency_key=key("disb"),
                                      loan_id=loan.id, on=today(kernel) - timedelta(days=40))


@dataclass(frozen=True)
class Employer:
    enterprise_id: uuid.UUID
    employee_mobile: str
    employee_name: str
    employee_id_number: str


def make_employer(kernel: Kernel, bank: SmallBank, *, serial: int = 31) -> Employer:
    mobile, name, id_number = "13711112222", "周明", valid_id_number(serial)
    with kernel.db.session() as session:
        enterprise = customers.create_enterprise(
            session, SYSTEM, name="杭州示范科技有限公司", credit_code="91330100MA2B3C4D5E",
            rm_id=uuid.UUID(bank.rm_bj.id), contact_name="王经理",
            contact_mobile="13600001111")
        customers.add_employee(session, SYSTEM, enterprise_id=enterprise.id, name=name,
                               mobile=mobile, id_number=id_number)
        customers.add_employee(session, SYSTEM, enterprise_id=enterprise.id, name="吴芳",
                               mobile="13711113333", id_number=valid_id_number(serial + 1))
        return Employer(enterprise.id, mobile, name, id_number)


def selfie(width: int = 480, height: int = 640, fmt: str = "JPEG") -> bytes:
    """A real photo-sized image (noise, so it does not compress to nothing)."""
    rng = random.Random(width * height)
    image = Image.new("RGB", (width, height))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range(width * height)])
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def last_code(kernel: Kernel, mobile: str) -> str:
    with kernel.db.session() as session:
        body = list_messages(session, kernel.cipher, to_mobile=mobile, limit=1)[0].body
    match = re.search(r"\d{6}", body)
    assert match
    return match.group(0)


def messages_to(kernel: Kernel, mobile: str) -> list[str]:
    with kernel.db.session() as session:
        return [m.body for m in list_messages(session, kernel.cipher, to_mobile=mobile)]


def in_session(kernel: Kernel, work: Any) -> Any:
    with kernel.db.session() as session:
        return work(session)


def customer_by_mobile(session: Session, mobile: str) -> uuid.UUID | None:
    found = customers.find_by_mobile(session, mobile=mobile)
    return found.id if found else None
