"""Every query of the identity domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from contactless.identity.models import Branch, StaffUser
from contactless.platform.driver import Prepared


def branch_by_code(session: Session, code: str) -> Branch | None:
    return session.scalar(select(Branch).where(Branch.code == code))


def branch_by_id(session: Session, branch_id: uuid.UUID) -> Branch | None:
    return session.get(Branch, branch_id)


def branch_ids_under(path_prefix: str) -> Select[uuid.UUID]:
    return select(Branch.id).where(Branch.path.startswith(path_prefix))


def branches(session: Session, *, path_prefix: str | None = None) -> list[Branch]:
    query = select(Branch).order_by(Branch.path)
    if path_prefix:
        query = query.where(Branch.path.startswith(path_prefix))
    return list(session.scalars(query))


def staff_by_username(session: Session, username: str, *, for_update: bool = False,
                      ) -> StaffUser | None:
    query = select(StaffUser).where(StaffUser.username == username)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def staff_by_id(session: Session, staff_id: uuid.UUID) -> StaffUser | None:
    return session.get(StaffUser, staff_id)


def staff_with_branch(session: Session, staff_id: uuid.UUID) -> tuple[StaffUser, Branch] | None:
    row = session.execute(
        select(StaffUser, Branch).join(Branch, StaffUser.branch_id == Branch.id)
        .where(StaffUser.id == staff_id)
    ).first()
    return (row[0], row[1]) if row else None


# every signed-in request sends it: straight to the driver on PostgreSQL (platform.driver)
_SIGNED_IN = Prepared(select(StaffUser.role, StaffUser.active, StaffUser.session_version,
                             StaffUser.display_name, Branch.path)
                      .join(Branch, StaffUser.branch_id == Branch.id)
                      .where(StaffUser.id == bindparam("staff_id")))


def signed_in_staff(session: Session, staff_id: uuid.UUID) -> Sequence[Any] | None:
    """(role, active, session_version, display_name, branch path) of a staff member: what
    every signed-in request checks, as plain columns (no entities to build)."""
    return _SIGNED_IN.first(session, {"staff_id": staff_id})


def staff_list(
    session: Session, *, path_prefix: str | None, role: str | None = None, limit: int = 200,
    offset: int = 0,
) -> list[tuple[StaffUser, Branch]]:
    query = select(StaffUser, Branch).join(Branch, StaffUser.branch_id == Branch.id)
    if path_prefix:
        query = query.where(Branch.path.startswith(path_prefix))
    if role:
        query = query.where(StaffUser.role == role)
    query = query.order_by(Branch.path, StaffUser.username).limit(limit).offset(offset)
    return [(row[0], row[1]) for row in session.execute(query)]


def count_staff(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(StaffUser)) or 0)


def staff_names(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.display_name)
                           .where(StaffUser.id.in_(ids)))
    return {row[0]: row[1] for row in rows}
