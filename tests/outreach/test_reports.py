"""Branch managers rank their RMs and channels; RMs read their conversions."""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contactless.outreach import service as outreach
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.outreach import complete_journey, make_code, scan


def test_leaderboards_rank_the_managers_rms_and_channels(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    buyers = [make_customer(kernel, bank.rm_xh, serial=n, mobile=f"1380000{n:04d}").id
              for n in range(1, 4)]
    chat = make_code(kernel, bank.rm_xh, channel="chat")
    poster = make_code(kernel, bank.rm_bj, channel="poster")
    elsewhere = make_code(kernel, bank.rm_nb, channel="sms")
    scan(kernel, chat, customer_id=buyers[0])
    scan(kernel, chat, device="device-anonymous-1")
    scan(kernel, poster, customer_id=buyers[1])
    scan(kernel, elsewhere, customer_id=buyers[2])
    complete_journey(kernel, customer_id=buyers[1], amount="20000.00")
    complete_journey(kernel, customer_id=buyers[2], amount="90000.00")
    with kernel.db.session() as session:
        rms = outreach.rm_leaderboard(session, bank.manager_hz)
        channels = outreach.channel_leaderboard(session, bank.manager_hz)
        everyone = outreach.rm_leaderboard(session, bank.admin)
        as_rm = outreach.rm_leaderboard(session, bank.rm_xh)
        with pytest.raises(Exception, match="role does not allow"):
            outreach.rm_leaderboard(session, bank.auditor)
    assert [(r.name, r.codes, r.scans, r.sign_ins, r.conversions, r.amount) for r in rms] == [
        ("RM.BJ", 1, 1, 1, Decimal(1), Decimal("20000.00")),
        ("RM.XH", 1, 2, 1, Decimal(0), Decimal(0)),
    ]
    assert [(c.channel, c.codes, c.scans, c.sign_ins, c.conversions, c.amount)
            for c in channels] == [
        ("poster", 1, 1, 1, 1, Decimal("20000.00")),
        ("chat", 1, 2, 1, 0, Decimal(0)),
    ]
    assert everyone[0].name == "RM.NB"
    # an RM is ranked among the bank's RMs, as the admin sees them
    assert [(r.position, r.name) for r in as_rm] == [(r.position, r.name) for r in everyone]


def test_an_rm_reads_the_top_of_the_board_and_their_own_row(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    buyer = make_customer(sqlite_kernel, bank.rm_nb, serial=1, mobile="13800000001").id
    scan(sqlite_kernel, make_code(sqlite_kernel, bank.rm_nb, channel="sms"), customer_id=buyer)
    complete_journey(sqlite_kernel, customer_id=buyer, amount="50000.00")
    make_code(sqlite_kernel, bank.rm_xh)
    with sqlite_kernel.db.session() as session:
        everyone = outreach.rm_leaderboard(session, bank.admin)
        mine = outreach.rm_leaderboard(session, bank.rm_xh, top=1)
        codes = outreach.code_leaderboard(session, bank.rm_xh)
        channels = outreach.channel_leaderboard(session, bank.rm_xh)
    assert [(r.position, r.name) for r in everyone] == [(1, "RM.NB"), (2, "RM.BJ"),
                                                         (3, "RM.XH")]
    assert [(r.position, r.name) for r in mine] == [(1, "RM.NB"), (3, "RM.XH")]
    assert codes == []  # RM.XH's codes converted nothing; RM.NB's are not theirs to read
    assert channels == []  # the channels are the branch's figures


def test_an_rm_sees_recent_scans_with_the_customer_masked(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    customer = make_customer(sqlite_kernel, bank.rm_xh, mobile="13912345678", name="欧阳娜娜")
    code = make_code(sqlite_kernel, bank.rm_xh)
    scan(sqlite_kernel, code, customer_id=customer.id, ip="198.51.100.9")
    with sqlite_kernel.db.session() as session:
        (row,) = outreach.recent_scans(session, bank.rm_xh, code_id=code.id)
    assert row.customer == "欧*** 139****5678"
    assert row.ip_prefix == "198.51.100.0/24"
    assert row.result == "accepted"


def test_a_new_codes_daily_scans_start_on_the_day_it_was_made(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    fresh = make_code(sqlite_kernel, bank.rm_xh)
    with sqlite_kernel.db.session() as session:
        daily = outreach.funnel(session, bank.rm_xh, code_id=fresh.id).daily
    assert [n for _day, n in daily] == [0]
    scan(sqlite_kernel, fresh)
    with sqlite_kernel.db.session() as session:
        result = outreach.funnel(session, bank.rm_xh, code_id=fresh.id)
    assert [n for _day, n in result.daily] == [1]
    assert result.daily[0][0] == fresh.created_at.astimezone(
        ZoneInfo(sqlite_kernel.settings.timezone)).date()
