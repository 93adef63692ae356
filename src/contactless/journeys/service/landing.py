"""What a visitor sees first when they open a journey code's link: the RM behind the code (their
card) and the journey, before anyone signs in."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from contactless.identity import service as identity
from contactless.journeys.plugins import plugins_of


def code_cards(session: Session, *, qr_code_id: uuid.UUID) -> list[identity.ContactCard]:
    """Public: the cards of the code's owners in credit order (the first is the RM the
    customer deals with); empty for a code the QR-code port does not know."""
    source = plugins_of(session).sources.describe(session, qr_code_id=qr_code_id)
    if source is None:
        return []
    cards = [identity.contact_card(session, staff_id=owner) for owner in source.owner_ids]
    return [card for card in cards if card is not None]
