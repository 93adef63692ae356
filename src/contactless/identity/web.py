"""Staff sign-in as web dependencies: a console session cookie or an API bearer token,
checked against the person's session version (signing out, a new password or deactivation
end both at once); a console session also ends after its idle time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.identity.errors import OtpExpired, OtpInvalid
from contactless.platform.context import Actor
from contactless.platform.errors import ContactlessError, Forbidden
from contactless.platform.kernel import Kernel
from contactless.web.deps import (
    DbSession,
    LoginRequired,
    bearer_token,
    get_kernel,
    staff_session_data,
)

CHECKED_TOKEN = "checked_staff_token"  # noqa: S105 - a request.state attribute name


def optional_staff(request: Request, session: DbSession) -> Actor | None:
    token = bearer_token(request)
    if token:
        checked = getattr(request.state, CHECKED_TOKEN, None)  # staff_credentials read it
        data = checked[1] if checked and checked[0] == token else \
            identity.read_access_token(session, token)
        if data and data.get("sub") == "staff":
            return identity.actor_for_session(session, staff_id=str(data["id"]),
                                              version=int(str(data["v"])), channel="api")
        return None
    cookie = staff_session_data(request)
    if cookie and still_active(get_kernel(request), cookie):
        return identity.actor_for_session(session, staff_id=str(cookie["sid"]),
                                          version=int(str(cookie["v"])))
    return None


def _idle_key(cookie: dict[str, object]) -> str:
    return f"staff-idle:{cookie.get('n', '')}"


def start_idle_clock(kernel: Kernel, cookie: dict[str, object]) -> None:
    kernel.store.set(_idle_key(cookie), "1", ttl=kernel.settings.staff_idle_seconds)


def still_active(kernel: Kernel, cookie: dict[str, object]) -> bool:
    """A console session lives while it is used: each request restarts its idle clock, and
    after ``staff_idle_seconds`` without one (or once signed out) the cookie is worth nothing."""
    if not cookie.get("n") or kernel.store.get(_idle_key(cookie)) is None:
        return False
    start_idle_clock(kernel, cookie)
    return True


def end_console_session(request: Request) -> None:
    cookie = staff_session_data(request)
    if cookie:
        get_kernel(request).store.delete(_idle_key(cookie))


def required_staff(request: Request, actor: Actor | None) -> Actor:
    if actor is None:
        raise LoginRequired("sign in first", area="console")
    request.state.actor = actor
    return actor


async def current_staff(request: Request,
                        actor: Annotated[Actor | None, Depends(optional_staff)]) -> Actor:
    # async: no I/O of its own, so it runs on the event loop instead of a worker thread
    return required_staff(request, actor)


async def staff_credentials(request: Request) -> None:
    """Refuse at once (before the body is read) a request without a staff token or console
    cookie this bank signed; a route that checks the person later, in its own worker thread,
    with :func:`signed_in_staff`, depends on this so strangers learn nothing of its body."""
    token = bearer_token(request)
    if token:
        data = identity.access_token_data(get_kernel(request), token)
        if data and data.get("sub") == "staff":
            # the signature is checked once a request: the route's sign-in takes it from here
            setattr(request.state, CHECKED_TOKEN, (token, data))
            return
    elif staff_session_data(request):
        return
    raise LoginRequired("sign in first", area="console")


def signed_in_staff(request: Request, session: Session) -> Actor:
    """``CurrentStaff`` for a route that opens its own session in its one worker thread."""
    return required_staff(request, optional_staff(request, session))


CurrentStaff = Annotated[Actor, Depends(current_staff)]
OptionalStaff = Annotated[Actor | None, Depends(optional_staff)]


def require_roles(*roles: str) -> object:
    def _check(actor: CurrentStaff) -> Actor:
        if actor.role not in roles:
            raise Forbidden("your role does not allow this page")
        return actor

    return Depends(_check)


def sign_in_refusal(error: ContactlessError) -> ContactlessError:
    """A wrong one-time code, or none live, where a code is exchanged for a token is a failed
    sign-in: 401, as a wrong password is (in a journey's step it stays bad input, 422 and
    410)."""
    if isinstance(error, OtpInvalid | OtpExpired):
        error.status = 401
    return error
