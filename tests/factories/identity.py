"""Typed factories for branches, staff and customers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.customers.service import CustomerView
from contactless.identity import repository
from contactless.identity import service as identity
from contactless.identity.models import BranchKind, Role
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.kernel import Kernel

PASSWORD = "Correct-horse-42"


@dataclass(frozen=True)
class SmallBank:
    """HQ > HZ (branch) > HZ-XH and HZ-BJ (sub-branches); NB (branch) > NB-HS."""

    admin: Actor
    auditor: Actor
    manager_hz: Actor
    rm_xh: Actor
    rm_bj: Actor
    rm_nb: Actor


def actor_of(session: Session, username: str) -> Actor:
    user = repository.staff_by_username(session, username)
    assert user is not None
    branch = repository.branch_by_id(session, user.branch_id)
    assert branch is not None
    return identity.staff_actor(user, branch)


def make_small_bank(kernel: Kernel) -> SmallBank:
    with kernel.db.session() as session:
        identity.create_branch(session, SYSTEM, code="HQ", name="总行", kind=BranchKind.HEAD_OFFICE)
        identity.create_branch(session, SYSTEM, code="HZ", name="杭州分行", kind=BranchKind.BRANCH,
                               parent_code="HQ")
        identity.create_branch(session, SYSTEM, code="NB", name="宁波分行", kind=BranchKind.BRANCH,
                               parent_code="HQ")
        for code, name, parent in (("HZ-XH", "西湖支行", "HZ"), ("HZ-BJ", "滨江支行", "HZ"),
                                   ("NB-HS", "海曙支行", "NB")):
            identity.create_branch(session, SYSTEM, code=code, name=name,
                                   kind=BranchKind.SUB_BRANCH, parent_code=parent)
        for username, role, branch in (
            ("admin", Role.ADMIN, "HQ"), ("auditor", Role.AUDITOR, "HQ"),
            ("bm.hz", Role.BRANCH_MANAGER, "HZ"), ("rm.xh", Role.RM, "HZ-XH"),
            ("rm.bj", Role.RM, "HZ-BJ"), ("rm.nb", Role.RM, "NB-HS"),
        ):
            identity.create_staff(session, SYSTEM, username=username, role=role,
                                  branch_code=branch, password=PASSWORD,
                                  display_name=username.upper())
        return SmallBank(*(actor_of(session, name) for name in
                           ("admin", "auditor", "bm.hz", "rm.xh", "rm.bj", "rm.nb")))


def valid_id_number(serial: int) -> str:
    from stdnum.cn import ric

    body = f"1101011985{1 + serial % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_customer(kernel: Kernel, rm: Actor, *, serial: int = 1,
                  mobile: str | None = None, name: str = "张三") -> CustomerView:
    with kernel.db.session() as session:
        return customers.create_customer(
            session, SYSTEM, name=name, mobile=mobile or f"1380000{serial:04d}",
            id_number=valid_id_number(serial), primary_rm_id=uuid.UUID(rm.id),
        )
