"""Errors of the risk domain."""

from __future__ import annotations

from contactless.platform.errors import ContactlessError


class InvalidTransactions(ContactlessError):
    """The labelled history given for training or evaluation cannot be used as it is."""

    status = 422
    code = "risk_invalid_transactions"


class ModelRejected(ContactlessError):
    """A model file failed its checksum or does not match the features; it is not loaded."""

    status = 422
    code = "risk_model_rejected"


class InvalidOperation(ContactlessError):
    """The operation to assess is incomplete or not acceptable (a field missing, a negative
    amount, a moment far from now)."""

    status = 422
    code = "risk_invalid_operation"


class InvalidReferenceRate(ContactlessError):
    """A reference rate that is not a positive rate (≤ 8 decimals) of a currency other than CNY."""

    status = 422
    code = "risk_invalid_reference_rate"


class UnknownOperationKind(ContactlessError):
    """The operation's kind is none the risk engine decides on."""

    status = 422
    code = "risk_unknown_operation"


class RuleInvalid(ContactlessError):
    """A rule's condition does not parse or names an unknown feature; it is not saved."""

    status = 422
    code = "risk_rule_invalid"


class RuleNotFound(ContactlessError):
    """No rule with this key."""

    status = 404
    code = "risk_rule_not_found"


class CaseNotFound(ContactlessError):
    """No risk case with this id."""

    status = 404
    code = "risk_case_not_found"


class CaseClosed(ContactlessError):
    """The case already has its verdict."""

    status = 409
    code = "risk_case_closed"


class OperationBlocked(ContactlessError):
    """The risk check refused the operation; nothing was executed."""

    status = 403
    code = "risk_blocked"


class OperationHeldForReview(ContactlessError):
    """The risk check sent the operation to an analyst; nothing was executed yet."""

    status = 403
    code = "risk_review_required"


class SignInRefused(ContactlessError):
    """The risk check refused this sign-in."""

    status = 403
    code = "risk_sign_in_refused"


class ModelNotFound(ContactlessError):
    """No model of this version in the registry."""

    status = 404
    code = "risk_model_not_found"


class DriftUnavailable(ContactlessError):
    """No champion, or one registered without a training reference: no drift report."""

    status = 409
    code = "risk_drift_unavailable"


__all__ = ["CaseClosed", "CaseNotFound", "DriftUnavailable", "InvalidOperation",
           "InvalidReferenceRate",
           "InvalidTransactions",
           "ModelNotFound", "ModelRejected", "OperationBlocked", "OperationHeldForReview",
           "RuleInvalid", "RuleNotFound", "SignInRefused", "UnknownOperationKind"]
