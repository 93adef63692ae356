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
from contactless.journeys.errors import IdentityNotVerified, InvalidUpload, KycAttemptsExceeded
from contactless.journeys.uploads import UploadedFile, check_upload
from contactless.platform import audit
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import kernel_of

DAY = 24 * 3600
NOT_VERIFIED = "we could not verify your identity with these details"


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


def check_person(session: Session, actor: Actor, verifier: IdentityVerifier, *, name: str,
                 id_number: str, mobile: str, customer_id: uuid.UUID | None = None,
                 known_mismatch: tuple[str, ...] = ()) -> KycResult:
    """Run the identity check for ``actor`` (a prospect or a customer): at most
    ``kyc_attempts_per_day`` a day each. Whatever fails (the verifier's reasons, a
    ``known_mismatch`` found by the caller, or details that are not ``customer_id``'s), the
    answer is one and the same; the reasons are kept in the audit trail (``kyc.failed``)."""
    kernel = kernel_of(session)
    key = f"kyc-attempts:{actor.kind}:{actor.id}"
    attempts = kernel.store.incr(key, ttl=DAY)
    if attempts > kernel.settings.kyc_attempts_per_day:
        raise audit.record_refusal(
            session, actor, KycAttemptsExceeded(
                "too many identity checks today; try again tomorrow",
                retry_after=kernel.store.ttl(key) or 1),
            action="kyc.refused", target_type=actor.kind, target_id=actor.id,
            details={"attempts": attempts})
    result = (KycResult(False, known_mismatch) if known_mismatch else
              verifier.verify_identity(session, name=name, id_number=id_number, mobile=mobile))
    reasons = list(result.reasons)
    if result.passed and customer_id is not None and result.customer_id != customer_id:
        reasons.append("not_this_customer")
    if not result.passed or reasons:
        raise audit.record_refusal(
            session, actor, IdentityNotVerified(NOT_VERIFIED),
            action="kyc.failed", target_type=actor.kind, target_id=actor.id,
            details={"verifier": verifier.name, "reasons": reasons, "attempts": attempts})
    return result
