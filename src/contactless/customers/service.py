"""Customer rules: profiles with PII encrypted at rest, data scope, one-time-code sign-in,
enterprises and rosters (企业员工名单)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from contactless.customers import repository
from contactless.customers.errors import (
    CustomerExists,
    CustomerNotFound,
    EnterpriseNotFound,
    InvalidCreditCode,
    InvalidIdNumber,
    InvalidName,
)
from contactless.customers.models import Customer, CustomerShare

# enterprises and their rosters are handed to other domains as they are stored
from contactless.customers.models import Enterprise as Enterprise
from contactless.customers.models import EnterpriseEmployee as EnterpriseEmployee
from contactless.identity import service as identity
from contactless.identity.errors import NotAllowed
from contactless.identity.permissions import Operation, authorize
from contactless.identity.service import Role
from contactless.platform import audit, guard
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.events import publish
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_id_number, mask_mobile, mask_name


@dataclass(frozen=True)
class CustomerView:
    """A customer as a page or API shows it; PII is masked unless ``unmasked`` was asked."""

    id: uuid.UUID
    name: str
    mobile: str
    id_number: str
    primary_rm_id: uuid.UUID
    branch_id: uuid.UUID
    status: str
    created_at: datetime


def check_id_number(value: str) -> str:
    """Validate a resident ID number: 18 characters, real birth date, ISO 7064 check digit."""
    value = value.strip().upper()
    try:
        return str(ric.validate(value))
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise InvalidIdNumber("not a valid resident ID number (check the last digit)") from exc


def check_name(value: str) -> str:
    value = value.strip()
    if not 1 < len(value) <= 40 or re.search(r"[\d<>]", value):
        raise InvalidName("enter the name as on the ID card")
    return value


def _decrypt(session: Session, customer: Customer, *, unmasked: bool) -> CustomerView:
    cipher = kernel_of(session).cipher
    name = cipher.decrypt(customer.name_encrypted, context="customer.name")
    mobile = cipher.decrypt(customer.mobile_encrypted, context="customer.mobile")
    id_number = cipher.decrypt(customer.id_number_encrypted, context="customer.id_number")
    if not unmasked:
        name, mobile, id_number = mask_name(name), mask_mobile(mobile), mask_id_number(id_number)
    return CustomerView(customer.id, name, mobile, id_number, customer.primary_rm_id,
                        customer.branch_id, customer.status, customer.created_at)


def create_customer(
    session: Session, actor: Actor, *, name: str, mobile: str, id_number: str,
    primary_rm_id: uuid.UUID,
) -> CustomerView:
    """Register a customer under a primary RM of the actor's scope (an RM registers their
    own customers); mobile and ID number must be new to the bank."""
    authorize(actor, Operation.CUSTOMER_CREATE)
    rm = identity.actor_for_staff_id(session, primary_rm_id)
    authorize(actor, Operation.CUSTOMER_CREATE,
              branch_path=identity.branch_path_of(session, rm.branch_id))
    if actor.kind == "staff" and actor.role == Role.RM and actor.id != str(primary_rm_id):
        raise NotAllowed("an RM registers customers under their own name")
    cipher = kernel_of(session).cipher
    name = check_name(name)
    mobile = identity.check_mobile(mobile)
    id_number = check_id_number(id_number)
    mobile_index = cipher.blind_index(mobile, kind="mobile")
    id_index = cipher.blind_index(id_number, kind="id_number")
    if repository.by_mobile_index(session, mobile_index) or repository.by_id_number_index(
        session, id_index
    ):
        raise CustomerExists("a customer with this mobile or ID number already exists")
    customer = Customer(
        name_encrypted=cipher.encrypt(name, context="customer.name"),
        mobile_encrypted=cipher.encrypt(mobile, context="customer.mobile"),
        mobile_index=mobile_index,
        id_number_encrypted=cipher.encrypt(id_number, context="customer.id_number"),
        id_number_index=id_index,
        primary_rm_id=primary_rm_id,
        branch_id=rm.branch_id,
    )
    session.add(customer)
    session.flush()
    audit.record(session, actor, action="customer.created", target_type="customer",
                 target_id=customer.id,
                 after={"name": name, "mobile": mobile, "id_number": id_number,
                        "primary_rm_id": str(primary_rm_id)})
    return _decrypt(session, customer, unmasked=False)


def _scope(actor: Actor) -> tuple[uuid.UUID | None, str | None]:
    """(rm_id, branch path prefix) for the customer query; (None, None) is the whole bank."""
    if actor.kind == "system":
        return None, None
    if actor.kind != "staff":
        raise CustomerNotFound("customer not found")
    if actor.role == Role.RM:
        return uuid.UUID(actor.id), None
    return None, identity.scope_path(actor)


def list_customers(session: Session, actor: Actor, *, mobile: str | None = None,
                   limit: int = 50, offset: int = 0) -> tuple[list[CustomerView], int]:
    """Customers in the actor's scope, masked, newest first, with the total in scope."""
    rm_id, prefix = _scope(actor)
    authorize(actor, Operation.CUSTOMER_READ)
    index = (kernel_of(session).cipher.blind_index(identity.check_mobile(mobile), kind="mobile")
             if mobile is not None else None)
    rows = repository.list_customers(session, rm_id=rm_id, path_prefix=prefix,
                                     mobile_index=index, limit=limit, offset=offset)
    total = repository.count_customers(session, rm_id=rm_id, path_prefix=prefix)
    return [_decrypt(session, c, unmasked=False) for c in rows], total


def get_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                 unmasked: bool = False) -> CustomerView:
    """One customer if the actor may see them: a customer sees only themself."""
    authorize(actor, Operation.CUSTOMER_READ)
    if actor.kind == "customer":
        if actor.id != str(customer_id):
            raise CustomerNotFound("customer not found")
        found = session.get(Customer, customer_id)
    else:
        rm_id, prefix = _scope(actor)
        found = repository.visible(session, customer_id, rm_id=rm_id, path_prefix=prefix)
    if found is None:
        raise CustomerNotFound("customer not found")
    return _decrypt(session, found, unmasked=unmasked or actor.kind == "customer")


def can_see(session: Session, actor: Actor, *, customer_id: uuid.UUID) -> bool:
    """Whether the customer is in the actor's scope (a customer: only themself)."""
    if actor.kind == "customer":
        return actor.id == str(customer_id)
    if actor.kind not in ("staff", "system"):
        return False
    rm_id, prefix = _scope(actor)
    return repository.visible(session, customer_id, rm_id=rm_id, path_prefix=prefix) is not None


def branch_path_of(session: Session, customer_id: uuid.UUID | None) -> str:
    """The branch path a customer's things belong to (their primary RM's branch); the bank's
    own accounts (no customer) belong to head office, "/"."""
    if customer_id is None:
        return "/"
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound("customer not found")
    return identity.branch_path_of(session, customer.branch_id)


def share_customer(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                   staff_id: uuid.UUID) -> None:
    """Let another RM see and serve a customer the actor can see."""
    authorize(actor, Operation.CUSTOMER_SHARE)
    get_customer(session, actor, customer_id=customer_id)
    identity.actor_for_staff_id(session, staff_id)
    session.add(CustomerShare(customer_id=customer_id, staff_id=staff_id))
    session.flush()
    audit.record(session, actor, action="customer.shared", target_type="customer",
                 target_id=customer_id, details={"staff_id": str(staff_id)})


def customer_exists(session: Session, *, customer_id: uuid.UUID) -> bool:
    """Whether the bank has this customer (the core opens accounts only for them)."""
    return session.get(Customer, customer_id) is not None


def find_by_mobile(session: Session, *, mobile: str) -> Customer | None:
    cipher = kernel_of(session).cipher
    return repository.by_mobile_index(
        session, cipher.blind_index(identity.check_mobile(mobile), kind="mobile")
    )


def find_by_id_number(session: Session, *, id_number: str) -> Customer | None:
    """The customer with this resident ID number, if the bank has one (prospect journeys ask
    before they open anything)."""
    cipher = kernel_of(session).cipher
    return repository.by_id_number_index(
        session, cipher.blind_index(check_id_number(id_number), kind="id_number")
    )


def change_mobile(session: Session, actor: Actor, *, customer_id: uuid.UUID,
                  mobile: str) -> CustomerView:
    """Replace a customer's registered mobile (the change-mobile journey calls this once
    identity and both numbers are verified); the new number must be new to the bank."""
    authorize(actor, Operation.CUSTOMER_EDIT)
    if actor.kind != "system" and not can_see(session, actor, customer_id=customer_id):
        raise CustomerNotFound("customer not found")
    cipher = kernel_of(session).cipher
    mobile = identity.check_mobile(mobile)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound("customer not found")
    index = cipher.blind_index(mobile, kind="mobile")
    if repository.by_mobile_index(session, index) is not None:
        raise CustomerExists("a customer with this mobile or ID number already exists")
    before = cipher.decrypt(customer.mobile_encrypted, context="customer.mobile")
    customer.mobile_encrypted = cipher.encrypt(mobile, context="customer.mobile")
    customer.mobile_index = index
    # whoever holds a session from before the change (perhaps the old phone) is signed out
    customer.session_version += 1
    session.flush()
    audit.record(session, actor, action="customer.mobile_changed", target_type="customer",
                 target_id=customer.id, before={"mobile": before}, after={"mobile": mobile},
                 details={"sessions_ended": True})
    return _decrypt(session, customer, unmasked=False)


# ---- sign-in by one-time code --------------------------------------------------------------


def request_sign_in_code(session: Session, *, mobile: str) -> int:
    """Send a code to any valid number, so the answer does not reveal who banks here."""
    return identity.send_one_time_code(session, mobile=mobile, purpose="sign-in")


SIGNED_IN = "customer.signed_in"


def complete_sign_in(session: Session, *, mobile: str, code: str, channel: str = "mobile",
                     anonymous_id: str | None = None, device: str | None = None) -> Actor:
    """Check the code; return the signed-in customer. ``anonymous_id`` is the id the device
    was known by before (its device cookie, the app's install id): ``customer.signed_in``
    carries it, so what the device did before becomes the customer's."""
    identity.check_one_time_code(session, mobile=mobile, code=code, purpose="sign-in",
                                 actor=Actor(kind="anonymous", id="anonymous", channel=channel))
    customer = find_by_mobile(session, mobile=mobile)
    if customer is None or customer.status != "active":
        raise CustomerNotFound("no customer with this mobile number; open an account first")
    actor = customer_actor(customer.id, channel=channel)
    # the risk check: a sign-in it refuses answers risk_sign_in_refused, and nobody signs in
    guard.check(session, actor, guard.Guarded(kind="sign_in", channel=channel,
                                              customer_id=customer.id, device=device))
    audit.record(session, actor, action="customer.signed_in", target_type="customer",
                 target_id=customer.id)
    publish(session, SIGNED_IN, {"customer_id": str(customer.id), "channel": channel,
                                 "anonymous_id": (anonymous_id or "")[:64] or None})
    return actor


ANALYTICS_CHOICES = ("granted", "declined")


def set_analytics_consent(session: Session, actor: Actor, *, granted: bool) -> str:
    """The signed-in customer's answer to behaviour analytics (page and product views),
    kept with its time and audited; returns ``granted`` or ``declined``."""
    if actor.kind != "customer":
        raise NotAllowed("only the customer answers for their own analytics")
    customer = session.get(Customer, uuid.UUID(actor.id))
    if customer is None:
        raise CustomerNotFound("no such customer")
    before = customer.analytics_consent
    customer.analytics_consent = "granted" if granted else "declined"
    customer.analytics_consent_at = utcnow()
    audit.record(session, actor, action="customer.analytics_consent", target_type="customer",
                 target_id=customer.id, before={"analytics": before},
                 after={"analytics": customer.analytics_consent})
    return customer.analytics_consent


def analytics_consent_of(session: Session, *, customer_id: uuid.UUID) -> str | None:
    """``granted``, ``declined``, or None when the customer was not asked yet."""
    return session.scalar(select(Customer.analytics_consent).where(Customer.id == customer_id))


def customer_actor(customer_id: uuid.UUID, *, channel: str = "mobile") -> Actor:
    return Actor(kind="customer", id=str(customer_id), channel=channel)


def actor_for_customer_session(session: Session, *, customer_id: str, version: int,
                               channel: str = "mobile") -> Actor | None:
    """The customer behind a cookie or token, if still active and the token's version is the
    customer's (signing out and changing the mobile end every older token)."""
    try:
        customer = session.get(Customer, uuid.UUID(customer_id))
    except ValueError:
        return None
    if customer is None or customer.status != "active" or customer.session_version != version:
        return None
    return customer_actor(customer.id, channel=channel)


def session_version(session: Session, *, customer_id: uuid.UUID) -> int:
    """The version a new token or cookie of this customer carries."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound("customer not found")
    return customer.session_version


def issue_customer_token(session: Session, actor: Actor) -> str:
    """A bearer token for a signed-in customer, at the customer's current version."""
    return identity.issue_access_token(
        session, actor, version=session_version(session, customer_id=uuid.UUID(actor.id)))


def sign_out(session: Session, actor: Actor) -> None:
    """End every session and token of this customer, on every device."""
    customer = session.get(Customer, uuid.UUID(actor.id))
    if customer is None:
        raise CustomerNotFound("customer not found")
    customer.session_version += 1
    audit.record(session, actor, action="customer.signed_out", target_type="customer",
                 target_id=customer.id, after={"session_version": customer.session_version})


def customer_rows() -> Select[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Every active customer as (customer_id, rm_id, branch_id): a statement for set-based
    callers (a campaign's audience joins it), not rows."""
    return repository.active_customer_rows()


def mobiles_of(session: Session, *, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The mobile numbers of ``ids``, decrypted (for a channel that texts them)."""
    cipher = kernel_of(session).cipher
    return {row.id: cipher.decrypt(row.mobile_encrypted, context="customer.mobile")
            for row in repository.by_ids(session, ids)} if ids else {}


def customer_ids(session: Session) -> list[uuid.UUID]:
    return repository.all_customer_ids(session)


def existing_customer_ids(session: Session, *, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are customers of the bank (one query, however many are asked)."""
    return repository.existing_ids(session, ids) if ids else set()


@dataclass(frozen=True)
class Relationship:
    """Who serves a customer: the primary RM, the branch, and the RMs it is shared with."""

    customer_id: uuid.UUID
    primary_rm_id: uuid.UUID
    branch_id: uuid.UUID
    shared_with: tuple[uuid.UUID, ...] = ()


def relationships(session: Session, *, customer_ids: list[uuid.UUID] | None = None
                  ) -> dict[uuid.UUID, Relationship]:
    """Every customer's RM relationships (or those of ``customer_ids``), in two queries."""
    shared: dict[uuid.UUID, list[uuid.UUID]] = {}
    for customer_id, staff_id in repository.shares(session, customer_ids):
        shared.setdefault(customer_id, []).append(staff_id)
    return {customer_id: Relationship(customer_id, rm_id, branch_id,
                                      tuple(sorted(shared.get(customer_id, []))))
            for customer_id, rm_id, branch_id in repository.relationships(session, customer_ids)}


def visible_customer_ids(session: Session, actor: Actor, *, ids: list[uuid.UUID]
                         ) -> set[uuid.UUID]:
    """Which of ``ids`` the actor may see (an RM: own and shared; others: their subtree), in
    one query however many are asked."""
    if not ids:
        return set()
    if actor.kind == "customer":
        return {customer_id for customer_id in ids if str(customer_id) == actor.id}
    if actor.kind not in ("staff", "system"):
        return set()
    rm_id, prefix = _scope(actor)
    return repository.visible_ids(session, ids, rm_id=rm_id, path_prefix=prefix)


# ---- enterprises and rosters ------------------------------------------------------------------


def create_enterprise(session: Session, actor: Actor, *, name: str, credit_code: str,
                      rm_id: uuid.UUID, contact_name: str, contact_mobile: str) -> Enterprise:
    """A corporate client (企业客户) served by an RM of the actor's scope, with its contact."""
    rm = identity.actor_for_staff_id(session, rm_id)
    authorize(actor, Operation.ENTERPRISE_MANAGE,
              branch_path=identity.branch_path_of(session, rm.branch_id))
    cipher = kernel_of(session).cipher
    credit_code = credit_code.strip().upper()
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", credit_code):
        raise InvalidCreditCode("unified social credit code must be 18 characters")
    enterprise = Enterprise(
        name=name.strip(), credit_code=credit_code, branch_id=rm.branch_id, rm_id=rm_id,
        contact_name_encrypted=cipher.encrypt(check_name(contact_name), context="contact.name"),
        contact_mobile_encrypted=cipher.encrypt(identity.check_mobile(contact_mobile),
                                                context="contact.mobile"),
    )
    session.add(enterprise)
    session.flush()
    audit.record(session, actor, action="enterprise.created", target_type="enterprise",
                 target_id=enterprise.id, details={"name": enterprise.name})
    return enterprise


def add_employee(session: Session, actor: Actor, *, enterprise_id: uuid.UUID, name: str,
                 mobile: str, id_number: str) -> EnterpriseEmployee:
    """Add one person to an enterprise roster of the actor's scope; linked to the customer if
    the bank knows them."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound("enterprise not found")
    authorize(actor, Operation.ENTERPRISE_MANAGE,
              branch_path=identity.branch_path_of(session, enterprise.branch_id))
    cipher = kernel_of(session).cipher
    mobile = identity.check_mobile(mobile)
    id_number = check_id_number(id_number)
    existing = find_by_mobile(session, mobile=mobile)
    employee = EnterpriseEmployee(
        enterprise_id=enterprise_id,
        customer_id=existing.id if existing else None,
        name_encrypted=cipher.encrypt(check_name(name), context="employee.name"),
        mobile_encrypted=cipher.encrypt(mobile, context="employee.mobile"),
        mobile_index=cipher.blind_index(mobile, kind="mobile"),
        id_number_encrypted=cipher.encrypt(id_number, context="employee.id_number"),
        id_number_index=cipher.blind_index(id_number, kind="id_number"),
    )
    session.add(employee)
    session.flush()
    audit.record(session, actor, action="enterprise.employee_added",
                 target_type="enterprise_employee", target_id=employee.id,
                 details={"enterprise_id": str(enterprise_id)})
    return employee


def list_enterprises(session: Session) -> list[Enterprise]:
    """Every enterprise, for the bank's own lookups (a journey naming its employer); pages
    and staff use :func:`enterprises_in_scope`."""
    return repository.enterprises(session)


def enterprises_in_scope(session: Session, actor: Actor) -> list[Enterprise]:
    """The enterprises of the actor's branch subtree."""
    authorize(actor, Operation.ENTERPRISE_READ)
    prefix = identity.scope_path(actor)
    if prefix is None:
        return repository.enterprises(session)
    return [e for e in repository.enterprises(session)
            if identity.branch_path_of(session, e.branch_id).startswith(prefix)]


def check_enterprise_in_scope(session: Session, actor: Actor, operation: Operation, *,
                              enterprise_id: uuid.UUID) -> Enterprise:
    """The enterprise, if the actor may do ``operation`` on it (its branch in their
    subtree); ``enterprise_not_found`` when it does not exist, ``out_of_scope`` otherwise."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound("enterprise not found")
    authorize(actor, operation, branch_path=identity.branch_path_of(session, enterprise.branch_id))
    return enterprise


def roster(session: Session, *, enterprise_id: uuid.UUID) -> list[EnterpriseEmployee]:
    return repository.employees(session, enterprise_id)
