"""Who works through a journey on the web: a signed-in customer, or a prospect who proved
their mobile (cookie ``cl_prospect`` on /m, a prospect bearer token in the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from contactless.customers.web import OptionalCustomer
from contactless.journeys import service as journeys
from contactless.platform.context import Actor
from contactless.web.deps import DbSession, LoginRequired, get_kernel

PROSPECT_COOKIE = "cl_prospect"
PROSPECT_SESSION = "prospect-session"
PROSPECT_MAX_AGE = 30 * 60


def optional_journey_actor(request: Request, session: DbSession,
                           customer: OptionalCustomer) -> Actor | None:
    if customer is not None:
        request.state.actor = customer
        return customer
    kernel = get_kernel(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        prospect_id = journeys.read_prospect_token(
            session, header[7:].strip(), max_age=kernel.settings.access_token_seconds)
        if prospect_id:
            return journeys.prospect_for_session(session, prospect_id=prospect_id, channel="api")
        return None
    cookie = request.cookies.get(PROSPECT_COOKIE)
    if cookie:
        data = kernel.signer.loads(cookie, purpose=PROSPECT_SESSION, max_age=PROSPECT_MAX_AGE)
        if isinstance(data, dict) and isinstance(data.get("pid"), str):
            return journeys.prospect_for_session(session, prospect_id=data["pid"])
    return None


def journey_actor(actor: Annotated[Actor | None, Depends(optional_journey_actor)]) -> Actor:
    if actor is None:
        raise LoginRequired("sign in first", area="m")
    return actor


OptionalJourneyActor = Annotated[Actor | None, Depends(optional_journey_actor)]
JourneyActor = Annotated[Actor, Depends(journey_actor)]
