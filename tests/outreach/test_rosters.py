"""Group codes for an enterprise's roster: uploads checked row by row, personal codes."""

import io
import uuid
import zipfile

import pytest
import zxingcpp
from PIL import Image

from contactless.outreach import service as outreach
from contactless.outreach.errors import RosterInvalid
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank, valid_id_number
from tests.factories.outreach import (
    make_code,
    make_enterprise,
    make_group_code,
    place_money,
    scan,
)

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)

BASE = "https://bank.example"


def test_a_roster_upload_keeps_good_rows_and_reports_each_bad_one(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_group_code(sqlite_kernel, bank.rm_xh, make_enterprise(sqlite_kernel, bank.rm_xh))
    content = "\n".join([
        "姓名,手机,身份证号",
        f"张伟,13900000001,{valid_id_number(1)}",
        "李娜,139000000,",                       # short mobile
        f"王芳,,{valid_id_number(2)}",            # ID number only: fine
        "刘洋,,",                                # neither
        "陈静,13900000004,110101198501010000",  # bad check digit
        "1234,13900000005,",                     # not a name
        "赵磊",                                  # one column
        "",                                      # blank lines are skipped
        "孙丽,13900000001,",                     # same mobile as row 2
        "周杰,13900000009,",
    ]).encode()
    with sqlite_kernel.db.session() as session:
        report = outreach.upload_roster(session, bank.rm_xh, code_id=code.id, content=content)
    assert (report.added, report.total) == (3, 9)
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "enter an 11-digit mainland mobile number"),
        (5, "give a mobile number or an ID number"),
        (6, "not a valid resident ID number (check the last digit)"),
        (7, "enter the name as on the ID card"),
        (8, "each row is: name, mobile, ID number (the ID number may be empty)"),
        (10, "this person is already on the roster"),
    ]
    with sqlite_kernel.db.session() as session:
        members = outreach.roster_members(session, bank.rm_xh, code_id=code.id)
    assert [(m.name, m.mobile) for m in members] == [
        ("张*", "139****0001"), ("王*", ""), ("周*", "139****0009")]


def test_rosters_in_gb18030_from_spreadsheets_are_read(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_group_code(sqlite_kernel, bank.rm_xh, make_enterprise(sqlite_kernel, bank.rm_xh))
    with sqlite_kernel.db.session() as session:
        report = outreach.upload_roster(session, bank.rm_xh, code_id=code.id,
                                        content="张伟,13900000001\n".encode("gb18030"))
    assert report.added == 1


def test_unusable_roster_files_and_codes_are_refused(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    group = make_group_code(sqlite_kernel, bank.rm_xh, make_enterprise(sqlite_kernel, bank.rm_xh))
    plain = make_code(sqlite_kernel, bank.rm_xh)
    with sqlite_kernel.db.session() as session:
        with pytest.raises(RosterInvalid, match="no rows"):
            outreach.upload_roster(session, bank.rm_xh, code_id=group.id, content=b"\n\n")
        with pytest.raises(RosterInvalid, match="only a group code"):
            outreach.upload_roster(session, bank.rm_xh, code_id=plain.id, content=b"a,1")
        with pytest.raises(Exception, match="not found"):
            outreach.upload_roster(session, bank.rm_bj, code_id=group.id, content=b"a,1")


def test_only_people_on_the_roster_get_through_by_mobile_or_id_number(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    code = make_group_code(kernel, bank.rm_xh, make_enterprise(kernel, bank.rm_xh))
    on_roster = make_customer(kernel, bank.rm_xh, serial=1, mobile="13900000001")
    by_id = make_customer(kernel, bank.rm_xh, serial=2, mobile="13900000002")
    outsider = make_customer(kernel, bank.rm_xh, serial=3, mobile="13900000003")
    with kernel.db.session() as session:
        outreach.upload_roster(session, bank.rm_xh, code_id=code.id, content=(
            f"张伟,13900000001,\n王芳,13911111111,{valid_id_number(2)}\n").encode())
    assert scan(kernel, code, customer_id=on_roster.id).result == "accepted"
    assert scan(kernel, code, customer_id=by_id.id).result == "accepted"
    refused = scan(kernel, code, customer_id=outsider.id)
    assert refused.error is not None
    assert refused.error.code == "qr_not_on_roster"


def test_someone_new_to_the_bank_gets_through_a_roster_by_the_mobile_they_proved(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    enterprise = make_enterprise(kernel, bank.rm_xh)
    code = make_group_code(kernel, bank.rm_xh, enterprise)
    bound = make_group_code(kernel, bank.rm_xh, enterprise, bind_on_first_scan=True)
    roster = "张伟,13900000001,\n".encode()
    with kernel.db.session() as session:
        for each in (code, bound):
            outreach.upload_roster(session, bank.rm_xh, code_id=each.id, content=roster)
    assert scan(kernel, code).result == "pending"
    done = scan(kernel, code, prospect_mobile="13900000001")
    assert done.result == "accepted"
    stranger = scan(kernel, code, prospect_mobile="13900000009", device="device-stranger")
    assert stranger.error is not None
    assert stranger.error.code == "qr_not_on_roster"
    customers_only = scan(kernel, bound, prospect_mobile="13900000001")
    assert customers_only.error is not None
    assert customers_only.error.code == "qr_customers_only"
    # they open their account: the customer they became is ticked off on the roster
    became = make_customer(kernel, bank.rm_xh, serial=1, mobile="13900000001")
    with kernel.db.session() as session:
        assert not any(m.completed for m in outreach.roster_members(session, bank.rm_xh,
                                                                     code_id=code.id))
    kind, account_id = place_money(kernel, became.id, None)  # the payroll account
    with kernel.db.session() as session:
        credited = outreach.credit_conversion(session, outreach.Completion(
            journey_id="j-payroll-1", customer_id=became.id, kind=kind,
            reference_id=uuid.UUID(account_id), qr_code_id=code.id, scan_id=done.scan_id,
            journey_key="payroll_card_group"))
        assert credited is not None
    with kernel.db.session() as session:
        members = outreach.roster_members(session, bank.rm_xh, code_id=code.id)
    assert [m.completed for m in members] == [True]


@SQLITE_ONLY
def test_the_enterprise_roster_is_copied_and_personal_codes_come_as_a_zip(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    code = make_group_code(kernel, bank.rm_xh, make_enterprise(kernel, bank.rm_xh, employees=3))
    with kernel.db.session() as session:
        report = outreach.import_enterprise_roster(session, bank.rm_xh, code_id=code.id)
        assert (report.added, report.errors) == (3, [])
        again = outreach.import_enterprise_roster(session, bank.rm_xh, code_id=code.id)
        assert again.added == 0
        assert len(again.errors) == 3
        archive = outreach.roster_zip(session, bank.rm_xh, code_id=code.id, base_url=BASE)
        personal = outreach.personal_codes(session, bank.rm_xh, code_id=code.id)
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        names = sorted(files.namelist())
        decoded = [zxingcpp.read_barcodes(Image.open(io.BytesIO(files.read(n))))[0].text
                   for n in names]
    assert names == ["0001_员**_0001.png", "0002_员**_0002.png", "0003_员**_0003.png"]
    assert decoded == [BASE + p.path for p in personal]
    # the same personal codes are handed out again, not new ones
    with kernel.db.session() as session:
        assert outreach.personal_codes(session, bank.rm_xh, code_id=code.id) == personal


def test_a_personal_code_opens_only_for_its_employee(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    code = make_group_code(kernel, bank.rm_xh, make_enterprise(kernel, bank.rm_xh, employees=2))
    first = make_customer(kernel, bank.rm_xh, serial=1, mobile="13700000001")
    second = make_customer(kernel, bank.rm_xh, serial=2, mobile="13700000002")
    with kernel.db.session() as session:
        outreach.import_enterprise_roster(session, bank.rm_xh, code_id=code.id)
        personal = outreach.personal_codes(session, bank.rm_xh, code_id=code.id)
    mine = personal[0].path.removeprefix("/q/")
    assert scan(kernel, mine).result == "pending"
    refused = scan(kernel, mine, customer_id=second.id, device="device-colleague")
    assert refused.error is not None
    assert refused.error.code == "qr_not_on_roster"
    assert scan(kernel, mine, customer_id=first.id).result == "accepted"
    with kernel.db.session() as session:
        # a group code's owners see its personal codes' scans in its funnel
        steps = outreach.funnel(session, bank.rm_xh, code_id=code.id).steps
    assert (steps[0].count, steps[1].count) == (1, 1)
