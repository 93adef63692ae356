"""Journey errors: each with its HTTP status and stable code. Messages are English message ids
(translated for the caller); ``{placeholders}`` are filled from the error's extra fields."""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
)


class UnknownJourney(NotFound):
    """No journey is declared under this key."""

    code = "unknown_journey"


class JourneyNotFound(NotFound):
    """No such journey instance, or one that belongs to someone else (the answer is the same)."""

    code = "journey_not_found"


class SignInRequired(Forbidden):
    """The journey needs an existing customer (prospects may start only some journeys)."""

    code = "customer_required"


class JourneyExpired(ContactlessError):
    """The instance was left longer than its time to live (7 days by default)."""

    status = 410
    code = "journey_expired"


class JourneyCancelled(Conflict):
    """The journey was cancelled; start a new one."""

    code = "journey_cancelled"


class JourneyFinished(Conflict):
    """The instance is completed or rejected: nothing more can be submitted."""

    code = "journey_finished"


class JourneyWaiting(Conflict):
    """The instance waits for staff review or for its cooling-off period to pass."""

    code = "journey_waiting"


class JourneyOutdated(ContactlessError):
    """The journey's declaration changed version since this instance started."""

    status = 410
    code = "journey_outdated"


class StepNotFound(NotFound):
    """The journey has no step of this name."""

    code = "step_not_found"


class StepOutOfOrder(Conflict):
    """A later step was submitted before the current one (skipping by URL or API)."""

    code = "step_out_of_order"


class StepAlreadyCompleted(Conflict):
    """The step was completed already (a second submit with a new idempotency key)."""

    code = "step_already_completed"


class StepInvalid(ValidationFailed):
    """Submitted data failed validation; ``errors`` lists each field with its message."""

    code = "step_invalid"


class InvalidUpload(ValidationFailed):
    """An uploaded file that is empty, too big, of the wrong type, or not a real image."""

    code = "invalid_upload"


class IdentityNotVerified(ValidationFailed):
    """Remote identity verification (e-KYC) did not pass. One answer for every reason (the
    reasons are in the audit trail), so nobody learns whether an ID number is a customer's."""

    code = "identity_not_verified"


class KycAttemptsExceeded(RateLimited):
    """This person has run as many identity checks as they may today."""

    code = "kyc_attempts_exceeded"


class AlreadyCustomer(Conflict):
    """This person is already a customer: sign in instead of opening as a newcomer."""

    code = "already_customer"


class UnsuitableProduct(ValidationFailed):
    """The product's risk level (R1–R5) is above the customer's risk tolerance (C1–C5)."""

    code = "unsuitable_product"


class NotOnRoster(Forbidden):
    """The person is not on the employer's roster (group payroll-card opening)."""

    code = "not_on_roster"


class AlreadyEnrolled(Conflict):
    """The customer already holds what this journey opens."""

    code = "already_enrolled"


class NoEarlierStep(Conflict):
    """Back from the first step (or from a step that is not waiting for the customer)."""

    code = "no_earlier_step"


class NothingToRenew(Conflict):
    """The customer has no deposit this renewal journey could change."""

    code = "nothing_to_renew"


class NothingToWithdraw(Conflict):
    """No time deposit that can still be partly withdrawn."""

    code = "nothing_to_withdraw"


class NothingToClose(Conflict):
    """No Class II account the customer can close online."""

    code = "nothing_to_close"


class NoLoanToDefer(Conflict):
    """The customer has no active loan to defer."""

    code = "no_loan_to_defer"


class NoAccount(Conflict):
    """The journey needs a demand account the customer does not have."""

    code = "no_account"


class MobileTaken(Conflict):
    """Another customer already uses this mobile number."""

    code = "mobile_taken"


class ConsentChanged(Conflict):
    """The consent text changed between showing and agreeing: it must be read again."""

    code = "consent_changed"


class ReviewNotFound(NotFound):
    """No journey review with this id in the actor's scope."""

    code = "review_not_found"


class ReviewDecided(Conflict):
    """The review was already approved or refused."""

    code = "review_already_decided"


class ConsentNotFound(NotFound):
    """No consent document with this key and version."""

    code = "consent_not_found"


class LoanHeld(Conflict):
    """The core held the loan for a second person's approval instead of paying it out."""

    code = "loan_held"
