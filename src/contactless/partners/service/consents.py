"""Customers' consents to partners (客户授权): no customer data leaves without one.

A partner asks (scopes, purpose, validity ≤ 180 days, where to send the customer back); the
customer opens the returned link in /m, signs in and approves or refuses; the consent is then
bound to that customer. Every partner read checks the consent again (status, expiry, scope),
so a revocation takes effect on the very next call. Reads go to the core through the
customer's own actor on the partner channel: the core's rule that a customer sees only their
own things holds for partners too."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from contactless.corebank import service as corebank
from contactless.identity.permissions import Operation, authorize
from contactless.partners import repository
from contactless.partners.errors import (
    ConsentAnswered,
    ConsentExpired,
    ConsentNotFound,
    ConsentNotGranted,
    ConsentRevoked,
    ConsentScopeMissing,
    InvalidConsentRequest,
    PartnerNotActive,
    RedirectUriNotRegistered,
)
from contactless.partners.models import ConsentStatus, PartnerConsent, PartnerStatus
from contactless.partners.schemas import (
    CONSENT_SCOPES,
    MAX_CONSENT_DAYS,
    ConsentView,
    OpenAccount,
    OpenBalance,
)
from contactless.partners.service import webhooks
from contactless.partners.service.access import PartnerCaller, require_scope
from contactless.platform import audit, guard
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.errors import IdempotencyKeyReused

# the operations risk control decides on: a customer granting a partner access, and each read
# of their data a partner makes with it (a payee list entry ``partner:<id>`` or a rule on the
# kind stops either)
CONSENT_GRANT = "partner_consent_grant"
DATA_READ = "partner_data_read"

ANSWER_WITHIN = timedelta(minutes=30)


def _view(consent: PartnerConsent, partner_name: str = "") -> ConsentView:
    view = ConsentView.model_validate(consent)
    view.partner_name = partner_name
    if consent.status == ConsentStatus.AWAITING:
        view.authorize_url = f"/m/partner-consents/{consent.id}"
    return view


def _state(consent: PartnerConsent) -> dict[str, Any]:
    return {"status": consent.status, "scopes": list(consent.scopes),
            "customer_id": str(consent.customer_id) if consent.customer_id else None,
            "expires_at": consent.expires_at}


def request_consent(session: Session, caller: PartnerCaller, *, idempotency_key: str,
                    scopes: list[str], duration_days: int, purpose: str, redirect_uri: str,
                    state: str | None = None) -> ConsentView:
    """A consent waiting for a customer (30 minutes to answer); ``authorize_url`` is where
    the partner sends them. A retry with the same Idempotency-Key gets the same consent; the
    key with another request is refused (``idempotency_key_reused``)."""
    require_scope(caller, "consents:write")
    asked = hashlib.sha256(json.dumps(
        {"scopes": sorted(scopes), "duration_days": duration_days, "purpose": purpose,
         "redirect_uri": redirect_uri, "state": state}, sort_keys=True).encode()).hexdigest()
    earlier = repository.consent_by_key(session, caller.partner_id, idempotency_key)
    if earlier is not None:
        if earlier.request_digest != asked:
            raise IdempotencyKeyReused("this idempotency key was used for a different request")
        return _view(earlier, caller.partner_name)
    unknown = sorted(set(scopes) - set(CONSENT_SCOPES))
    if unknown or not scopes:
        raise InvalidConsentRequest("a consent covers {allowed}",
                                    allowed=", ".join(CONSENT_SCOPES))
    if not 1 <= duration_days <= MAX_CONSENT_DAYS:
        raise InvalidConsentRequest("a consent lasts 1 to {days} days", days=MAX_CONSENT_DAYS)
    partner = repository.partner_by_id(session, caller.partner_id)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise PartnerNotActive("this partner is not active")
    if redirect_uri not in partner.callback_urls:
        raise RedirectUriNotRegistered(
            "the redirect URI is not one of the partner's callback URLs")
    consent = PartnerConsent(
        partner_id=partner.id, client_id=caller.client_id,
        scopes=[scope for scope in CONSENT_SCOPES if scope in scopes],
        purpose=purpose.strip(), duration_days=duration_days, redirect_uri=redirect_uri,
        state=state, status=ConsentStatus.AWAITING.value, answer_by=utcnow() + ANSWER_WITHIN,
        idempotency_key=idempotency_key, request_digest=asked)
    session.add(consent)
    session.flush()
    audit.record(session, caller.actor, action="partner_consent.requested",
                 target_type="partner_consent", target_id=consent.id, after=_state(consent),
                 details={"client_id": caller.client_id, "purpose": consent.purpose})
    return _view(consent, partner.name)


def partner_consent(session: Session, caller: PartnerCaller, *,
                    consent_id: uuid.UUID) -> ConsentView:
    """The partner's own consent, as it stands (a partner never sees another's)."""
    consent = repository.consent_by_id(session, consent_id)
    if consent is None or consent.partner_id != caller.partner_id:
        raise ConsentNotFound("consent not found")
    return _view(consent, caller.partner_name)


def _customer_consent(session: Session, actor: Actor, consent_id: uuid.UUID, *,
                      for_update: bool = False) -> PartnerConsent:
    authorize(actor, Operation.PARTNER_CONSENT_ANSWER)
    consent = repository.consent_by_id(session, consent_id, for_update=for_update)
    # a waiting consent belongs to nobody yet: any signed-in customer may answer it
    if consent is None or (consent.customer_id is not None
                           and str(consent.customer_id) != actor.id):
        raise ConsentNotFound("consent not found")
    return consent


def consent_for_customer(session: Session, actor: Actor, *,
                         consent_id: uuid.UUID) -> ConsentView:
    consent = _customer_consent(session, actor, consent_id)
    names = repository.names_of(session, {consent.partner_id})
    return _view(consent, names.get(consent.partner_id, ""))


def answer_consent(session: Session, actor: Actor, *, consent_id: uuid.UUID,
                   approve: bool) -> tuple[ConsentView, str]:
    """The customer's answer, and where to send them back (the partner's redirect URI with
    ``consent_id``, ``status`` and the partner's ``state``)."""
    consent = _customer_consent(session, actor, consent_id, for_update=True)
    if consent.status != ConsentStatus.AWAITING:
        raise ConsentAnswered("this consent was already answered", decision=consent.status)
    now = utcnow()
    if consent.answer_by <= now:
        raise ConsentExpired("this request has expired; ask the partner to start again")
    if approve:  # refusing needs no decision: it gives nothing away
        guard.check(session, actor, guard.Guarded(
            kind=CONSENT_GRANT, channel=actor.channel, customer_id=uuid.UUID(actor.id),
            payee=f"partner:{consent.partner_id}",
            attributes={"scopes": sorted(consent.scopes),
                        "duration_days": consent.duration_days}))
    before = _state(consent)
    consent.customer_id = uuid.UUID(actor.id)
    consent.status = (ConsentStatus.GRANTED if approve else ConsentStatus.REFUSED).value
    consent.decided_at = now
    if approve:
        consent.expires_at = now + timedelta(days=consent.duration_days)
    session.flush()
    audit.record(session, actor, action=f"partner_consent.{consent.status}",
                 target_type="partner_consent", target_id=consent.id, before=before,
                 after=_state(consent))
    webhooks.consent_changed(session, consent)
    query = {"consent_id": str(consent.id), "status": consent.status}
    if consent.state:
        query["state"] = consent.state
    joiner = "&" if "?" in consent.redirect_uri else "?"
    names = repository.names_of(session, {consent.partner_id})
    return (_view(consent, names.get(consent.partner_id, "")),
            consent.redirect_uri + joiner + urlencode(query))


def my_consents(session: Session, actor: Actor) -> list[ConsentView]:
    """The customer's consents, newest first (all statuses)."""
    authorize(actor, Operation.PARTNER_CONSENT_ANSWER)
    rows = repository.consents_of_customer(session, uuid.UUID(actor.id))
    names = repository.names_of(session, {row.partner_id for row in rows})
    return [_view(row, names.get(row.partner_id, "")) for row in rows]


def revoke_consent(session: Session, actor: Actor, *, consent_id: uuid.UUID) -> ConsentView:
    """Withdraw a granted consent: the partner's next call is refused. Revoking twice is
    the same as once."""
    consent = _customer_consent(session, actor, consent_id, for_update=True)
    if consent.status == ConsentStatus.GRANTED:
        before = _state(consent)
        consent.status = ConsentStatus.REVOKED.value
        consent.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, action="partner_consent.revoked",
                     target_type="partner_consent", target_id=consent.id, before=before,
                     after=_state(consent))
        webhooks.consent_changed(session, consent)
    elif consent.status != ConsentStatus.REVOKED:
        raise ConsentNotGranted("only a granted consent can be revoked")
    names = repository.names_of(session, {consent.partner_id})
    return _view(consent, names.get(consent.partner_id, ""))


def consented_customer(session: Session, caller: PartnerCaller, *, consent_id: uuid.UUID,
                       scope: str) -> Actor:
    """The customer's actor (partner channel) for a read under ``scope``; refused unless the
    token carries the scope and the consent is this partner's, granted, unexpired and covers
    it."""
    require_scope(caller, scope)
    consent = repository.consent_by_id(session, consent_id)
    if consent is None or consent.partner_id != caller.partner_id:
        raise ConsentNotFound("consent not found")
    if consent.status == ConsentStatus.REVOKED:
        raise ConsentRevoked("the customer revoked this consent")
    if consent.status != ConsentStatus.GRANTED or consent.customer_id is None:
        raise ConsentNotGranted("the customer has not granted this consent")
    if consent.expires_at is None or consent.expires_at <= utcnow():
        raise ConsentExpired("this consent has expired")
    if scope not in consent.scopes:
        raise ConsentScopeMissing("the customer did not consent to {scope}", scope=scope)
    return Actor(kind="customer", id=str(consent.customer_id), channel="partner",
                 display=caller.partner_name)


def _read_decided(session: Session, caller: PartnerCaller, customer: Actor, *,
                  scope: str) -> None:
    """Risk control sees each read of a customer's data by a partner (its velocity per
    partner and customer is in the online features, like a payee's)."""
    guard.check(session, caller.actor, guard.Guarded(
        kind=DATA_READ, channel="partner", customer_id=uuid.UUID(customer.id),
        payee=f"partner:{caller.partner_id}", attributes={"scope": scope}))


def _masked(number: str) -> str:
    return number[:4] + " **** " + number[-4:] if len(number) > 8 else "****"


def partner_accounts(session: Session, caller: PartnerCaller, *,
                     consent_id: uuid.UUID) -> list[OpenAccount]:
    """The consenting customer's accounts, numbers masked, without balances."""
    customer = consented_customer(session, caller, consent_id=consent_id, scope="accounts:read")
    _read_decided(session, caller, customer, scope="accounts:read")
    accounts = corebank.accounts_of_customer(session, customer,
                                             customer_id=uuid.UUID(customer.id))
    return [OpenAccount(id=a.id, number=_masked(a.number), kind=a.kind, currency=a.currency,
                        status=a.status) for a in accounts]


def partner_balances(session: Session, caller: PartnerCaller, *,
                     consent_id: uuid.UUID) -> list[OpenBalance]:
    """The consenting customer's account balances."""
    customer = consented_customer(session, caller, consent_id=consent_id, scope="balances:read")
    _read_decided(session, caller, customer, scope="balances:read")
    accounts = corebank.accounts_of_customer(session, customer,
                                             customer_id=uuid.UUID(customer.id))
    return [OpenBalance(account_id=a.id, number=_masked(a.number), currency=a.currency,
                        amount=f"{a.balance.amount:.2f}") for a in accounts]
