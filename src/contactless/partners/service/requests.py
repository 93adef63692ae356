"""Idempotent POSTs of the open API: each carries an ``Idempotency-Key``; the first answer is
kept with a digest of the request (endpoint and body bytes), so a retry with the same key and
body gets that answer again and changes nothing, and the key with another request is refused
(``idempotency_key_conflict``). Keys are the partner's: two partners never share one."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactless.partners import repository
from contactless.partners.errors import IdempotencyKeyConflict
from contactless.partners.models import PartnerRequest


@dataclass(frozen=True)
class KeptAnswer:
    """The answer a request got the first time."""

    status_code: int
    content: Any


def request_digest(endpoint: str, body: bytes) -> str:
    return hashlib.sha256(endpoint.encode() + b"\n" + body).hexdigest()


def kept_answer(session: Session, partner_id: uuid.UUID, *, key: str, endpoint: str,
                body: bytes) -> KeptAnswer | None:
    """The first answer to this key, if the request is the same; refused if it is not."""
    earlier = repository.partner_request(session, partner_id, key)
    if earlier is None:
        return None
    if earlier.request_digest != request_digest(endpoint, body):
        raise IdempotencyKeyConflict("this idempotency key was used for another request")
    return KeptAnswer(earlier.status_code, earlier.response)


def keep_answer(session: Session, partner_id: uuid.UUID, *, key: str, endpoint: str,
                body: bytes, status_code: int, content: Any) -> None:
    """Keep the answer with the request; a concurrent request with the same key that got
    there first makes this one a conflict (nothing of it is kept)."""
    try:
        with session.begin_nested():
            session.add(PartnerRequest(partner_id=partner_id, idempotency_key=key,
                                       endpoint=endpoint[:120],
                                       request_digest=request_digest(endpoint, body),
                                       status_code=status_code, response=content))
            session.flush()
    except IntegrityError:
        raise IdempotencyKeyConflict("this idempotency key is in use by another request"
                                     ) from None
