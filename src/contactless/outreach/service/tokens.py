"""QR links: ``/q/{code}.{kid}{signature}``.

The code is 72 random bits (12 URL-safe characters) and the record behind it is the truth; the
signature (64 bits of HMAC-SHA256 under the key named by ``kid``) stops anyone from guessing
codes. Keys are derived from the master secret and the key id, so rotating means adding an id
and retiring the old one: links signed with a retired id stop working, nothing else changes.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import string
from collections.abc import Callable

from sqlalchemy.orm import Session

from contactless.identity.permissions import Operation, authorize
from contactless.outreach import repository
from contactless.outreach.errors import QrKeyUnknown, QrSignatureInvalid, SigningKeyNotFound
from contactless.outreach.models import QrCode, QrSigningKey
from contactless.outreach.service.changes import ALL_CODES, mark_changed
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.db import utcnow
from contactless.platform.kernel import kernel_of
from contactless.platform.security import TokenSigner

CODE_BYTES = 9  # 72 bits
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{12,24}$")
KID_LENGTH = 2
KID_ALPHABET = string.ascii_lowercase + string.digits
SIGNATURE_LENGTH = 11  # 8 bytes of HMAC, base64url without padding
SIGNATURE_PATTERN = re.compile(r"^[a-z0-9]{2}[A-Za-z0-9_-]{11}$")


def new_short_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def _signature(session: Session, short_code: str, kid: str) -> str:
    return signature_with(kernel_of(session).signer, short_code, kid)


def signature_with(signer: TokenSigner, short_code: str, kid: str) -> str:
    """A link's signature under ``kid``, computed without the database."""
    digest = signer.hmac(f"qr:{short_code}", purpose=f"outreach-qr:{kid}")
    return base64.urlsafe_b64encode(bytes.fromhex(digest)[:8]).decode().rstrip("=")


def current_key(session: Session) -> QrSigningKey:
    """The key id new links are signed with; the first one is made on first use."""
    key = repository.current_signing_key(session)
    if key is None:
        key = _new_key(session)
    return key


def _new_key(session: Session) -> QrSigningKey:
    taken = {k.kid for k in repository.signing_keys(session)}
    while True:
        kid = "".join(secrets.choice(KID_ALPHABET) for _ in range(KID_LENGTH))
        if kid not in taken:
            break
    repository.clear_current_keys(session)
    key = QrSigningKey(kid=kid, current=True)
    session.add(key)
    session.flush()
    return key


def token_for(session: Session, short_code: str) -> str:
    kid = current_key(session).kid
    return f"{short_code}.{kid}{_signature(session, short_code, kid)}"


def signer(session: Session) -> Callable[[str], str]:
    """Sign many codes with the current key, looking the key up once."""
    kid = current_key(session).kid

    def sign(short_code: str) -> str:
        return f"{short_code}.{kid}{_signature(session, short_code, kid)}"

    return sign


def split_token(token: str) -> tuple[str, str, str]:
    """(code, kid, signature) of a well-formed token, or ``QrSignatureInvalid``."""
    code, dot, signed = token.rpartition(".")
    if not dot or not CODE_PATTERN.fullmatch(code) or not SIGNATURE_PATTERN.fullmatch(signed):
        raise QrSignatureInvalid("this QR code link is incomplete or damaged")
    return code, signed[:KID_LENGTH], signed[KID_LENGTH:]


def verify_token(session: Session, token: str) -> str:
    """The short code of a genuine link. Unknown or retired key ids are refused before the
    signature is even computed."""
    code, kid, signature = split_token(token)
    check_signature(session, code, kid, signature, repository.signing_key(session, kid))
    return code


def check_signature(session: Session, code: str, kid: str, signature: str,
                    key: QrSigningKey | None) -> None:
    if key is None or key.retired_at is not None:
        raise QrKeyUnknown("this QR code was signed with a key the bank no longer accepts")
    if not hmac.compare_digest(signature, _signature(session, code, kid)):
        raise QrSignatureInvalid("this QR code link is not genuine")


def verify_and_load(session: Session, token: str) -> QrCode | None:
    """Verify a link and load its code together (one query when the code exists). Returns None
    for a genuine link to a code that is not on record."""
    code, kid, signature = split_token(token)
    found = repository.code_and_key(session, code, kid)
    if found is None:
        check_signature(session, code, kid, signature, repository.signing_key(session, kid))
        return None
    record, key = found
    check_signature(session, code, kid, signature, key)
    return record


# ---- key rotation (admin) --------------------------------------------------------------------


def rotate_key(session: Session, actor: Actor) -> QrSigningKey:
    """Make a new key id current. Links already handed out keep working until the old id is
    retired; links made from now on carry the new id."""
    authorize(actor, Operation.SIGNING_KEY_MANAGE)
    key = _new_key(session)
    audit.record(session, actor, action="outreach.key_rotated", target_type="qr_signing_key",
                 target_id=key.kid, after={"kid": key.kid})
    return key


def retire_key(session: Session, actor: Actor, *, kid: str) -> QrSigningKey:
    """Stop accepting links signed with ``kid`` (e.g. after a leak). If it was the current id,
    a new one takes over."""
    authorize(actor, Operation.SIGNING_KEY_MANAGE)
    key = repository.signing_key(session, kid)
    if key is None:
        raise SigningKeyNotFound("no signing key with this id")
    if key.retired_at is None:
        key.retired_at = utcnow()
        was_current = key.current
        key.current = False
        session.flush()
        if was_current:
            _new_key(session)
        mark_changed(session, ALL_CODES)
        audit.record(session, actor, action="outreach.key_retired", target_type="qr_signing_key",
                     target_id=kid, before={"retired": False}, after={"retired": True})
    return key


def list_keys(session: Session, actor: Actor) -> list[QrSigningKey]:
    authorize(actor, Operation.SIGNING_KEY_READ)
    current_key(session)
    return repository.signing_keys(session)
