"""Co-owners, credit shares, and the enterprise contact's progress page."""

import uuid

import pytest

from contactless.outreach import service as outreach
from contactless.outreach.errors import (
    InvalidOwner,
    InvitationConflict,
    NotCodeOwner,
    ProgressLinkInvalid,
    SharesInvalid,
)
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank, valid_id_number
from tests.factories.outreach import (
    complete_journey,
    make_code,
    make_enterprise,
    make_group_code,
    scan,
)

# rules that do not depend on the database engine run on SQLite only, to keep the suite quick
SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_an_invited_rm_accepts_and_the_creator_sets_shares_that_every_owner_sees(
    kernel: Kernel,
) -> None:
    bank = make_small_bank(kernel)
    code = make_code(kernel, bank.rm_xh)
    bj, nb = uuid.UUID(bank.rm_bj.id), uuid.UUID(bank.rm_nb.id)
    with kernel.db.session() as session:
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id, staff_id=bj)
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id, staff_id=nb)
        invitations = outreach.my_invitations(session, bank.rm_bj)
        assert [(i.code_id, i.invited_by) for i in invitations] == [(code.id, "RM.XH")]
        with pytest.raises(InvitationConflict):
            outreach.invite_owner(session, bank.rm_xh, code_id=code.id, staff_id=bj)
    with kernel.db.session() as session:
        accepted = outreach.respond_to_invitation(session, bank.rm_bj, code_id=code.id,
                                                  accept=True)
        outreach.respond_to_invitation(session, bank.rm_nb, code_id=code.id, accept=False)
        with pytest.raises(InvitationConflict):
            outreach.respond_to_invitation(session, bank.rm_nb, code_id=code.id, accept=True)
    assert {(o.name, o.status, str(o.share)) for o in accepted.owners} == {
        ("RM.XH", "accepted", "100.00"), ("RM.BJ", "accepted", "0.00"),
        ("RM.NB", "invited", "0.00")}
    with kernel.db.session() as session:
        outreach.set_shares(session, bank.rm_xh, code_id=code.id,
                            shares={uuid.UUID(bank.rm_xh.id): "66.67", bj: "33.33"})
    with kernel.db.session() as session:
        seen_by_partner = outreach.get_code(session, bank.rm_bj, code_id=code.id)
    assert {(o.name, str(o.share)) for o in seen_by_partner.owners
            if o.status == "accepted"} == {("RM.XH", "66.67"), ("RM.BJ", "33.33")}
    # the declined RM cannot see the code any more
    with kernel.db.session() as session, pytest.raises(Exception, match="not found"):
        outreach.get_code(session, bank.rm_nb, code_id=code.id)


@pytest.mark.parametrize(("shares", "message"), [
    ({"xh": "60", "bj": "30"}, "exactly 100%"),
    ({"xh": "100"}, "every owner who accepted"),
    ({"xh": "50", "bj": "50", "nb": "0"}, "owners who accepted"),
    ({"xh": "100.5", "bj": "-0.5"}, "from 0 to 100"),
    ({"xh": "33.333", "bj": "66.667"}, "two decimal places"),
    ({"xh": 50.0, "bj": "50"}, "exact numbers"),
])
def test_shares_not_adding_up_to_100_are_refused(sqlite_kernel: Kernel,
                                                 shares: dict[str, object], message: str) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh)
    ids = {"xh": uuid.UUID(bank.rm_xh.id), "bj": uuid.UUID(bank.rm_bj.id),
           "nb": uuid.UUID(bank.rm_nb.id)}
    with sqlite_kernel.db.session() as session:
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id, staff_id=ids["bj"])
        outreach.respond_to_invitation(session, bank.rm_bj, code_id=code.id, accept=True)
    with sqlite_kernel.db.session() as session, pytest.raises(SharesInvalid, match=message):
        outreach.set_shares(session, bank.rm_xh, code_id=code.id,
                            shares={ids[k]: v for k, v in shares.items()})


def test_only_the_creator_edits_shares_and_only_rms_are_invited(sqlite_kernel: Kernel) -> None:
    bank = make_small_bank(sqlite_kernel)
    code = make_code(sqlite_kernel, bank.rm_xh)
    with sqlite_kernel.db.session() as session:
        outreach.invite_owner(session, bank.rm_xh, code_id=code.id,
                              staff_id=uuid.UUID(bank.rm_bj.id))
        outreach.respond_to_invitation(session, bank.rm_bj, code_id=code.id, accept=True)
    with sqlite_kernel.db.session() as session:
        with pytest.raises(NotCodeOwner):
            outreach.set_shares(session, bank.rm_bj, code_id=code.id,
                                shares={uuid.UUID(bank.rm_bj.id): "100",
                                        uuid.UUID(bank.rm_xh.id): "0"})
        with pytest.raises(InvalidOwner):
            outreach.invite_owner(session, bank.rm_xh, code_id=code.id,
                                  staff_id=uuid.UUID(bank.auditor.id))
        with pytest.raises(InvalidOwner):
            outreach.invite_owner(session, bank.rm_xh, code_id=code.id, staff_id=uuid.uuid4())


def test_the_company_contact_sees_progress_masked_through_a_signed_link(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    enterprise = make_enterprise(kernel, bank.rm_xh)
    code = make_group_code(kernel, bank.rm_xh, enterprise)
    worker = make_customer(kernel, bank.rm_xh, serial=7, mobile="13811112222", name="李明华")
    with kernel.db.session() as session:
        outreach.upload_roster(session, bank.rm_xh, code_id=code.id, content=(
            f"李明华,13811112222,{valid_id_number(7)}\n王小红,13833334444,\n".encode()))
        token = outreach.progress_token(session, bank.rm_xh, code_id=code.id)
    scan(kernel, code, customer_id=worker.id)
    complete_journey(kernel, customer_id=worker.id, qr_code_id=code.id)
    with kernel.db.session() as session:
        page = outreach.progress_by_token(session, token=token)
    assert (page.total, page.completed) == (2, 1)
    assert page.enterprise == "杭州示例科技有限公司"
    assert [(m.name, m.mobile) for m in page.not_yet] == [("王**", "138****4444")]
    assert {m.name for m in page.members} == {"李**", "王**"}
    with kernel.db.session() as session:
        with pytest.raises(ProgressLinkInvalid):
            outreach.progress_by_token(session, token=token[:-2] + "xx")
        outreach.progress_token(session, bank.rm_xh, code_id=code.id, renew=True)
    with kernel.db.session() as session, pytest.raises(ProgressLinkInvalid):
        outreach.progress_by_token(session, token=token)
