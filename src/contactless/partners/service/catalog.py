"""The product catalog a partner sees: the journeys of the bank's catalog that the bank
allowed this partner to offer, in the caller's language."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contactless.journeys import service as journeys
from contactless.partners import repository
from contactless.partners.errors import PartnerNotActive
from contactless.partners.models import PartnerStatus
from contactless.partners.schemas import OpenProduct
from contactless.partners.service.access import PartnerCaller, require_scope
from contactless.platform.i18n import Translator


def partner_products(session: Session, caller: PartnerCaller, *,
                     translator: Translator) -> list[OpenProduct]:
    """The partner's allowed products (scope ``products:read``), in the catalog's order."""
    require_scope(caller, "products:read")
    partner = repository.partner_by_id(session, caller.partner_id)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise PartnerNotActive("this partner is not active")
    allowed = set(partner.allowed_products)
    return [OpenProduct(key=entry.key, title=entry.title, summary=entry.summary,
                        steps=list(entry.steps), start_url=entry.start_url)
            for entry in journeys.journey_catalog(session, translator=translator)
            if entry.key in allowed]
