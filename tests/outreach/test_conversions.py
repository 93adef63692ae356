"""A conversion is one business outcome, settled by the books: pending after a journey,
realised with the money the ledger moved or kept, lost when the money leaves."""

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.models import JournalEntry, Posting, TimeDeposit
from contactless.identity.errors import NotAllowed
from contactless.journeys import service as journeys
from contactless.journeys.models import JourneyInstance
from contactless.journeys.plugins import use_sources
from contactless.outreach import service as outreach
from contactless.outreach.models import QrConversion, QrCredit
from contactless.outreach.sources import OutreachQrSources
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.db import utcnow
from contactless.platform.events import DomainEvent
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.factories.identity import make_customer
from tests.factories.journeys import (
    Banked,
    deposit_maturing_in,
    make_banked_customer,
    make_wealth_products,
    today,
)
from tests.factories.outreach import complete_journey, make_code, scan

SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)
D = Decimal


def _plugged(kernel: Kernel) -> None:
    """As the app wires it: outreach checks start links and listens to the events."""
    use_sources(kernel, OutreachQrSources())
    outreach.subscribe(kernel.bus)


def _renew(kernel: Kernel, banked: Banked, deposit_id: uuid.UUID, *, option: str, term: str,
           qr_code_id: uuid.UUID | None) -> str:
    """The deposit-renewal journey from a code's landing page, to its confirmation."""
    with kernel.db.session() as session:
        view = journeys.start_journey(session, banked.actor, journey_key="deposit_renewal",
                                      params={"deposit_id": str(deposit_id)},
                                      qr_code_id=qr_code_id, translator=Translator.of("en"))
    for step, data in (("deposit", {"deposit_id": str(deposit_id)}),
                       ("plan", {"option": option, "term": term}), ("confirm", {})):
        with kernel.db.session() as session:
            view = journeys.submit_step(session, banked.actor, journey_id=view.id, step=step,
                                        data=data, idempotency_key=str(uuid.uuid4()),
                                        translator=Translator("en"))
    assert view.status == "completed", view
    return str(view.id)


def _conversions(kernel: Kernel) -> list[QrConversion]:
    with kernel.db.session() as session:
        return list(session.scalars(select(QrConversion).order_by(QrConversion.created_at)))


def _credited(kernel: Kernel) -> dict[str, Decimal]:
    with kernel.db.session() as session:
        return {str(staff): Decimal(total) for staff, total in session.execute(
            select(QrCredit.staff_id, func.sum(QrCredit.amount)).group_by(QrCredit.staff_id))}


def _audited(kernel: Kernel, action: str) -> int:
    with kernel.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == action)) or 0)


def _mature(kernel: Kernel, on: date) -> None:
    with kernel.db.session() as session:
        corebank.run_maturities(session, SYSTEM, on=on)


def test_three_instruction_changes_make_one_pending_conversion_realised_once_at_maturity(
    kernel: Kernel,
) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=12, amount="29959.69")
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal", channel="sms")
    scan(kernel, code, customer_id=banked.customer.id)
    for option, term in (("renew_all", "3m"), ("renew_principal", "1y"), ("renew_all", "6m")):
        _renew(kernel, banked, deposit.id, option=option, term=term, qr_code_id=code.id)
    (pending,) = _conversions(kernel)
    assert (pending.status, pending.journeys, pending.kind) == ("pending", 3, "deposit_kept")
    assert pending.expected_amount == D("29959.69")
    assert pending.amount == D("0.00")
    assert _credited(kernel) == {banked.bank.rm_xh.id: D("0.00")}
    with kernel.db.session() as session:
        mine = outreach.my_conversions(session, banked.bank.rm_xh)
    assert mine.outcomes.pending.conversions == D("1")
    assert mine.outcomes.pending.amount == D("29959.69")
    assert mine.outcomes.realised.amount == D("0")

    maturity = deposit.maturity_date
    _mature(kernel, maturity)
    _mature(kernel, maturity)  # the runner again: the ledger posts once, nothing more
    (realised,) = _conversions(kernel)
    with kernel.db.session() as session:
        matured = corebank.get_deposit(session, SYSTEM, deposit_id=deposit.id)
        renewed = session.scalar(select(TimeDeposit).where(
            TimeDeposit.renewed_from_id == deposit.id))
    assert matured.status == "renewed"
    assert renewed is not None
    assert renewed.principal > D("29959.69")
    # credited with the principal that stayed, not principal plus interest
    assert (realised.status, realised.amount) == ("realised", D("29959.69"))
    assert realised.settled_at is not None
    assert realised.entry_id is not None
    assert _credited(kernel) == {banked.bank.rm_xh.id: D("29959.69")}
    assert _audited(kernel, "outreach.conversion_realised") == 1


@SQLITE_ONLY
def test_a_deposit_paid_out_at_maturity_loses_its_pending_conversion(kernel: Kernel) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=8, amount="20000.00")
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=banked.customer.id)
    _renew(kernel, banked, deposit.id, option="renew_all", term="3m", qr_code_id=code.id)
    # the customer changes their mind: the same conversion, now expecting nothing to stay
    _renew(kernel, banked, deposit.id, option="payout", term="3m", qr_code_id=code.id)
    (conversion,) = _conversions(kernel)
    assert (conversion.status, conversion.journeys, conversion.expected_amount) == (
        "pending", 2, D("0.00"))
    _mature(kernel, deposit.maturity_date)
    (lost,) = _conversions(kernel)
    assert (lost.status, lost.amount) == ("lost", D("0.00"))
    assert _credited(kernel) == {banked.bank.rm_xh.id: D("0.00")}


@SQLITE_ONLY
def test_a_partial_withdrawal_lowers_what_the_pending_conversion_expects(kernel: Kernel) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=10, amount="20000.00")
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=banked.customer.id)
    _renew(kernel, banked, deposit.id, option="renew_principal", term="3m", qr_code_id=code.id)
    with kernel.db.session() as session:
        corebank.withdraw_deposit_partially(
            session, banked.actor, idempotency_key=str(uuid.uuid4()), deposit_id=deposit.id,
            amount=Money(D("5000.00"), "CNY"))
    (pending,) = _conversions(kernel)
    assert (pending.status, pending.expected_amount) == ("pending", D("15000.00"))
    _mature(kernel, deposit.maturity_date)
    (realised,) = _conversions(kernel)
    assert (realised.status, realised.amount) == ("realised", D("15000.00"))
    assert _credited(kernel) == {banked.bank.rm_xh.id: D("15000.00")}


@SQLITE_ONLY
def test_a_payout_instruction_alone_is_no_conversion(kernel: Kernel) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=8)
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=banked.customer.id)
    _renew(kernel, banked, deposit.id, option="payout", term="3m", qr_code_id=code.id)
    assert _conversions(kernel) == []


def _buy(kernel: Kernel, banked: Banked, product_id: uuid.UUID, amount: str,
         qr_code_id: uuid.UUID) -> str:
    with kernel.db.session() as session:
        view = journeys.start_journey(session, banked.actor, journey_key="wealth_purchase",
                                      qr_code_id=qr_code_id, translator=Translator.of("en"))
    answers = {"questionnaire": {"age": "b", "experience": "c", "horizon": "c", "loss": "c",
                                 "share": "c", "goal": "c"},
               "product": {"product_id": str(product_id), "amount": amount,
                           "account_id": str(banked.account.id)},
               "confirm": {}}
    while view.status == "active" and view.current_step is not None:
        step = view.current_step
        data = answers.get(step.key)
        if step.kind == "consent":
            data = {"agree": True, "consents": {c.key: c.text_sha256 for c in step.consents}}
        with kernel.db.session() as session:
            view = journeys.submit_step(session, banked.actor, journey_id=view.id,
                                        step=step.key, data=data or {},
                                        idempotency_key=str(uuid.uuid4()),
                                        translator=Translator("en"))
    assert view.status == "completed", view
    return str(view.id)


def test_realised_conversions_of_a_period_reconcile_with_the_ledger(kernel: Kernel) -> None:
    """The console's realised money equals, deposit by deposit and order by order, what the
    books posted: principal kept at maturity, the money a wealth subscription took."""
    _plugged(kernel)
    banked = make_banked_customer(kernel, funds="80000.00")
    kept = deposit_maturing_in(kernel, banked, days=5, amount="15000.00")
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=banked.customer.id)
    _renew(kernel, banked, kept.id, option="renew_all", term="6m", qr_code_id=code.id)
    products = make_wealth_products(kernel)
    wealth = make_code(kernel, banked.bank.rm_bj, purpose="wealth_purchase", channel="poster")
    scan(kernel, wealth, customer_id=banked.customer.id)
    _buy(kernel, banked, products["WM-R2"], "12000.00", wealth.id)
    pending = {c.kind: c.status for c in _conversions(kernel)}
    assert pending == {"deposit_kept": "pending", "wealth_purchase": "pending"}
    settle_on = today(kernel) + timedelta(days=1)
    with kernel.db.session() as session:
        corebank.publish_nav(session, SYSTEM, idempotency_key="nav-1",
                             product_id=products["WM-R2"], nav_date=settle_on, nav=D("1.0123"))
    _mature(kernel, kept.maturity_date)  # settles the order (T+1) and matures the deposit
    realised = [c for c in _conversions(kernel) if c.status == "realised"]
    assert {c.kind for c in realised} == {"deposit_kept", "wealth_purchase"}
    first = min(c.settled_at for c in realised if c.settled_at)
    period = [c for c in realised if c.settled_at and c.settled_at >= first]
    with kernel.db.session() as session:
        books = Decimal(0)
        for conversion in period:
            reference = "deposit" if conversion.kind == "deposit_kept" else "wealth_order"
            entries = session.scalars(select(JournalEntry.id).where(
                JournalEntry.reference_type == reference,
                JournalEntry.reference_id == conversion.reference_id)).all()
            lines = session.execute(select(Posting.amount, Posting.account_id)
                                    .where(Posting.entry_id.in_(entries))).all()
            if reference == "deposit":
                deposit = session.get(TimeDeposit, conversion.reference_id)
                assert deposit is not None
                # the maturity entry takes the principal off the old deposit account
                books += sum((a for a, account in lines if account == deposit.account_id
                              and a > 0), Decimal(0))
            else:
                # the subscription entry takes the money off the demand account
                books += sum((a for a, account in lines if account == banked.account.id
                              and a > 0), Decimal(0))
    assert sum((c.amount for c in period), Decimal(0)) == books == D("27000.00")
    assert sum(_credited(kernel).values(), Decimal(0)) == books
    with kernel.db.session() as session:
        board = outreach.rm_leaderboard(session, banked.bank.manager_hz)
    top = [(r.name, r.outcomes.realised.amount) for r in board[:2]]
    assert [amount for _name, amount in top] == [D("15000.00"), D("12000.00")]


@SQLITE_ONLY
def test_a_replayed_completion_and_a_replayed_maturity_credit_nothing_more(
    kernel: Kernel,
) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=6, amount="20000.00")
    code = make_code(kernel, banked.bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=banked.customer.id)
    journey_id = _renew(kernel, banked, deposit.id, option="renew_principal", term="3m",
                        qr_code_id=code.id)
    replay = complete_journey(kernel, customer_id=banked.customer.id, journey_id=journey_id,
                              qr_code_id=code.id,
                              outcome=("deposit_kept", str(deposit.id)))
    assert replay == journey_id
    (conversion,) = _conversions(kernel)
    assert conversion.journeys == 1
    assert _audited(kernel, "outreach.completion_replayed") == 1
    _mature(kernel, deposit.maturity_date)
    with kernel.db.session() as session:
        # the books' event delivered again (a redelivery, or a second run's stray event)
        from contactless.outreach.service.attribution import on_books_changed

        on_books_changed(session, DomainEvent(uuid.uuid4(), "corebank.deposit_matured",
                                              {"deposit_id": str(deposit.id)}, utcnow()))
    (realised,) = _conversions(kernel)
    assert (realised.status, realised.amount) == ("realised", D("20000.00"))
    assert _credited(kernel) == {banked.bank.rm_xh.id: D("20000.00")}
    assert _audited(kernel, "outreach.settlement_replayed") == 1


def _started(kernel: Kernel, banked: Banked, qr_code_id: uuid.UUID,
             device_id: str | None = None) -> JourneyInstance:
    with kernel.db.session() as session:
        view = journeys.start_journey(session, banked.actor, journey_key="deposit_renewal",
                                      qr_code_id=qr_code_id, translator=Translator.of("en"),
                                      device_id=device_id)
        instance = session.get(JourneyInstance, view.id)
        assert instance is not None
        session.expunge(instance)
        return instance


def _unverified(kernel: Kernel) -> list[str]:
    with kernel.db.session() as session:
        return [str(json.loads(entry.details).get("reason")) for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "journey.qr_unverified")
            .order_by(AuditEntry.seq))]


def test_a_start_link_counts_only_with_a_scan_on_record(kernel: Kernel) -> None:
    _plugged(kernel)
    banked = make_banked_customer(kernel)
    deposit = deposit_maturing_in(kernel, banked, days=20)
    rm = banked.bank.rm_xh
    never = make_code(kernel, rm, purpose="deposit_renewal")
    revoked = make_code(kernel, rm, purpose="deposit_renewal")
    scan(kernel, revoked, customer_id=banked.customer.id)
    with kernel.db.session() as session:
        outreach.revoke_code(session, rm, code_id=revoked.id)
    expired = make_code(kernel, rm, purpose="deposit_renewal",
                        expires_at=utcnow() + timedelta(minutes=5))
    late = scan(kernel, expired, customer_id=banked.customer.id,
                at=utcnow() + timedelta(minutes=6))
    assert (late.result, late.error.code if late.error else None) == ("rejected",
                                                                      "qr_code_expired")
    someone_else = make_customer(kernel, rm, serial=44, mobile="13800000044").id
    theirs = make_code(kernel, rm, purpose="deposit_renewal")
    scan(kernel, theirs, customer_id=someone_else)
    for code_id in (uuid.uuid4(), never.id, revoked.id, expired.id, theirs.id):
        instance = _started(kernel, banked, code_id)
        assert (instance.source_qr_code_id, instance.channel) == (None, "mobile")
        with kernel.db.session() as session:
            journeys.cancel_journey(session, banked.actor, journey_id=instance.id,
                                    translator=Translator("en"))
    assert _unverified(kernel) == ["qr_code_not_found", "qr_not_scanned", "qr_code_revoked",
                                   "qr_not_scanned", "qr_not_scanned"]
    # completing an uncredited journey credits nobody
    _renew(kernel, banked, deposit.id, option="renew_all", term="3m", qr_code_id=never.id)
    assert _conversions(kernel) == []
    # scanned from this phone (anonymously, before signing in): the start link counts
    scan(kernel, never, device="phone-of-the-customer")
    instance = _started(kernel, banked, never.id, device_id="phone-of-the-customer")
    assert (instance.source_qr_code_id, instance.channel) == (never.id, "qr")


@SQLITE_ONLY
def test_a_newcomer_is_credited_through_the_scan_that_proved_the_start_link(
    kernel: Kernel,
) -> None:
    banked = make_banked_customer(kernel)
    code = make_code(kernel, banked.bank.rm_bj)
    proof = scan(kernel, code, device="newcomer-phone")  # anonymous: not a customer yet
    assert proof.scan_id is not None
    other = make_code(kernel, banked.bank.rm_xh)
    foreign = scan(kernel, other, device="another-phone")
    newcomer = make_customer(kernel, banked.bank.rm_xh, serial=45, mobile="13800000045").id
    # a scan id of another code, or none at all: not credited
    complete_journey(kernel, customer_id=newcomer, qr_code_id=code.id, amount=None,
                     qr_scan_id=foreign.scan_id)
    complete_journey(kernel, customer_id=newcomer, qr_code_id=code.id, amount=None)
    assert _conversions(kernel) == []
    complete_journey(kernel, customer_id=newcomer, qr_code_id=code.id, amount=None,
                     qr_scan_id=proof.scan_id)
    (conversion,) = _conversions(kernel)
    assert (conversion.code_id, conversion.basis, conversion.scan_id, conversion.kind,
            conversion.status) == (code.id, "journey_code", proof.scan_id, "account_opened",
                                   "realised")


def test_the_export_is_scoped_and_masked(kernel: Kernel) -> None:
    banked = make_banked_customer(kernel)
    bank = banked.bank
    for rm, serial in ((bank.rm_xh, 51), (bank.rm_nb, 52)):
        customer = make_customer(kernel, rm, serial=serial, mobile=f"138000000{serial}").id
        code = make_code(kernel, rm)
        scan(kernel, code, customer_id=customer)
        complete_journey(kernel, customer_id=customer, amount="5000.00")
    with kernel.db.session() as session:
        mine = outreach.export_conversions(session, bank.rm_xh)
        hangzhou = outreach.export_conversions(session, bank.manager_hz)
        everyone = outreach.export_conversions(session, bank.admin)
        with pytest.raises(NotAllowed):
            outreach.export_conversions(session, banked.actor)
    assert [(row["status"], row["credited"], row["customer"]) for row in mine] == [
        ("realised", "5000.00", "张* 138****0051")]
    assert len(hangzhou) == 1  # the Ningbo RM is outside the Hangzhou branch
    assert mine[0]["branch"] == hangzhou[0]["branch"] == "HZ-XH"
    assert len(everyone) == 2
    assert _audited(kernel, "outreach.conversions_exported") == 3
