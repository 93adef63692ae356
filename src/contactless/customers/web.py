"""Customer sign-in as web dependencies: the /m session cookie or an API bearer token; and
routes that serve a signed-in staff member or customer alike."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.identity.web import optional_staff
from contactless.platform.context import Actor
from contactless.platform.kernel import kernel_of
from contactless.web.deps import (
    CUSTOMER_COOKIE,
    CUSTOMER_SESSION,
    DbSession,
    LoginRequired,
    bearer_token,
    get_kernel,
)


def optional_customer(request: Request, session: DbSession) -> Actor | None:
    kernel = get_kernel(request)
    token = bearer_token(request)
    if token:
        data = identity.read_access_token(session, token)
        if data and data.get("sub") == "customer":
            return customers.actor_for_customer_session(
                session, customer_id=str(data["id"]), version=_version(data), channel="api")
        return None
    cookie = request.cookies.get(CUSTOMER_COOKIE)
    if cookie:
        data = kernel.signer.loads(cookie, purpose=CUSTOMER_SESSION, max_age=30 * 60)
        if isinstance(data, dict):
            return customers.actor_for_customer_session(session, customer_id=str(data["cid"]),
                                                        version=_version(data))
    return None


def _version(data: dict[str, object]) -> int:
    value = data.get("v", 0)
    return value if isinstance(value, int) else -1


def customer_cookie(session: Session, actor: Actor) -> str:
    """The signed cookie of a customer's /m session: who, at which version, and a CSRF token."""
    version = customers.session_version(session, customer_id=uuid.UUID(actor.id))
    return kernel_of(session).signer.dumps(
        {"cid": actor.id, "v": version, "csrf": secrets.token_urlsafe(24)},
        purpose=CUSTOMER_SESSION)


def session_ended_here(request: Request, session: Session, actor: Actor) -> bool:
    """Whether this request (a mobile change) moved the customer past the version of the
    cookie it came with."""
    cookie = request.cookies.get(CUSTOMER_COOKIE)
    data = get_kernel(request).signer.loads(cookie, purpose=CUSTOMER_SESSION,
                                            max_age=30 * 60) if cookie else None
    if not isinstance(data, dict) or data.get("cid") != actor.id:
        return False
    return _version(data) != customers.session_version(session, customer_id=uuid.UUID(actor.id))


def current_customer(request: Request,
                     actor: Annotated[Actor | None, Depends(optional_customer)]) -> Actor:
    if actor is None:
        raise LoginRequired("sign in first", area="m")
    request.state.actor = actor
    return actor


def current_actor(request: Request,
                  staff: Annotated[Actor | None, Depends(optional_staff)],
                  customer: Annotated[Actor | None, Depends(optional_customer)]) -> Actor:
    """A signed-in staff member or customer (routes that serve both)."""
    actor = staff or customer
    if actor is None:
        raise LoginRequired("sign in first", area="console")
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
CurrentCustomer = Annotated[Actor, Depends(current_customer)]
OptionalCustomer = Annotated[Actor | None, Depends(optional_customer)]
