"""Every query of the customers domain."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from contactless.customers.models import Customer, CustomerShare, Enterprise, EnterpriseEmployee
from contactless.identity import service as identity


def by_mobile_index(session: Session, index: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.mobile_index == index))


def by_id_number_index(session: Session, index: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.id_number_index == index))


def scoped(query: Select[Customer], *, rm_id: uuid.UUID | None,
           path_prefix: str | None) -> Select[Customer]:
    """Restrict a customer query to what an RM (own and shared) or a branch subtree may see."""
    if rm_id is not None:
        shared = select(CustomerShare.customer_id).where(CustomerShare.staff_id == rm_id)
        return query.where(or_(Customer.primary_rm_id == rm_id, Customer.id.in_(shared)))
    if path_prefix is not None:
        branch_ids = identity.branch_ids_under(path_prefix)
        return query.where(Customer.branch_id.in_(branch_ids))
    return query


def list_customers(session: Session, *, rm_id: uuid.UUID | None, path_prefix: str | None,
                   mobile_index: str | None = None, limit: int = 50, offset: int = 0,
                   ) -> list[Customer]:
    query = scoped(select(Customer), rm_id=rm_id, path_prefix=path_prefix)
    if mobile_index:
        query = query.where(Customer.mobile_index == mobile_index)
    query = query.order_by(Customer.created_at.desc(), Customer.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def count_customers(session: Session, *, rm_id: uuid.UUID | None, path_prefix: str | None,
                    ) -> int:
    query = scoped(select(Customer), rm_id=rm_id, path_prefix=path_prefix)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def visible(session: Session, customer_id: uuid.UUID, *, rm_id: uuid.UUID | None,
            path_prefix: str | None) -> Customer | None:
    query = scoped(select(Customer), rm_id=rm_id, path_prefix=path_prefix)
    return session.scalars(query.where(Customer.id == customer_id)).first()


def enterprises(session: Session) -> list[Enterprise]:
    return list(session.scalars(select(Enterprise).order_by(Enterprise.name)))


def employees(session: Session, enterprise_id: uuid.UUID) -> list[EnterpriseEmployee]:
    return list(session.scalars(select(EnterpriseEmployee)
                                .where(EnterpriseEmployee.enterprise_id == enterprise_id)))


def all_customer_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Customer.id).order_by(Customer.created_at, Customer.id)))


def existing_ids(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.scalars(select(Customer.id).where(Customer.id.in_(ids))))


def relationships(session: Session, ids: list[uuid.UUID] | None
                  ) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """(customer id, primary RM id, branch id) of every customer, or of ``ids``."""
    query = select(Customer.id, Customer.primary_rm_id, Customer.branch_id)
    if ids is not None:
        query = query.where(Customer.id.in_(ids))
    return [(row[0], row[1], row[2]) for row in session.execute(query.order_by(Customer.id))]


def shares(session: Session, ids: list[uuid.UUID] | None) -> list[tuple[uuid.UUID, uuid.UUID]]:
    query = select(CustomerShare.customer_id, CustomerShare.staff_id)
    if ids is not None:
        query = query.where(CustomerShare.customer_id.in_(ids))
    return [(row[0], row[1]) for row in session.execute(query)]


def visible_ids(session: Session, ids: list[uuid.UUID], *, rm_id: uuid.UUID | None,
                path_prefix: str | None) -> set[uuid.UUID]:
    query = scoped(select(Customer), rm_id=rm_id, path_prefix=path_prefix)
    return set(session.scalars(query.with_only_columns(Customer.id)
                               .where(Customer.id.in_(ids))))


def active_customer_rows() -> Select[uuid.UUID, uuid.UUID, uuid.UUID]:
    return select(Customer.id.label("customer_id"), Customer.primary_rm_id.label("rm_id"),
                  Customer.branch_id.label("branch_id")).where(Customer.status == "active")


def by_ids(session: Session, ids: list[uuid.UUID]) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.id.in_(ids))))
