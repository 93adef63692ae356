"""The demo bank has QR codes with 30 days of scans and conversions, the same for a seed."""

import random
from pathlib import Path

from contactless.corebank import service as corebank
from contactless.demo.service import build_demo_bank
from contactless.journeys import service as journeys
from contactless.outreach import service as outreach
from contactless.outreach.demo import seed_outreach
from contactless.platform.clock import today_in
from contactless.platform.context import SYSTEM
from contactless.platform.db import Base
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
    assert extras["conversions"] > 50
    funnels = _funnels(sqlite_kernel)
    group = [f for title, _c, f in funnels if title.endswith("代发工资卡")]
    assert group
    assert sum(f[3] for f in group) > 0  # employees who bank with us opened payroll cards
    # the seeded conversions, and the real journeys the build runs later, credited by last touch
    assert sum(f[3] for _t, _c, f in funnels) > extras["conversions"]
    with sqlite_kernel.db.session() as session:
        board = outreach.rm_leaderboard(session, actor_of(session, "bm.hz"))
    assert board[0].conversions > 0
    with sqlite_kernel.db.session() as session:
        codes = [c for c in outreach.list_codes(session, SYSTEM) if c.roster_restricted]
        done = [m for c in codes for m in outreach.roster_members(session, SYSTEM, code_id=c.id)
                if m.completed]
    assert done  # the enterprise contact's progress page has names ticked off


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
        figures = {a.journey: a for a in journeys.overview(session, admin, locale="zh-CN")}
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
