"""Outreach errors. A rejected scan carries one of the scan errors: its ``code`` is also the
reason recorded on the scan, so pages, the API and reports share one vocabulary."""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    ValidationFailed,
)


class OutreachError(ContactlessError):
    """Base of every outreach error."""

    code = "outreach_error"


# ---- scans: why a QR code did not open -------------------------------------------------------


class ScanRejected(OutreachError):
    """A scan that does not open the landing page; the scan is still recorded with the code."""

    status = 403
    code = "qr_scan_rejected"


class QrSignatureInvalid(ScanRejected):
    """The link was forged, truncated or mistyped: the signature does not match."""

    status = 400
    code = "qr_signature_invalid"


class QrKeyUnknown(ScanRejected):
    """The link names a signing key the bank does not know, or has retired."""

    status = 400
    code = "qr_key_unknown"


class QrCodeNotFound(ScanRejected):
    """A well-signed link whose code is not on record."""

    status = 404
    code = "qr_code_not_found"


class QrCodeRevoked(ScanRejected):
    """The RM withdrew the code for good."""

    status = 410
    code = "qr_code_revoked"


class QrCodePaused(ScanRejected):
    """The RM paused the code; it may open again later."""

    status = 403
    code = "qr_code_paused"


class QrCodeExpired(ScanRejected):
    """The code's validity ended (expires_at passed)."""

    status = 410
    code = "qr_code_expired"


class QrCodeNotYetValid(ScanRejected):
    """The code's validity has not started (before not_before)."""

    status = 403
    code = "qr_code_not_yet_valid"


class QrCodeUsedUp(ScanRejected):
    """The code reached its maximum number of scans."""

    status = 410
    code = "qr_code_used_up"


class QrCustomerLimitReached(ScanRejected):
    """This customer already used the code as often as one customer may."""

    status = 429
    code = "qr_customer_limit_reached"


class QrCodeForwarded(ScanRejected):
    """A one-to-one code is bound to the customer who scanned it first: it was forwarded."""

    status = 403
    code = "qr_code_forwarded"


class QrCustomersOnly(ScanRejected):
    """Someone new to the bank scanned a code that counts or binds per customer: they must
    sign in as a customer."""

    status = 403
    code = "qr_customers_only"


class QrNotOnRoster(ScanRejected):
    """The code is for the employees on a roster, and this customer is not on it."""

    status = 403
    code = "qr_not_on_roster"


class QrLinksRateLimited(ScanRejected):
    """Too many forged, damaged or unknown links from one network within a minute: further
    ones are refused without a record until the minute is over (genuine links still open)."""

    status = 429
    code = "qr_links_rate_limited"


# ---- managing codes --------------------------------------------------------------------------


class CodeNotFound(NotFound):
    """No such code, or the actor may not see it."""

    code = "qr_code_not_found"


class NotCodeOwner(Forbidden):
    """Only the code's creator may change it (an admin may also revoke it)."""

    code = "not_code_owner"


class InvalidCode(ValidationFailed):
    """Settings of a code that cannot work: purpose, channel, window, limits."""

    code = "qr_code_invalid"


class CodeStateConflict(Conflict):
    """The change does not fit the code's status (e.g. resuming a revoked code)."""

    code = "qr_code_state_conflict"


class SharesInvalid(ValidationFailed):
    """Credit shares must be given for the accepted owners and add up to exactly 100."""

    code = "shares_invalid"


class InvalidOwner(ValidationFailed):
    """Only active relationship managers (or branch managers) can own a code."""

    code = "invalid_owner"


class InvitationConflict(Conflict):
    """The person is already an owner or invited, or has no open invitation."""

    code = "invitation_conflict"


class RosterInvalid(ValidationFailed):
    """A roster file that cannot be read at all, or a code that takes no roster."""

    code = "roster_invalid"


class ProgressLinkInvalid(NotFound):
    """The progress link is forged, expired, or was replaced by a newer one."""

    code = "progress_link_invalid"


class SigningKeyNotFound(NotFound):
    """No signing key with that id."""

    code = "qr_signing_key_not_found"


class PolicyInvalid(ValidationFailed):
    """An attribution window outside 1-365 days."""

    code = "outreach_policy_invalid"


__all__ = [
    "CodeNotFound", "CodeStateConflict", "InvalidCode", "InvalidOwner", "InvitationConflict",
    "NotCodeOwner", "OutreachError", "PolicyInvalid", "ProgressLinkInvalid", "QrCodeExpired",
    "QrCodeForwarded", "QrCodeNotFound", "QrCodeNotYetValid", "QrCodePaused", "QrCodeRevoked",
    "QrCodeUsedUp", "QrCustomerLimitReached", "QrKeyUnknown", "QrNotOnRoster",
    "QrSignatureInvalid", "RosterInvalid", "ScanRejected", "SharesInvalid", "SigningKeyNotFound",
]
