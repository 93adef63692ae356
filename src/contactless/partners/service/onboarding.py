"""Partner onboarding (合作方准入): an admin registers a partner and its API clients; the
partner acts only after a *second* admin approved it (maker ≠ checker, checked here because
the console's four-eyes queue is for branch work, and this decision is head office's).

Every change writes the audit trail. A client's secret and signing key are returned once and
never again: the secret is kept as an Argon2 hash, the signing key encrypted (an HMAC check
needs the key itself)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import ipaddress
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from contactless.identity.errors import FourEyesRequired
from contactless.identity.permissions import Operation, authorize
from contactless.journeys import service as journeys
from contactless.partners import repository
from contactless.partners.errors import (
    ClientNotFound,
    InvalidPartnerSetting,
    PartnerExists,
    PartnerNotFound,
    PartnerNotPending,
    UnknownPartnerProduct,
)
from contactless.partners.models import (
    ClientStatus,
    Partner,
    PartnerClient,
    PartnerStatus,
    Scenario,
)
from contactless.partners.schemas import (
    MAX_LOGO_BYTES,
    OPEN_SCOPES,
    ClientView,
    IssuedClient,
    PartnerView,
)
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.i18n import Translator
from contactless.platform.kernel import kernel_of

LOGO_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def logo_url(partner: Partner) -> str | None:
    """Where the bank serves the partner's logo (its pages load images from the bank only);
    the digest changes the address when the logo does."""
    if not partner.logo:
        return None
    digest = hashlib.sha256(partner.logo.encode()).hexdigest()[:12]
    return f"/m/partners/{partner.id}/logo?v={digest}"


def partner_logo(session: Session, *, partner_id: uuid.UUID) -> tuple[bytes, str] | None:
    """An active partner's logo: its bytes and media type."""
    partner = repository.partner_by_id(session, partner_id)
    if partner is None or not partner.logo or partner.status != PartnerStatus.ACTIVE:
        return None
    header, _, data = partner.logo.partition(",")
    return base64.b64decode(data), header[5:].split(";")[0]


def _logo(value: str) -> str | None:
    """A data: URI of a small PNG, JPEG or WebP that really is one (else refused)."""
    value = value.strip()
    if not value:
        return None
    header, _, data = value.partition(",")
    media = header[5:].split(";")[0] if header.startswith("data:") else ""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if media not in LOGO_FORMATS or not header.endswith(";base64") or not raw \
            or len(raw) > MAX_LOGO_BYTES:
        raise InvalidPartnerSetting("a logo is a PNG, JPEG or WebP data: URI of at most "
                                    "{size} KiB", size=MAX_LOGO_BYTES // 1024)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError):
        found = None
    if found != LOGO_FORMATS[media]:
        raise InvalidPartnerSetting("the logo is not a readable {format} image",
                                    format=LOGO_FORMATS[media])
    return f"{header},{base64.b64encode(raw).decode()}"


def _state(partner: Partner) -> dict[str, Any]:
    return {"name": partner.name, "scenario": partner.scenario, "status": partner.status,
            "allowed_products": list(partner.allowed_products),
            "callback_urls": list(partner.callback_urls),
            "logo_sha256": hashlib.sha256(partner.logo.encode()).hexdigest()
            if partner.logo else None}


def _view(session: Session, partner: Partner) -> PartnerView:
    view = PartnerView.model_validate(partner)
    view.logo_url = logo_url(partner)
    view.clients = [ClientView.model_validate(c)
                    for c in repository.clients_of(session, [partner.id])]
    return view


def _products(session: Session, products: list[str]) -> list[str]:
    catalog = journeys.journey_catalog(session, translator=Translator.of("en"))
    known = {entry.key for entry in catalog}
    unknown = sorted(set(products) - known)
    if unknown:
        raise UnknownPartnerProduct("unknown products: {products}",
                                    products=", ".join(unknown))
    return sorted(set(products))


def _callbacks(urls: list[str]) -> list[str]:
    """Callbacks are https (http only to this machine, for a partner's test setup)."""
    checked = []
    for url in urls:
        parts = urlsplit(url.strip())
        local = parts.hostname in ("localhost", "127.0.0.1")
        if not parts.hostname or (parts.scheme != "https" and not
                                  (parts.scheme == "http" and local)) or parts.fragment:
            raise InvalidPartnerSetting("a callback URL must be https: {url}", url=url[:200])
        checked.append(url.strip())
    return list(dict.fromkeys(checked))


def _networks(ranges: list[str]) -> list[str]:
    networks = []
    for value in ranges:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise InvalidPartnerSetting("not an IP address or range: {range}",
                                        range=value[:64]) from None
    return list(dict.fromkeys(networks))


def _scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(OPEN_SCOPES))
    if unknown:
        raise InvalidPartnerSetting("unknown scopes: {scopes}", scopes=", ".join(unknown))
    return [scope for scope in OPEN_SCOPES if scope in scopes]


def _partner(session: Session, partner_id: uuid.UUID, *, for_update: bool = False) -> Partner:
    partner = repository.partner_by_id(session, partner_id, for_update=for_update)
    if partner is None:
        raise PartnerNotFound("partner not found")
    return partner


def register_partner(session: Session, actor: Actor, *, name: str, scenario: Scenario,
                     allowed_products: list[str], callback_urls: list[str],
                     logo: str | None = None) -> PartnerView:
    """A new partner, ``pending`` until another admin approves it."""
    authorize(actor, Operation.PARTNER_MANAGE)
    name = name.strip()
    if repository.partner_by_name(session, name) is not None:
        raise PartnerExists("a partner with this name is already registered")
    partner = Partner(name=name, scenario=Scenario(scenario).value,
                      status=PartnerStatus.PENDING.value,
                      allowed_products=_products(session, allowed_products),
                      callback_urls=_callbacks(callback_urls), logo=_logo(logo or ""),
                      created_by=actor.id)
    session.add(partner)
    session.flush()
    audit.record(session, actor, action="partner.registered", target_type="partner",
                 target_id=partner.id, after=_state(partner))
    return _view(session, partner)


def update_partner(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                   allowed_products: list[str] | None = None,
                   callback_urls: list[str] | None = None,
                   logo: str | None = None) -> PartnerView:
    """Change what the partner may offer, where the bank calls it back and its logo (``""``
    removes it)."""
    authorize(actor, Operation.PARTNER_MANAGE)
    partner = _partner(session, partner_id, for_update=True)
    before = _state(partner)
    if allowed_products is not None:
        partner.allowed_products = _products(session, allowed_products)
    if callback_urls is not None:
        partner.callback_urls = _callbacks(callback_urls)
    if logo is not None:
        partner.logo = _logo(logo)
    session.flush()
    audit.record(session, actor, action="partner.updated", target_type="partner",
                 target_id=partner.id, before=before, after=_state(partner))
    return _view(session, partner)


def decide_partner(session: Session, actor: Actor, *, partner_id: uuid.UUID, approve: bool,
                   note: str = "") -> PartnerView:
    """Approve (``active``) or refuse a pending partner: never by the admin who registered it.
    The same decision twice by the same admin answers the partner as it is."""
    authorize(actor, Operation.PARTNER_APPROVE)
    partner = _partner(session, partner_id, for_update=True)
    if actor.kind != "system" and partner.created_by == actor.id:
        raise FourEyesRequired("a second person must decide what you initiated")
    wanted = PartnerStatus.ACTIVE if approve else PartnerStatus.REFUSED
    if partner.status != PartnerStatus.PENDING:
        if partner.status == wanted and partner.decided_by == actor.id:
            return _view(session, partner)
        raise PartnerNotPending("this partner was already decided", decision=partner.status)
    before = _state(partner)
    partner.status = wanted.value
    partner.decided_by = actor.id
    partner.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, action="partner.approved" if approve else "partner.refused",
                 target_type="partner", target_id=partner.id, before=before,
                 after=_state(partner),
                 details={"maker_id": partner.created_by, "note": note.strip()[:500]})
    return _view(session, partner)


def suspend_partner(session: Session, actor: Actor, *, partner_id: uuid.UUID) -> PartnerView:
    """Stop an active partner at once: its tokens and signatures are refused from the next
    call on."""
    authorize(actor, Operation.PARTNER_MANAGE)
    partner = _partner(session, partner_id, for_update=True)
    if partner.status == PartnerStatus.SUSPENDED:
        return _view(session, partner)
    if partner.status != PartnerStatus.ACTIVE:
        raise PartnerNotPending("only an active partner can be suspended",
                                decision=partner.status)
    before = _state(partner)
    partner.status = PartnerStatus.SUSPENDED.value
    session.flush()
    audit.record(session, actor, action="partner.suspended", target_type="partner",
                 target_id=partner.id, before=before, after=_state(partner))
    return _view(session, partner)


def list_partners(session: Session, actor: Actor, *,
                  status: str | None = None) -> list[PartnerView]:
    authorize(actor, Operation.PARTNER_READ)
    rows = repository.partners(session, status=status)
    clients: dict[uuid.UUID, list[ClientView]] = {}
    for client in repository.clients_of(session, [p.id for p in rows]):
        clients.setdefault(client.partner_id, []).append(ClientView.model_validate(client))
    views = []
    for partner in rows:
        view = PartnerView.model_validate(partner)
        view.logo_url = logo_url(partner)
        view.clients = clients.get(partner.id, [])
        views.append(view)
    return views


def get_partner(session: Session, actor: Actor, *, partner_id: uuid.UUID) -> PartnerView:
    authorize(actor, Operation.PARTNER_READ)
    return _view(session, _partner(session, partner_id))


def issue_client(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                 allowed_scopes: list[str], ip_allowlist: list[str]) -> IssuedClient:
    """A new API client for the partner; its secret and signing key are in this answer only."""
    authorize(actor, Operation.PARTNER_MANAGE)
    partner = _partner(session, partner_id)
    kernel = kernel_of(session)
    secret = secrets.token_urlsafe(32)
    signing_key = secrets.token_urlsafe(32)
    client = PartnerClient(
        partner_id=partner.id, client_id="pc_" + secrets.token_hex(12),
        secret_hash=kernel.passwords.hash(secret),
        signing_key=kernel.cipher.encrypt(signing_key, context="partner-signing-key"),
        allowed_scopes=_scopes(allowed_scopes), ip_allowlist=_networks(ip_allowlist),
        status=ClientStatus.ACTIVE.value, created_by=actor.id)
    session.add(client)
    session.flush()
    audit.record(session, actor, action="partner.client_issued", target_type="partner_client",
                 target_id=client.client_id,
                 after={"partner_id": str(partner.id), "scopes": client.allowed_scopes,
                        "ip_allowlist": client.ip_allowlist})
    return IssuedClient(client=ClientView.model_validate(client), client_secret=secret,
                        signing_key=signing_key)


def revoke_client(session: Session, actor: Actor, *, partner_id: uuid.UUID,
                  client_id: str) -> ClientView:
    """Revoke a client: its tokens are refused from the next call on."""
    authorize(actor, Operation.PARTNER_MANAGE)
    client = repository.client_by_client_id(session, client_id)
    if client is None or client.partner_id != partner_id:
        raise ClientNotFound("API client not found")
    if client.status != ClientStatus.REVOKED:
        client.status = ClientStatus.REVOKED.value
        session.flush()
        audit.record(session, actor, action="partner.client_revoked",
                     target_type="partner_client", target_id=client.client_id,
                     before={"status": ClientStatus.ACTIVE.value},
                     after={"status": client.status})
    return ClientView.model_validate(client)
