import pytest

from contactless.identity import service as identity
from contactless.identity.errors import (
    BranchCodeTaken,
    InvalidBranchTree,
    InvalidRole,
    NotAllowed,
    UnknownBranch,
    UsernameTaken,
    WeakPassword,
)
from contactless.identity.models import BranchKind, Role
from contactless.platform import audit
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank


def test_branches_form_a_tree_under_head_office(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    with kernel.db.session() as session:
        paths = [b.path for b in identity.list_branches(session, bank.admin)]
        scoped = [b.code for b in identity.list_branches(session, bank.manager_hz)]
    assert "/HQ/HZ/HZ-XH/" in paths
    assert scoped == ["HZ", "HZ-BJ", "HZ-XH"]


@pytest.mark.parametrize(("code", "kind", "parent", "error"), [
    ("HQ2", BranchKind.HEAD_OFFICE, None, InvalidBranchTree),
    ("X1", BranchKind.SUB_BRANCH, "HQ", InvalidBranchTree),
    ("X2", BranchKind.BRANCH, "NOPE", UnknownBranch),
    ("HZ", BranchKind.BRANCH, "HQ", BranchCodeTaken),
    ("?", BranchKind.BRANCH, "HQ", InvalidBranchTree),
])
def test_bad_branches_are_refused(kernel: Kernel, code: str, kind: BranchKind,
                                  parent: str | None, error: type[Exception]) -> None:
    bank = make_small_bank(kernel)
    with pytest.raises(error), kernel.db.session() as session:
        identity.create_branch(session, bank.admin, code=code, name="x", kind=kind,
                               parent_code=parent)


def test_only_an_admin_creates_staff_and_it_is_audited(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    with kernel.db.session() as session:
        view = identity.create_staff(session, bank.admin, username="new.rm", role=Role.RM,
                                     branch_code="HZ-XH", password="Good-password-1")
        entries = audit.search(session, action="staff.created", target_id=str(view.id))
    assert view.branch_code == "HZ-XH"
    assert entries
    assert entries[0].actor_id == bank.admin.id
    with pytest.raises(NotAllowed), kernel.db.session() as session:
        identity.create_staff(session, bank.manager_hz, username="x.rm", role=Role.RM,
                              branch_code="HZ-XH", password="Good-password-1")


@pytest.mark.parametrize(("username", "role", "password", "error"), [
    ("rm.xh", "rm", "Good-password-1", UsernameTaken),
    ("fresh", "boss", "Good-password-1", InvalidRole),
    ("fresh", "rm", "short1", WeakPassword),
    ("fresh", "rm", "onlyletterslong", WeakPassword),
])
def test_bad_staff_are_refused(kernel: Kernel, username: str, role: str, password: str,
                               error: type[Exception]) -> None:
    bank = make_small_bank(kernel)
    with pytest.raises(error), kernel.db.session() as session:
        identity.create_staff(session, bank.admin, username=username, role=role,
                              branch_code="HQ", password=password)


def test_staff_list_follows_the_data_scope(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    with kernel.db.session() as session:
        everyone = {s.username for s in identity.list_staff(session, bank.admin)}
        hangzhou = {s.username for s in identity.list_staff(session, bank.manager_hz)}
    assert {"rm.nb", "admin"} <= everyone
    assert hangzhou == {"bm.hz", "rm.xh", "rm.bj"}
    with pytest.raises(NotAllowed), kernel.db.session() as session:
        identity.list_staff(session, bank.rm_xh)
