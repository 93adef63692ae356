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


__all__ = ["InvalidTransactions", "ModelRejected"]
