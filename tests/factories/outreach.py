"""Typed factories for QR codes, scans and journey events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from contactless.outreach import service as outreach
from contactless.platform import events
from contactless.platform.context import Actor
from contactless.platform.kernel import Kernel

DEVICE = "device-0000000001"


def make_code(kernel: Kernel, rm: Actor, **settings: Any) -> outreach.CodeView:
    settings.setdefault("purpose", "info")
    settings.setdefault("channel", "chat")
    with kernel.db.session() as session:
        return outreach.create_code(session, rm, **settings)


def token_of(code: outreach.CodeView) -> str:
    return code.path.removeprefix("/q/")


def scan(kernel: Kernel, code_or_token: outreach.CodeView | str, *, device: str = DEVICE,
         customer_id: uuid.UUID | None = None, at: datetime | None = None,
         ip: str = "203.0.113.77", user_agent: str = "pytest-phone",
         prospect_mobile: str | None = None) -> outreach.ScanOutcome:
    token = code_or_token if isinstance(code_or_token, str) else token_of(code_or_token)
    with kernel.db.session() as session:
        return outreach.resolve_scan(session, token=token, device_id=device,
                                     user_agent=user_agent, ip=ip, customer_id=customer_id,
                                     prospect_mobile=prospect_mobile, at=at)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def publish_journey(kernel: Kernel, topic: str, **payload: Any) -> None:
    """Publish a journeys' event the way the journey engine does; delivered after commit."""
    outreach.subscribe(kernel.bus)
    body = {key: _json(value) for key, value in payload.items()}
    with kernel.db.session() as session:
        events.publish(session, topic, body)


def place_money(kernel: Kernel, customer_id: uuid.UUID, amount: str | None) -> tuple[str, str]:
    """A real business outcome in the books for this customer: a demand account, and when
    ``amount`` is given a time deposit of that much from it. Returns (kind, reference id)
    as a journey's ``outcome`` names them."""
    from decimal import Decimal

    from contactless.corebank import service as corebank
    from contactless.corebank.constants import DepositProduct, Term
    from contactless.platform.context import SYSTEM
    from contactless.platform.money import Money

    teller = SYSTEM.with_channel("counter")
    with kernel.db.session() as session:
        account = corebank.open_account(session, teller, idempotency_key=str(uuid.uuid4()),
                                        customer_id=customer_id)
        if amount is None or Decimal(amount) == 0:
            return "account_opened", str(account.id)
        corebank.deposit_cash(session, teller, idempotency_key=str(uuid.uuid4()),
                              account_id=account.id, amount=Money.of(amount))
        deposit = corebank.place_deposit(
            session, Actor(kind="customer", id=str(customer_id), channel="mobile"),
            idempotency_key=str(uuid.uuid4()), source_account_id=account.id,
            product=DepositProduct.TIME, term=Term.M6, amount=Money.of(amount))
        return "deposit_placed", str(deposit.id)


def complete_journey(kernel: Kernel, *, customer_id: uuid.UUID | None,
                     qr_code_id: uuid.UUID | None = None, amount: str | None = "10000.00",
                     journey_id: str | None = None, completed_at: datetime | None = None,
                     product: str = "CD-1Y", outcome: tuple[str, str] | None = None,
                     qr_scan_id: uuid.UUID | None = None) -> str:
    """Publish ``journey.completed`` as the engine does, for a business outcome that is in the
    books: ``outcome`` (kind, reference id), else new money placed for ``amount`` (an
    account opened when it is None)."""
    journey_id = journey_id or str(uuid.uuid4())
    if outcome is None and customer_id is not None:
        outcome = place_money(kernel, customer_id, amount)
    publish_journey(kernel, "journey.completed", journey_id=journey_id,
                    journey_key="deposit_renewal", customer_id=customer_id,
                    qr_code_id=qr_code_id, qr_scan_id=qr_scan_id, amount=amount,
                    currency="CNY", product=product,
                    outcome={"kind": outcome[0], "reference_id": outcome[1]} if outcome
                    else None,
                    **({"completed_at": completed_at} if completed_at else {}))
    return journey_id


CREDIT_CODE = "91330106MA2GL0QX1A"


def make_enterprise(kernel: Kernel, rm: Actor, *, employees: int = 0) -> uuid.UUID:
    """An enterprise served by ``rm`` with ``employees`` people on its roster."""
    from contactless.customers import service as customers
    from contactless.platform.context import SYSTEM
    from tests.factories.identity import valid_id_number

    with kernel.db.session() as session:
        enterprise = customers.create_enterprise(
            session, SYSTEM, name="杭州示例科技有限公司", credit_code=CREDIT_CODE,
            rm_id=uuid.UUID(rm.id), contact_name="周联系", contact_mobile="13700000000")
        for number in range(employees):
            customers.add_employee(session, SYSTEM, enterprise_id=enterprise.id,
                                   name=f"员工{'甲乙丙丁戊己庚辛壬癸'[number % 10]}",
                                   mobile=f"1370000{number + 1:04d}",
                                   id_number=valid_id_number(500 + number))
        return enterprise.id


def make_group_code(kernel: Kernel, rm: Actor, enterprise_id: uuid.UUID,
                    **settings: Any) -> outreach.CodeView:
    settings.setdefault("purpose", "payroll_card_group")
    settings.setdefault("channel", "poster")
    return make_code(kernel, rm, enterprise_id=enterprise_id, roster_restricted=True,
                     **settings)
