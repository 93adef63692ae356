"""Prospects: people who are not customers yet prove their mobile by one-time code, then may
start the journeys that open an account (open_account_class2, payroll_card_group)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys import repository
from contactless.journeys.models import Prospect
from contactless.journeys.service.engine import now, prospect_actor, prospect_mobile
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.kernel import kernel_of

PURPOSE = "prospect"
TOKEN_PURPOSE = "prospect-token"  # noqa: S105 - a signing purpose, not a secret


def request_prospect_code(session: Session, *, mobile: str) -> int:
    """Send a code to prove a mobile number; the answer is the same for any valid number."""
    return identity.send_one_time_code(session, mobile=mobile, purpose=PURPOSE)


def verify_prospect(session: Session, *, mobile: str, code: str,
                    channel: str = "mobile") -> Actor:
    """Check the code. A number that belongs to a customer signs that customer in (the code
    is the same proof as sign-in); any other number gets its prospect actor (created once per
    number, so a returning prospect finds their open journeys again)."""
    mobile = identity.check_mobile(mobile)
    identity.check_one_time_code(session, mobile=mobile, code=code, purpose=PURPOSE,
                                 actor=Actor(kind="anonymous", id="anonymous", channel=channel))
    customer = customers.find_by_mobile(session, mobile=mobile)
    if customer is not None and customer.status == "active":
        signed_in = customers.customer_actor(customer.id, channel=channel)
        audit.record(session, signed_in, action="customer.signed_in", target_type="customer",
                     target_id=customer.id, details={"via": "journey"})
        return signed_in
    cipher = kernel_of(session).cipher
    index = cipher.blind_index(mobile, kind="mobile")
    prospect = repository.prospect_by_index(session, index)
    if prospect is None:
        prospect = Prospect(id=uuid.uuid4(), mobile_index=index,
                            mobile_encrypted=cipher.encrypt(mobile, context="prospect.mobile"))
        session.add(prospect)
    prospect.verified_at = now()
    session.flush()
    actor = prospect_actor(prospect.id, channel=channel)
    audit.record(session, actor, action="prospect.verified", target_type="journey_prospect",
                 target_id=prospect.id)
    return actor


def prospect_for_session(session: Session, *, prospect_id: str,
                         channel: str = "mobile") -> Actor | None:
    """The prospect behind a cookie or token, if it still exists."""
    try:
        prospect = session.get(Prospect, uuid.UUID(prospect_id))
    except ValueError:
        return None
    if prospect is None:
        return None
    return prospect_actor(prospect.id, channel=channel)


def proven_mobile(session: Session, actor: Actor) -> str | None:
    """The mobile a prospect proved (for another domain's check; never shown back)."""
    if actor.kind != "prospect":
        return None
    return prospect_mobile(session, uuid.UUID(actor.id))


def customer_of_prospect(session: Session, actor: Actor) -> uuid.UUID | None:
    """The customer a prospect became by completing an account-opening journey, if any."""
    if actor.kind != "prospect":
        return None
    prospect = session.get(Prospect, uuid.UUID(actor.id))
    return prospect.customer_id if prospect else None


def issue_prospect_token(session: Session, actor: Actor) -> str:
    return kernel_of(session).signer.dumps({"pid": actor.id}, purpose=TOKEN_PURPOSE)


def read_prospect_token(session: Session, token: str, *, max_age: int) -> str | None:
    data = kernel_of(session).signer.loads(token, purpose=TOKEN_PURPOSE, max_age=max_age)
    if isinstance(data, dict) and isinstance(data.get("pid"), str):
        return str(data["pid"])
    return None
