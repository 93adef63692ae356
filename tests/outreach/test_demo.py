"""The demo bank has QR codes with 30 days of scans and conversions, the same for a seed."""

import random
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from contactless.corebank import service as corebank
from contactless.corebank.models import JournalEntry, Posting, TimeDeposit
from contactless.demo.service import build_demo_bank
from contactless.journeys import service as journeys
from contactless.outreach import service as outreach
from contactless.outreach.demo import seed_outreach
from contactless.outreach.models import QrConversion, QrCredit
from contactless.platform.clock import today_in
from contactless.platform.context import SYSTEM
from contactless.platform.db import Base
from contactless.platform.i18n import Translator
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.store import MemoryStore
from tests.conftest import make_settings
from tests.factories.identity import actor_of, make_customer, make_small_bank
from tests.factories.outreach import make_enterprise

# the demo is built for the bank's real today: its reports look back 30 days from now
TODAY = today_in("Asia/Shanghai")


def _funnels(kernel: Kernel) -> list[tuple[str, str, list[int]]]:
    with kernel.db.session() as session:
        return sorted((code.title, code.channel,
                       [s.count for s in outreach.funnel(session, SYSTEM, code_id=code.id).steps])
                      for code in outreach.list_codes(session, SYSTEM))


def test_the_demo_bank_has_busy_funnels_and_credited_rms(sqlite_kernel: Kernel) -> None:
    with sqlite_kernel.db.session() as session:
        report = build_demo_bank(session, seed=5, customer_count=40, today=TODAY)
    extras = report.extras["outreach"]
    assert isinstance(extras, dict)
    assert extras["codes"] >= 40
    assert extras["scans"] > 1000
    funnels = _funnels(sqlite_kernel)
    group = [f for title, _c, f in funnels if title.endswith("代发工资卡")]
    assert group
    assert sum(f[1] for f in group) > 0  # employees who bank with us signed in after scanning
    assert sum(f[3] for _t, _c, f in funnels) > 0  # journeys completed from the codes
    with sqlite_kernel.db.session() as session:
        board = outreach.rm_leaderboard(session, actor_of(session, "bm.hz"))
    assert any(r.outcomes.pending.conversions or r.outcomes.realised.conversions
               for r in board)


def test_after_the_demo_every_rms_credit_is_their_realised_conversions_and_the_books_agree(
    sqlite_kernel: Kernel,
) -> None:
    with sqlite_kernel.db.session() as session:
        build_demo_bank(session, seed=5, customer_count=60, today=TODAY)
    with sqlite_kernel.db.session() as session:
        conversions = list(session.scalars(select(QrConversion)))
        credits = list(session.scalars(select(QrCredit)))
        statuses = {c.status for c in conversions}
        assert {"pending", "realised"} <= statuses  # instructions waiting, maturities renewed
        realised = {c.id: c for c in conversions if c.status == "realised"}
        # every RM's credited total is their part of the realised conversions, to the fen
        for staff_id in {credit.staff_id for credit in credits}:
            mine = [c for c in credits if c.staff_id == staff_id]
            assert sum((c.amount for c in mine), Decimal(0)) == sum(
                (c.amount for c in mine if c.conversion_id in realised), Decimal(0))
            assert all(c.amount == 0 for c in mine if c.conversion_id not in realised)
        assert sum((c.amount for c in credits), Decimal(0)) == sum(
            (c.amount for c in realised.values()), Decimal(0)) > 0
        # and each realised renewal is the principal the maturity entry took off the deposit
        for conversion in realised.values():
            if conversion.kind != "deposit_kept":
                continue
            deposit = session.get(TimeDeposit, conversion.reference_id)
            assert deposit is not None
            assert deposit.status == "renewed"
            taken = session.scalar(
                select(func.sum(Posting.amount)).join(JournalEntry,
                                                      JournalEntry.id == Posting.entry_id)
                .where(JournalEntry.id == conversion.entry_id,
                       Posting.account_id == deposit.account_id))
            assert Decimal(taken) == deposit.principal == conversion.amount
        # realistic behaviour: one conversion per deposit or order, at most two journeys on it
        assert len({c.business_key for c in conversions}) == len(conversions)
        assert max(c.journeys for c in conversions) <= 2
        orders = [c for c in conversions if c.kind == "wealth_purchase"]
        assert len({c.customer_id for c in orders}) == len(orders)  # one purchase each
        assert corebank.trial_balance(session).balanced


def test_the_demo_bank_runs_real_journeys_and_the_books_still_balance(
    sqlite_kernel: Kernel,
) -> None:
    with sqlite_kernel.db.session() as session:
        report = build_demo_bank(session, seed=5, customer_count=40, today=TODAY)
    ran = report.extras["journeys"]
    assert isinstance(ran, dict)
    assert ran["started"] > ran["completed"] > 0  # some customers stop half-way
    with sqlite_kernel.db.session() as session:
        admin = actor_of(session, "admin")
        figures = {a.journey: a for a in journeys.overview(session, admin,
                                                           translator=Translator("zh-CN"))}
        assert corebank.trial_balance(session).balanced
    renewals = figures["deposit_renewal"]
    assert renewals.completed > 0
    assert renewals.steps_median is not None
    # some started from an RM's code: the journeys console names the code and links to it
    assert renewals.by_qr_code
    assert all(row.name and row.link == f"/console/outreach/codes/{row.label}"
               for row in renewals.by_qr_code)


def _seeded(kernel: Kernel) -> tuple[object, list[tuple[str, str, list[int]]]]:
    bank = make_small_bank(kernel)
    people = [make_customer(kernel, bank.rm_xh, serial=n, mobile=f"1380000{n:04d}").id
              for n in range(1, 9)]
    make_enterprise(kernel, bank.rm_bj, employees=4)
    with kernel.db.session() as session:
        counts = seed_outreach(session, people, random.Random(11), TODAY,
                               lambda _label, _done, _total: None)
    return counts, _funnels(kernel)


def test_the_same_seed_gives_the_same_codes_and_counts(sqlite_kernel: Kernel,
                                                       tmp_path: Path) -> None:
    other = build_kernel(make_settings(tmp_path / "again"), store=MemoryStore())
    Base.metadata.create_all(other.db.engine)
    first = _seeded(sqlite_kernel)
    second = _seeded(other)
    other.db.dispose()
    assert first == second
