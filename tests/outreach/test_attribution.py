"""Attribution: a completed journey is credited by last touch within the window, by share."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from contactless.outreach import service as outreach
from contactless.outreach.models import QrConversion, QrCredit
from contactless.platform.db import utcnow
from contactless.platform.kernel import Kernel
from tests.factories.identity import SmallBank, make_customer, make_small_bank
from tests.factories.outreach import complete_journey, make_code, publish_journey, scan

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)

D = Decimal


def credits(kernel: Kernel) -> list[tuple[str, str, str]]:
    """(journey, staff, amount) of every credit."""
    with kernel.db.session() as session:
        rows = session.execute(select(QrConversion.journey_id, QrCredit.staff_id, QrCredit.amount)
                               .join(QrCredit, QrCredit.conversion_id == QrConversion.id))
        return sorted((j, str(s), str(a)) for j, s, a in rows)


def conversions(kernel: Kernel) -> list[QrConversion]:
    with kernel.db.session() as session:
        return list(session.scalars(select(QrConversion)))


def shared_code(kernel: Kernel, bank: SmallBank, **settings: object) -> outreach.CodeView:
    """A code owned 60/40 by RM.XH (creator) and RM.BJ, valid since 60 days ago."""
    settings.setdefault("not_before", utcnow() - timedelta(days=60))
    code = make_code(kernel, bank.rm_xh, purpose="deposit_renewal", **settings)
    with kernel.db.session() as session:
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id,
                              staff_id=uuid.UUID(bank.rm_bj.id))
        outreach.respond_to_invitation(session, bank.rm_bj, code_id=code.id, accept=True)
        outreach.set_shares(session, bank.rm_xh, code_id=code.id,
                            shares={uuid.UUID(bank.rm_xh.id): "60",
                                    uuid.UUID(bank.rm_bj.id): "40"})
    return code


def test_a_completed_journey_is_credited_to_the_owners_by_share(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    code = shared_code(kernel, bank)
    scan(kernel, code, customer_id=customer)
    journey = complete_journey(kernel, customer_id=customer, qr_code_id=code.id,
                               amount="10000.01")
    assert credits(kernel) == sorted([(journey, bank.rm_xh.id, "6000.01"),
                                      (journey, bank.rm_bj.id, "4000.00")])
    with kernel.db.session() as session:
        mine = outreach.my_conversions(session, bank.rm_bj)
    assert mine.conversions == D("0.4")
    assert mine.outcomes.realised.amount == D("4000.00")
    assert mine.window_days == 30
    (credit,) = mine.credits
    assert (credit.share, credit.credited, credit.amount, credit.status) == (
        D("40"), D("4000.00"), D("10000.01"), "realised")
    assert credit.customer == "张* 138****0001"


@SQLITE_ONLY
def test_a_replayed_event_credits_nothing_more(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    code = make_code(kernel, bank.rm_xh)
    scan(kernel, code, customer_id=customer)
    journey = complete_journey(kernel, customer_id=customer)
    complete_journey(kernel, customer_id=customer, journey_id=journey)
    assert len(conversions(kernel)) == 1


def test_the_last_code_scanned_within_the_window_wins(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    since = utcnow() - timedelta(days=60)
    first = make_code(kernel, bank.rm_xh, not_before=since)
    second = make_code(kernel, bank.rm_bj, not_before=since)
    scan(kernel, first, customer_id=customer, at=utcnow() - timedelta(days=10))
    scan(kernel, second, customer_id=customer, at=utcnow() - timedelta(days=3))
    # the journey was started from the first code, but the second was the last touch
    complete_journey(kernel, customer_id=customer, qr_code_id=first.id)
    (conversion,) = conversions(kernel)
    assert conversion.code_id == second.id
    assert conversion.basis == "last_scan"
    assert conversion.window_days == 30


def test_a_touch_older_than_the_window_earns_nothing_until_the_bank_widens_it(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    code = make_code(kernel, bank.rm_xh, not_before=utcnow() - timedelta(days=60))
    scan(kernel, code, customer_id=customer, at=utcnow() - timedelta(days=31))
    complete_journey(kernel, customer_id=customer)
    assert conversions(kernel) == []
    with kernel.db.session() as session:
        with pytest.raises(Exception, match="role does not allow"):
            outreach.set_policy(session, bank.rm_xh, attribution_window_days=45)
        with pytest.raises(Exception, match="1 to 365"):
            outreach.set_policy(session, bank.admin, attribution_window_days=0)
        outreach.set_policy(session, bank.admin, attribution_window_days=45)
    complete_journey(kernel, customer_id=customer)
    (conversion,) = conversions(kernel)
    assert conversion.window_days == 45


def test_rejected_scans_never_earn_credit(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    code = make_code(kernel, bank.rm_xh)
    with kernel.db.session() as session:
        outreach.pause_code(session, bank.rm_xh, code_id=code.id)
    assert scan(kernel, code, customer_id=customer).result == "rejected"
    forged = code.path.removeprefix("/q/")[:-1] + "Q"
    scan(kernel, forged, customer_id=customer)
    complete_journey(kernel, customer_id=customer, qr_code_id=code.id)
    assert conversions(kernel) == []


def test_a_new_customer_with_no_scan_of_their_own_credits_the_journeys_code(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    # anonymous: the prospect has no account; the engine keeps this scan as the start's proof
    proof = scan(kernel, code, device="device-prospect-1")
    newcomer = make_customer(kernel, bank.rm_xh, serial=5, mobile="13800000005").id
    complete_journey(kernel, customer_id=newcomer, qr_code_id=code.id, amount=None,
                     qr_scan_id=proof.scan_id)
    (conversion,) = conversions(kernel)
    assert (conversion.code_id, conversion.basis, conversion.scan_id) == (
        code.id, "journey_code", proof.scan_id)
    assert conversion.amount == D("0.00")
    # a code that nobody scanned, or a revoked one, is not credited that way
    idle = make_code(kernel, bank.rm_xh)
    complete_journey(kernel, customer_id=newcomer, qr_code_id=idle.id, amount=None,
                     qr_scan_id=proof.scan_id)
    with kernel.db.session() as session:
        outreach.revoke_code(session, bank.rm_xh, code_id=code.id)
    complete_journey(kernel, customer_id=newcomer, qr_code_id=code.id, amount=None,
                     qr_scan_id=proof.scan_id)
    complete_journey(kernel, customer_id=newcomer, qr_code_id=uuid.uuid4())
    assert len(conversions(kernel)) == 1


def test_journeys_started_and_completed_move_the_codes_funnel(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    customer = make_customer(kernel, bank.rm_xh).id
    code = make_code(kernel, bank.rm_xh, purpose="deposit_renewal")
    scan(kernel, code, customer_id=customer)
    scan(kernel, code, device="device-anonymous")
    journey = str(uuid.uuid4())
    publish_journey(kernel, "journey.started", journey_id=journey, customer_id=customer,
                    qr_code_id=code.id, journey_key="deposit_renewal", at=utcnow())
    with kernel.db.session() as session:
        steps = {s.key: (s.count, s.drop_off) for s in
                 outreach.funnel(session, bank.rm_xh, code_id=code.id).steps}
    assert steps == {"scans": (2, None), "sign_ins": (1, D("50.0")),
                     "started": (1, D("0.0")), "completed": (0, D("100.0"))}
    complete_journey(kernel, customer_id=customer, journey_id=journey, amount="5000.00")
    with kernel.db.session() as session:
        result = outreach.funnel(session, bank.rm_xh, code_id=code.id)
    assert [s.count for s in result.steps] == [2, 1, 1, 1]
    assert result.outcomes.realised.amount == D("5000.00")
    assert sum(n for _day, n in result.daily) == 2


@pytest.mark.parametrize(("amount", "shares", "parts"), [
    ("100.00", ["60", "40"], ["60.00", "40.00"]),
    ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
    ("0.01", ["50", "50"], ["0.01", "0.00"]),
    ("10.00", ["33.33", "66.67"], ["3.33", "6.67"]),
    ("1.00", ["33.34", "33.33", "33.33"], ["0.34", "0.33", "0.33"]),
])
def test_credit_is_split_exactly_to_the_fen(amount: str, shares: list[str],
                                            parts: list[str]) -> None:
    split = outreach.split_amount(D(amount), [D(s) for s in shares])
    assert [str(p) for p in split] == parts
    assert sum(split) == D(amount)
