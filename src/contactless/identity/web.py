"""Staff sign-in as web dependencies: a console session cookie or an API bearer token,
checked against the person's session version (deactivation ends both at once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from contactless.identity import service as identity
from contactless.platform.context import Actor
from contactless.platform.errors import Forbidden
from contactless.web.deps import DbSession, LoginRequired, bearer_token, staff_session_data


def optional_staff(request: Request, session: DbSession) -> Actor | None:
    token = bearer_token(request)
    if token:
        data = identity.read_access_token(session, token)
        if data and data.get("sub") == "staff":
            return identity.actor_for_session(session, staff_id=str(data["id"]),
                                              version=int(str(data["v"])), channel="api")
        return None
    cookie = staff_session_data(request)
    if cookie:
        return identity.actor_for_session(session, staff_id=str(cookie["sid"]),
                                          version=int(str(cookie["v"])))
    return None


def current_staff(request: Request, actor: Annotated[Actor | None, Depends(optional_staff)],
                  ) -> Actor:
    if actor is None:
        raise LoginRequired("sign in first", area="console")
    request.state.actor = actor
    return actor


CurrentStaff = Annotated[Actor, Depends(current_staff)]
OptionalStaff = Annotated[Actor | None, Depends(optional_staff)]


def require_roles(*roles: str) -> object:
    def _check(actor: CurrentStaff) -> Actor:
        if actor.role not in roles:
            raise Forbidden("your role does not allow this page")
        return actor

    return Depends(_check)
