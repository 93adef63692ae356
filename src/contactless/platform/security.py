"""Password hashing, signed tokens, field encryption (AES-GCM) and keyed blind indexes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Passwords:
    """Argon2id password hashing; cost is a setting (tests use a cheap one)."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def burn(self, password: str) -> None:
        """Spend the time of a real check, so an unknown username answers as slowly."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_hex(8))
        self.verify(self._dummy, password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


_default = Passwords()


def hash_password(password: str) -> str:
    return _default.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    return _default.verify(password_hash, password)


@lru_cache(maxsize=1024)
def derive_key(master: str, purpose: str, length: int = 32) -> bytes:
    """A sub-key for one purpose, so one secret never serves two uses (derived once per
    process: the signatures of every request need them)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()
    ).derive(master.encode())


def key_id_of(master: str) -> str:
    return hashlib.sha256(("kid:" + master).encode()).hexdigest()[:8]


class DecryptionFailed(Exception):
    """A stored value could not be decrypted: unknown key id or tampered ciphertext."""


@dataclass(frozen=True)
class FieldCipher:
    """Encrypts PII with AES-256-GCM. Values carry the key id, so older keys still decrypt."""

    current_id: str
    keys: dict[str, bytes]
    index_key: bytes

    @classmethod
    def from_secrets(cls, data_key: str, older: list[str] | None = None) -> FieldCipher:
        keys = {key_id_of(data_key): derive_key(data_key, "field-encryption")}
        for old in older or []:
            keys[key_id_of(old)] = derive_key(old, "field-encryption")
        # the blind index key stays with the first key: rotating it would need a re-index
        return cls(key_id_of(data_key), keys, derive_key(data_key, "blind-index"))

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(
            nonce, plaintext.encode(), context.encode()
        )
        return f"{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        try:
            key_id, body = token.split(":", 1)
            raw = base64.urlsafe_b64decode(body.encode())
            return AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:
            raise DecryptionFailed("stored value cannot be decrypted") from exc

    def blind_index(self, value: str, *, kind: str) -> str:
        """A keyed HMAC of a normalised value: equal inputs match, nothing can be read back."""
        normalised = value.strip().upper().replace(" ", "")
        return hmac.new(self.index_key, f"{kind}:{normalised}".encode(), "sha256").hexdigest()


class TokenSigner:
    """Signs small payloads (sessions, access tokens, links) with an expiry."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=salt)

    def dumps(self, payload: Any, *, purpose: str) -> str:
        return self._serializer(purpose).dumps(payload)

    def loads(self, token: str, *, purpose: str, max_age: int) -> Any | None:
        try:
            return self._serializer(purpose).loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None

    def hmac(self, message: str, *, purpose: str) -> str:
        key = derive_key(self._secret, purpose)
        return hmac.new(key, message.encode(), "sha256").hexdigest()


def hash_code(code: str, *, pepper: str) -> str:
    """One-time codes are stored only as a keyed hash."""
    return hmac.new(pepper.encode(), code.encode(), "sha256").hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def mask_id_number(number: str) -> str:
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "****"


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
