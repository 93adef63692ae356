"""Typed factories for core-banking tests: customer rows inserted directly, funded accounts."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import contactless.corebank.models  # noqa: F401  (registers the ledger's tables)
from contactless.corebank import service as corebank
from contactless.corebank.schemas import AccountView
from contactless.customers.models import Customer
from contactless.identity.models import Branch, StaffUser
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from contactless.platform.security import FieldCipher

BRANCH_CODE = "CB-TEST"
TELLER = Actor(kind="staff", id="00000000-0000-4000-8000-000000000001", role="branch_manager",
               branch_path="/HQ/", channel="counter", display="teller")
JOB = Actor(kind="system", id="system", channel="job", display="system")
# a second branch manager: pays out what TELLER booked (four eyes)
CHECKER = Actor(kind="staff", id="00000000-0000-4000-8000-000000000003", role="branch_manager",
                branch_path="/HQ/", channel="console", display="checker")
# rates and products are settings: a head-office admin's (the permission table)
PRODUCT_ADMIN = Actor(kind="staff", id="00000000-0000-4000-8000-000000000002", role="admin",
                      branch_path="/HQ/", channel="console", display="product admin")
_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{next(_keys)}-{uuid.uuid4().hex[:8]}"


def customer_actor(customer_id: uuid.UUID, channel: str = "mobile") -> Actor:
    return Actor(kind="customer", id=str(customer_id), channel=channel)


def _branch_and_rm(session: Session) -> tuple[uuid.UUID, uuid.UUID]:
    branch_id = session.scalar(select(Branch.id).where(Branch.code == BRANCH_CODE))
    if branch_id is None:
        branch = Branch(id=uuid.uuid4(), code=BRANCH_CODE, name="core-bank test branch",
                        kind="branch", path=f"/{BRANCH_CODE}/")
        session.add(branch)
        session.add(StaffUser(id=uuid.uuid4(), username="cb.rm", display_name="CB RM",
                              role="rm", branch_id=branch.id, password_hash="x"))
        session.flush()
        branch_id = branch.id
    rm_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "cb.rm"))
    assert rm_id is not None
    return branch_id, rm_id


def insert_customers(session: Session, cipher: FieldCipher, count: int) -> list[uuid.UUID]:
    """``count`` customer rows with dummy encrypted PII, in the caller's transaction."""
    branch_id, rm_id = _branch_and_rm(session)
    ids: list[uuid.UUID] = []
    for _ in range(count):
        serial = uuid.uuid4().hex
        customer = Customer(
            id=uuid.uuid4(),
            name_encrypted=cipher.encrypt("test"),
            mobile_encrypted=cipher.encrypt("13800000000"),
            mobile_index=cipher.blind_index(serial, kind="mobile"),
            id_number_encrypted=cipher.encrypt("110101199001010000"),
            id_number_index=cipher.blind_index(serial, kind="id_number"),
            primary_rm_id=rm_id,
            branch_id=branch_id,
        )
        session.add(customer)
        ids.append(customer.id)
    session.flush()
    return ids


def make_customers(kernel: Kernel, count: int = 1) -> list[uuid.UUID]:
    with kernel.db.session() as session:
        return insert_customers(session, kernel.cipher, count)


def make_customer(kernel: Kernel) -> uuid.UUID:
    return make_customers(kernel, 1)[0]


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def open_account(session: Session, customer_id: uuid.UUID, *, funds: str = "0",
                 account_class: int = 1, bound_account_id: uuid.UUID | None = None,
                 bound_external_account: str | None = None, currency: str = "CNY",
                 on: date | None = None) -> AccountView:
    """A demand account opened by a teller, with ``funds`` paid in as cash."""
    account = corebank.open_account(
        session, TELLER, idempotency_key=key("open"), customer_id=customer_id,
        account_class=account_class, currency=currency, bound_account_id=bound_account_id,
        bound_external_account=bound_external_account, on=on,
    )
    if Money.of(funds, currency).is_positive():
        corebank.deposit_cash(session, TELLER, idempotency_key=key("cash"),
                              account_id=account.id, amount=Money.of(funds, currency), on=on)
    return corebank.get_account(session, TELLER, account_id=account.id)


@dataclass(frozen=True)
class Pair:
    """Two customers, each with a funded Class I account."""

    alice: uuid.UUID
    bob: uuid.UUID
    alice_account: uuid.UUID
    bob_account: uuid.UUID


def make_pair(kernel: Kernel, *, alice_funds: str = "1000.00", bob_funds: str = "0") -> Pair:
    with kernel.db.session() as session:
        alice, bob = insert_customers(session, kernel.cipher, 2)
        first = open_account(session, alice, funds=alice_funds)
        second = open_account(session, bob, funds=bob_funds)
        return Pair(alice, bob, first.id, second.id)
