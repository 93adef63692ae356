"""Identity errors: sign-in, throttling, one-time codes, staff and branch administration."""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)


class InvalidCredentials(Unauthorized):
    """Unknown user, wrong password or inactive account: one answer for all, to hide which."""

    code = "invalid_credentials"


class AccountLocked(RateLimited):
    """Too many failed sign-ins: the account waits until ``locked_until``."""

    code = "account_locked"


class TooManyLoginAttempts(RateLimited):
    """Too many sign-in attempts from one address."""

    code = "login_rate_limited"


class OtpInvalid(ValidationFailed):
    """The one-time code does not match (401 where a code is exchanged for a token)."""

    code = "otp_invalid"


class OtpExpired(ContactlessError):
    """No live code for this number: expired, used, or never sent (401 at a token exchange)."""

    status = 410
    code = "otp_expired"


class OtpAttemptsExceeded(RateLimited):
    """The wrong code that filled the number's window: the live code is dead and the number
    is locked for ``retry_after`` seconds."""

    code = "otp_attempts_exceeded"


class OtpLocked(RateLimited):
    """The number is locked after too many wrong codes: every code, the right one too, is
    refused for ``retry_after`` seconds."""

    code = "otp_locked"


class OtpSendLimit(RateLimited):
    """The number has had as many texts as it may have today."""

    code = "otp_send_limit"


class OtpRateLimited(RateLimited):
    """Too many codes asked for or tried from one network or one device."""

    code = "otp_rate_limited"


class OtpResendTooSoon(RateLimited):
    """A code was sent less than the cooldown ago."""

    code = "otp_resend_cooldown"


class InvalidMobile(ValidationFailed):
    """Not a mainland China mobile number (11 digits starting with 1)."""

    code = "invalid_mobile"


class UsernameTaken(Conflict):
    """Another staff member already has this username."""

    code = "username_taken"


class BranchCodeTaken(Conflict):
    """Another branch already has this code."""

    code = "branch_code_taken"


class UnknownBranch(NotFound):
    """No branch has this code."""

    code = "unknown_branch"


class UnknownStaff(NotFound):
    """No staff member has this username or id."""

    code = "unknown_staff"


class InvalidRole(ValidationFailed):
    """Not one of the staff roles."""

    code = "invalid_role"


class InvalidBranchTree(ValidationFailed):
    """A branch code or name that cannot be (its tree's conflicts are BranchTreeConflict)."""

    code = "invalid_branch_tree"


class BranchTreeConflict(InvalidBranchTree):
    """A second head office, or a kind out of place under its parent (head office > branch)."""

    status = 409


class WeakPassword(ValidationFailed):
    """The password is shorter than 10 characters or lacks a letter or a digit."""

    code = "weak_password"


class InvalidContactCard(ValidationFailed):
    """A work phone or WeCom link that cannot be shown to customers as it is."""

    code = "invalid_contact_card"


class InvalidUsername(ValidationFailed):
    """A username is 3-64 lower-case letters, digits, dots, dashes or underscores."""

    code = "invalid_username"


class NotAllowed(Forbidden):
    """The actor's role does not permit this action."""

    code = "role_not_allowed"


class OutOfScope(Forbidden):
    """The role may do this, but not on data outside the actor's branch subtree."""

    code = "out_of_scope"


class HeldForApproval(Forbidden):
    """The operation needs a second person: nothing ran, and a pending approval waits for one
    (the body carries it as ``approval``)."""

    code = "four_eyes_required"


class FourEyesRequired(Forbidden):
    """The operation needs a second person and the actor is the one who initiated it."""

    code = "four_eyes_required"


class ApprovalNotFound(NotFound):
    """No approval with this id in the actor's scope."""

    code = "approval_not_found"


class ApprovalDecided(Conflict):
    """The approval was already approved or refused (by someone else, or the other way)."""

    code = "approval_decided"


class ApprovalExecutorMissing(ContactlessError):
    """No domain installed what runs this operation on approval (a deployment fault)."""

    status = 503
    code = "approval_executor_missing"
