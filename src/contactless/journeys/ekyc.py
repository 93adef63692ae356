"""Remote identity verification (e-KYC) port: name + ID number + mobile consistency, and a
face / liveness check on a selfie. A bank plugs its provider in behind
:class:`IdentityVerifier` (installed with ``journeys.plugins.install``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys.errors import InvalidUpload
from contactless.journeys.uploads import UploadedFile, check_upload
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError


@dataclass(frozen=True)
class KycResult:
    """``passed`` or not, with stable reason codes; ``customer_id`` is the bank's customer the
    details belong to, when the bank knows them."""

    passed: bool
    reasons: tuple[str, ...] = ()
    customer_id: uuid.UUID | None = None


class IdentityVerifier(Protocol):
    name: str

    def verify_identity(self, session: Session, *, name: str, id_number: str,
                        mobile: str) -> KycResult: ...

    def verify_liveness(self, session: Session, *, selfie: UploadedFile) -> KycResult: ...


class EmbeddedVerifier:
    """The verifier that needs no provider: the ID number's checksum and birth date, the
    bank's own records (a known ID number or mobile must belong to the same person), and a
    selfie that is a real image of sensible size."""

    name = "embedded"

    def verify_identity(self, session: Session, *, name: str, id_number: str,
                        mobile: str) -> KycResult:
        reasons: list[str] = []
        try:
            id_number = customers.check_id_number(id_number)
        except ContactlessError:
            reasons.append("id_number_invalid")
        try:
            name = customers.check_name(name)
        except ContactlessError:
            reasons.append("name_invalid")
        try:
            mobile = identity.check_mobile(mobile)
        except ContactlessError:
            reasons.append("mobile_invalid")
        if reasons:
            return KycResult(False, tuple(reasons))
        by_id = customers.find_by_id_number(session, id_number=id_number)
        by_mobile = customers.find_by_mobile(session, mobile=mobile)
        if by_id is None:
            if by_mobile is not None:
                return KycResult(False, ("mobile_belongs_to_another_person",))
            return KycResult(True)
        record = customers.get_customer(session, SYSTEM, customer_id=by_id.id, unmasked=True)
        if record.name != name:
            reasons.append("name_does_not_match_records")
        if record.mobile != mobile:
            reasons.append("mobile_does_not_match_records")
        if by_mobile is not None and by_mobile.id != by_id.id:
            reasons.append("mobile_belongs_to_another_person")
        return KycResult(not reasons, tuple(reasons), customer_id=by_id.id)

    def verify_liveness(self, session: Session, *, selfie: UploadedFile) -> KycResult:
        try:
            check_upload(selfie, kinds=frozenset({"image"}), max_bytes=5 * 1024 * 1024)
        except InvalidUpload:
            return KycResult(False, ("selfie_not_a_real_photo",))
        return KycResult(True)
