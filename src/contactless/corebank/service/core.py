"""What every core-banking service call shares: the port, who may act, idempotency, audit."""

from __future__ import annotations

import hashlib
import importlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactless.corebank.errors import (
    InvalidIdempotencyKey,
    NotYourAccount,
    PortNotConfigured,
    StaffOnly,
)
from contactless.corebank.ledger import EmbeddedLedger
from contactless.corebank.ledger.books import (
    CLOSED_DAY_CACHE,
    HELD,
    INTERNAL_CACHE,
    RATE_CACHE,
    actor_scope,
)
from contactless.corebank.models import IdempotentRequest
from contactless.corebank.port import CoreBankPort
from contactless.customers import service as customers
from contactless.identity.permissions import Operation, authorize, rule_of
from contactless.platform import audit
from contactless.platform.audit import AuditEntry, canonical
from contactless.platform.context import Actor
from contactless.platform.db import holds_nothing, utcnow
from contactless.platform.errors import Conflict, ContactlessError, IdempotencyKeyReused
from contactless.platform.events import OutboxEvent, publish, publish_row
from contactless.platform.money import Money, plain
from contactless.platform.writes import Claim, Write, collecting, execute_writes

EMBEDDED = "embedded"
PORT_SETTING = "corebank_port"
PORT_ENTRY_POINTS = "contactless.corebank_ports"
MAX_KEY_LENGTH = 128

PortFactory = Callable[[Session], CoreBankPort]
CustomerScope = Callable[[uuid.UUID], bool]
ResultT = TypeVar("ResultT", bound=BaseModel)


# -- the port ------------------------------------------------------------------------------------


def configured_port_name(session: Session) -> str:
    """``settings.corebank_port``: "embedded" (the default), an entry-point name in the
    ``contactless.corebank_ports`` group, or "package.module:factory"."""
    settings = getattr(session.info.get("kernel"), "settings", None)
    return str(getattr(settings, PORT_SETTING, None) or EMBEDDED)


@lru_cache(maxsize=8)
def load_port_factory(name: str) -> PortFactory:
    """Resolve a configured port name to its factory (cached: an import, not a connection)."""
    try:
        if ":" in name:
            module_name, _, attribute = name.partition(":")
            return cast(PortFactory, getattr(importlib.import_module(module_name), attribute))
        for point in entry_points(group=PORT_ENTRY_POINTS):
            if point.name == name:
                return cast(PortFactory, point.load())
    except (ImportError, AttributeError) as exc:
        raise PortNotConfigured("cannot load the core-banking port {name!r}: {exc}",
                                name=name, exc=str(exc)) from exc
    raise PortNotConfigured("no core-banking port named {name!r}", name=name)


def get_port(session: Session) -> CoreBankPort:
    """The core banking system for this session: the embedded ledger unless the bank
    configured its own (``CONTACTLESS_COREBANK_PORT``)."""
    name = configured_port_name(session)
    if name == EMBEDDED:
        return EmbeddedLedger(session)
    return load_port_factory(name)(session)


def embedded_ledger(session: Session) -> EmbeddedLedger:
    """The embedded ledger itself, for what only it has (books check, demo data, rate rows)."""
    return EmbeddedLedger(session)


# -- who may act ---------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    """Counter and back-office work: staff or the system, never a customer or partner."""
    if actor.kind not in ("staff", "system"):
        raise StaffOnly("this operation is done by bank staff")


def permit(actor: Actor, operation: Operation) -> None:
    """The permission table's answer for a core-banking operation: a customer refused an
    operation that is not theirs to do gets ``staff_only``."""
    if actor.kind in ("customer", "partner"):
        if not rule_of(operation).customer_self:
            raise StaffOnly("this operation is done by bank staff")
        return  # whose things they are is the caller's check
    authorize(actor, operation)


def check_customer_access(session: Session, actor: Actor, customer_id: uuid.UUID | None, *,
                          operation: Operation = Operation.ACCOUNT_READ,
                          can_see_customer: CustomerScope | None = None) -> None:
    """Whether the actor may do ``operation`` (the permission table: role, or a customer's
    own operation) on this customer's things.

    A customer actor may touch only their own things (``actor.id`` is their customer id).

    Staff act on the customers of their data scope (an RM: own and shared customers; other
    roles: their branch subtree; head office: all), checked here through the customers
    service unless the caller passes its own ``can_see_customer``; internal accounts (no
    customer) are for staff. The system may act on anything. Partners act for a consenting
    customer through that customer's actor (channel "partner"), so a bare partner actor owns
    nothing.
    """
    permit(actor, operation)
    if actor.kind == "system":
        return
    if actor.kind == "staff":
        if customer_id is None:
            return
        visible = (can_see_customer(customer_id) if can_see_customer is not None
                   else customers.can_see(session, actor, customer_id=customer_id))
        if not visible:
            raise NotYourAccount("this customer is outside your data scope")
        return
    if actor.kind == "customer" and customer_id is not None and str(customer_id) == actor.id:
        return
    raise NotYourAccount("this is not your account")


# -- idempotency ---------------------------------------------------------------------------------


def _normalised(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": _normalised(value.amount), "currency": value.currency}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _normalised(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(item) for item in value]
    return value


def fingerprint(operation: str, request: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the operation and its arguments (1.50 ≡ 1.5)."""
    body = canonical({"operation": operation, "request": _normalised(request)})
    return hashlib.sha256(body.encode()).hexdigest()


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(
            'an idempotency key is 1 to {max_key_length} characters', max_key_length=MAX_KEY_LENGTH
        )
    return key


def _replay(existing: IdempotentRequest, digest: str, result_type: type[ResultT]) -> ResultT:
    if existing.fingerprint != digest:
        raise IdempotencyKeyReused(
            "this idempotency key was used for a different request",
            operation=existing.operation,
        )
    if existing.result is None:
        raise Conflict("the first request with this key has not finished",
                       code="idempotency_in_flight")
    return result_type.model_validate_json(existing.result)


REQUEST = cast(Table, IdempotentRequest.__table__)
OUTBOX = cast(Table, OutboxEvent.__table__)
AUDIT = cast(Table, AuditEntry.__table__)


def _find(session: Session, scope: str, key: str) -> IdempotentRequest | None:
    return session.scalar(
        select(IdempotentRequest).where(IdempotentRequest.scope == scope,
                                        IdempotentRequest.key == key)
    )


def idempotent(
    session: Session,
    actor: Actor,
    *,
    operation: str,
    idempotency_key: str,
    request: dict[str, Any],
    result_type: type[ResultT],
    perform: Callable[[CoreBankPort], ResultT],
    audit_target: Callable[[ResultT], tuple[str, object]],
    details: Callable[[ResultT], dict[str, Any]] | None = None,
    topic: str | None = None,
    check: Callable[[CoreBankPort], None] | None = None,
) -> ResultT:
    """Run ``perform`` once per (actor, key): a replay of the same request returns the
    stored result and writes nothing; another request under the same key is refused.
    ``check`` (the caller's access check) runs first, in the same unit, for a replay too.

    On the embedded ledger the key is claimed last, in the one statement of the request's
    tail (:class:`~contactless.platform.writes.Claim`); a key found taken there, or a refusal
    from ``perform`` while the key's first request exists (it spent the funds, say), rolls
    the unit back and replays that request. A bank's own core is asked only once the key is
    claimed: what it does leaves this transaction. docs/corebank.md says why neither can
    deadlock. The request record, the operation, its audit entry and its event share one
    savepoint (or the transaction, when it holds nothing yet), so a failure leaves nothing
    behind, not even the key, and the caller's session stays usable.
    """
    key = _check_key(idempotency_key)
    scope = actor_scope(actor)
    digest = fingerprint(operation, request)
    record = {"id": uuid.uuid4(), "scope": scope, "key": key, "operation": operation,
              "fingerprint": digest, "created_at": utcnow()}
    try:
        with _atomic(session):
            port = get_port(session)
            if check is not None:
                check(port)
            claim_last = type(port) is EmbeddedLedger  # a subclass may call out: claim first
            if not claim_last and not execute_writes(session, [], claim=_claim(record)):
                raise _Taken
            try:
                with collecting(session) as left:
                    result = perform(port)
                    claimed = _served(session, actor, record, result, operation=operation,
                                      key=key, target=audit_target(result),
                                      summary=details(result) if details else {},
                                      topic=topic, left=left, claim_now=claim_last)
            except (ContactlessError, IntegrityError) as error:
                raise _Refused(error) from error
            if not claimed:
                raise _Taken
        return result
    except (_Refused, _Taken) as signal:  # rolled back: replay the request that holds the key
        _forget(session)
        return _replay_holder(session, scope, key, digest, result_type, signal)
    except BaseException:
        _forget(session)
        raise


def _replay_holder(session: Session, scope: str, key: str, digest: str,
                   result_type: type[ResultT], signal: _Refused | _Taken) -> ResultT:
    """The first request's result under the key, when there is one; else ``perform``'s
    refusal again (``_Refused``), or, for a key taken by a request that cannot have rolled
    back, ``idempotency_in_flight`` (never seen)."""
    existing = _find(session, scope, key)
    if existing is not None:
        return _replay(existing, digest, result_type)
    if isinstance(signal, _Refused):
        raise signal.error from None
    raise Conflict("the first request with this key did not finish; retry",
                   code="idempotency_in_flight") from None


def _claim(record: dict[str, Any]) -> Claim:
    return Claim(REQUEST, record, unique=("scope", "key"))


class _Refused(Exception):  # noqa: N818 (a signal inside idempotent, never raised out of it)
    """``perform`` refused: its error, raised again unless the key was used before."""

    def __init__(self, error: ContactlessError | IntegrityError) -> None:
        super().__init__(str(error))
        self.error = error


class _Taken(Exception):  # noqa: N818 (a signal inside idempotent, never raised out of it)
    """The key was claimed by an earlier request."""


def _forget(session: Session) -> None:
    """Drop what the unit cached of rows it read or locked: it was rolled back."""
    for name in (INTERNAL_CACHE, RATE_CACHE, CLOSED_DAY_CACHE, HELD):
        session.info.pop(name, None)


@contextmanager
def _atomic(session: Session) -> Iterator[None]:
    """All or nothing for one request: a savepoint, unless the transaction holds nothing
    yet (only plain reads, the usual case of an API call), where rolling the whole
    transaction back on failure does the same without SAVEPOINT and RELEASE."""
    if not holds_nothing(session):
        with session.begin_nested():
            yield
        return
    try:
        yield
    except BaseException:
        session.rollback()
        raise


def _served(session: Session, actor: Actor, record: dict[str, Any], result: BaseModel, *,
            operation: str, key: str, target: tuple[str, object], summary: dict[str, Any],
            topic: str | None, left: list[Write], claim_now: bool) -> bool:
    """What a request served writes besides its own work: the result a replay gets back in
    its request row (the row is the key's claim when ``claim_now``), the audit entry, and the
    domain event, sent with what the operation left to send (``left``: its postings) in one
    statement; False (nothing written) when the key was taken."""
    details = _normalised({"operation": operation, "idempotency_key": key, **summary})
    writes = [*left, Write(AUDIT, [audit.entry_row(
        session, actor, action=f"corebank.{operation}", target_type=target[0],
        target_id=target[1], after=result.model_dump(mode="json"), details=details)])]
    if topic is not None:
        writes.append(Write(OUTBOX, [publish_row(session, topic, {
            **details, "channel": actor.channel, "actor_kind": actor.kind})]))
    stored = {"id": record["id"], "result": result.model_dump_json()}
    if not claim_now:
        return execute_writes(session, [*writes, Write(REQUEST, [stored], key="id")])
    return execute_writes(session, writes, claim=_claim({**record, **stored}))


def money_details(amount: Money) -> dict[str, str]:
    return {"amount": str(amount.amount), "currency": amount.currency}


WEALTH_ORDER_SETTLED = "corebank.wealth_order_settled"


def announce_settled_orders(session: Session, order_ids: list[uuid.UUID]) -> None:
    """One ``corebank.wealth_order_settled`` event per order confirmed at its NAV (units
    allocated, or a redemption paid), with what the order became."""
    port = get_port(session)
    for order_id in order_ids:
        order = port.get_wealth_order(order_id)
        publish(session, WEALTH_ORDER_SETTLED, {
            "order_id": str(order.id), "kind": order.kind, "product_id": str(order.product_id),
            "demand_account_id": str(order.demand_account_id),
            "amount": str(order.amount.amount) if order.amount else None,
            "currency": order.amount.currency if order.amount else None,
            "units": str(order.units) if order.units is not None else None,
            "settle_date": order.settle_date.isoformat()})
