"""How a partner's call is trusted: every /open/v1 request is signed with the client's
signing key (HMAC-SHA256 over method, path, timestamp, nonce and body digest), and every call
but the token request carries a short-lived access token (a JWT, OAuth 2.0 client
credentials).

The signature is checked first, so a replayed or forged request is refused before anything
else is looked at; the nonce is spent only once the signature holds, so nobody without the key
can burn a client's nonces. A client revoked or a partner suspended is refused from the next
call on: the token alone is never enough."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy.orm import Session

from contactless.partners import repository
from contactless.partners.errors import (
    InvalidClient,
    InvalidScope,
    IpNotAllowed,
    NonceReused,
    ScopeNotGranted,
    SignatureInvalid,
    SignatureMissing,
    TimestampStale,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    UnsupportedGrantType,
)
from contactless.partners.models import ClientStatus, PartnerStatus
from contactless.partners.schemas import OPEN_SCOPES, TokenGrant
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of
from contactless.platform.security import derive_key

TOKEN_SECONDS = 600
CLOCK_SKEW_SECONDS = 300
# a nonce is remembered past both edges of the timestamp window
NONCE_SECONDS = 2 * CLOCK_SKEW_SECONDS + 60
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# RFC 6749 3.3: scope tokens separated by single spaces; here, the open API's own scopes
_SCOPE = "(" + "|".join(re.escape(scope) for scope in OPEN_SCOPES) + ")"
SCOPE_LIST = f"^({_SCOPE}( {_SCOPE})*)?$"
AUDIENCE = "open/v1"
ISSUER = "contactless"


@dataclass(frozen=True)
class SignedRequest:
    """A request as its signature covers it; ``target`` is the path with its query string."""

    method: str
    target: str
    body: bytes
    client_id: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None
    address: str


@dataclass(frozen=True)
class SignedClient:
    """The client whose key signed the request (active, of an active partner)."""

    client_id: str
    partner_id: uuid.UUID
    partner_name: str
    allowed_scopes: frozenset[str]
    secret_hash: str


@dataclass(frozen=True)
class PartnerCaller:
    """A signed call with a valid token: who calls and what the token lets them do."""

    client_id: str
    partner_id: uuid.UUID
    partner_name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(kind="partner", id=str(self.partner_id), channel="partner",
                     display=self.partner_name)


def canonical_request(*, method: str, target: str, timestamp: str, nonce: str,
                      body: bytes) -> str:
    """The signed text: five lines, the last the body's SHA-256 in hex."""
    return "\n".join((method.upper(), target, timestamp, nonce,
                      hashlib.sha256(body).hexdigest()))


def sign_request(signing_key: str, *, method: str, target: str, timestamp: str, nonce: str,
                 body: bytes = b"") -> str:
    """The X-Signature a partner sends: hex HMAC-SHA256 of :func:`canonical_request`."""
    text = canonical_request(method=method, target=target, timestamp=timestamp, nonce=nonce,
                             body=body)
    return hmac.new(signing_key.encode(), text.encode(), "sha256").hexdigest()


def _fresh(timestamp: str) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise TimestampStale("X-Timestamp must be Unix seconds") from None
    if abs(utcnow().timestamp() - sent) > CLOCK_SKEW_SECONDS:
        raise TimestampStale("X-Timestamp is more than five minutes from the bank's clock")


def _address_allowed(address: str, allowlist: list[str]) -> bool:
    if not allowlist:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in allowlist)


def verify_signed(session: Session, request: SignedRequest) -> SignedClient:
    """The client that signed ``request``, or the refusal: missing headers, stale time,
    unknown or stopped client, address outside its allow-list, wrong signature, reused
    nonce (in that order)."""
    if not (request.client_id and request.timestamp and request.nonce and request.signature):
        raise SignatureMissing("sign the request: X-Client-Id, X-Timestamp, X-Nonce and "
                               "X-Signature are required")
    _fresh(request.timestamp)
    client = repository.client_by_client_id(session, request.client_id[:40])
    partner = repository.partner_by_id(session, client.partner_id) if client else None
    if client is None or partner is None or client.status != ClientStatus.ACTIVE \
            or partner.status != PartnerStatus.ACTIVE:
        raise InvalidClient("unknown client, or a client that may not call")
    if not _address_allowed(request.address, list(client.ip_allowlist)):
        raise IpNotAllowed("this address is not on the client's allow-list")
    kernel = kernel_of(session)
    key = kernel.cipher.decrypt(client.signing_key, context="partner-signing-key")
    expected = sign_request(key, method=request.method, target=request.target,
                            timestamp=request.timestamp, nonce=request.nonce, body=request.body)
    if not secrets.compare_digest(expected.encode(), request.signature.strip().lower().encode()):
        raise SignatureInvalid("the signature does not match this request")
    if not NONCE.fullmatch(request.nonce):
        raise SignatureInvalid("X-Nonce must be 16 to 64 letters, digits, - or _")
    if kernel.store.incr(f"partner-nonce:{client.client_id}:{request.nonce}",
                         ttl=NONCE_SECONDS) > 1:
        raise NonceReused("this nonce was already used")
    return SignedClient(client.client_id, partner.id, partner.name,
                        frozenset(client.allowed_scopes), client.secret_hash)


def _token_key(session: Session) -> bytes:
    return derive_key(kernel_of(session).settings.secret_key.get_secret_value(),
                      "partner-access-token")


def issue_token(session: Session, client: SignedClient, *, grant_type: str,
                client_id: str, client_secret: str, scope: str | None) -> TokenGrant:
    """OAuth 2.0 client credentials: a token for the asked scopes (all the client's allowed
    ones when none are asked), valid :data:`TOKEN_SECONDS`."""
    if grant_type != "client_credentials":
        raise UnsupportedGrantType("only grant_type=client_credentials is supported")
    passwords = kernel_of(session).passwords
    if client_id != client.client_id or not passwords.verify(client.secret_hash, client_secret):
        raise InvalidClient("unknown client, or a client that may not call")
    if scope is not None and not re.fullmatch(SCOPE_LIST, scope):
        raise InvalidScope("scopes not allowed for this client: {scopes}", scopes=scope[:200])
    asked = set((scope or "").split()) or set(client.allowed_scopes)
    if not asked <= client.allowed_scopes:
        raise InvalidScope("scopes not allowed for this client: {scopes}",
                           scopes=" ".join(sorted(asked - client.allowed_scopes)))
    now = utcnow()
    granted = " ".join(sorted(asked))
    token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": client.client_id,
                        "pid": str(client.partner_id), "scope": granted,
                        "iat": int(now.timestamp()),
                        "exp": int((now + timedelta(seconds=TOKEN_SECONDS)).timestamp()),
                        "jti": secrets.token_hex(8)}, _token_key(session), algorithm="HS256")
    return TokenGrant(access_token=token, expires_in=TOKEN_SECONDS, scope=granted)


def authenticate(session: Session, client: SignedClient, *, token: str | None) -> PartnerCaller:
    """The caller of a signed request with its bearer token: the token must be this bank's,
    unexpired (by the bank's clock) and issued to the client that signed."""
    if not token:
        raise TokenMissing("send Authorization: Bearer with an access token")
    try:
        claims = jwt.decode(token, _token_key(session), algorithms=["HS256"], audience=AUDIENCE,
                            issuer=ISSUER, options={"verify_exp": False,
                                                    "require": ["exp", "sub", "scope"]})
    except jwt.PyJWTError:
        raise TokenInvalid("the access token is not valid") from None
    if claims["sub"] != client.client_id or claims.get("pid") != str(client.partner_id):
        raise TokenInvalid("the access token was issued to another client")
    if int(claims["exp"]) <= utcnow().timestamp():
        raise TokenExpired("the access token has expired")
    # a scope withdrawn from the client since the token was issued is withdrawn now
    scopes = frozenset(str(claims["scope"]).split()) & client.allowed_scopes
    return PartnerCaller(client.client_id, client.partner_id, client.partner_name, scopes)


def require_scope(caller: PartnerCaller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ScopeNotGranted("this call needs the scope {scope}", scope=scope)
