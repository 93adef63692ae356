"""Consent receipts: the customer downloads a PDF of exactly what they agreed to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactless.journeys import repository
from contactless.journeys.declaration import render_text
from contactless.journeys.errors import ConsentNotFound
from contactless.journeys.plugins import plugins_of
from contactless.journeys.receipts import render_receipt
from contactless.journeys.service.engine import owns
from contactless.platform.context import Actor
from contactless.platform.i18n import Translator
from contactless.platform.kernel import kernel_of
from contactless.platform.security import mask_mobile


@dataclass(frozen=True)
class Receipt:
    filename: str
    content: bytes


def consent_receipt(session: Session, actor: Actor, *, consent_id: uuid.UUID,
                    translator: Translator, journey_id: uuid.UUID | None = None) -> Receipt:
    """A PDF of the consent record: the exact text, its version and SHA-256, when and from
    which address it was agreed to. Only the person who agreed may download it."""
    record = repository.consent(session, consent_id)
    instance = repository.instance(session, record.instance_id) if record else None
    if (record is None or instance is None or not owns(actor, instance)
            or (journey_id is not None and instance.id != journey_id)):
        raise ConsentNotFound("this consent record was not found")
    kernel = kernel_of(session)
    gettext = translator
    catalog = plugins_of(session).catalog
    journey = (render_text(catalog.get(instance.journey_key).title, gettext)
               if instance.journey_key in catalog else instance.journey_key)
    who = actor.id
    if instance.customer_id is not None:
        from contactless.customers import service as customers
        from contactless.platform.context import SYSTEM

        person = customers.get_customer(session, SYSTEM, customer_id=instance.customer_id)
        who = f"{person.name} ({person.mobile})"
    elif instance.prospect_id is not None:
        from contactless.journeys.service.engine import prospect_mobile

        who = mask_mobile(prospect_mobile(session, instance.prospect_id) or "")
    labels = {"heading": gettext("Consent receipt"), "document": gettext("Document"),
              "version": gettext("Version"), "journey": gettext("Journey"),
              "who": gettext("Agreed by"), "agreed_at": gettext("Agreed at"),
              "ip": gettext("From address")}
    content = render_receipt(
        bank_name=kernel.settings.bank_name, title=record.title, version=record.version,
        text=record.text, sha256=record.text_sha256, agreed_at=record.agreed_at,
        timezone=kernel.settings.timezone, who=who, ip=record.ip, journey=journey,
        labels=labels)
    return Receipt(f"consent-{record.document_key}-{record.version}.pdf", content)
