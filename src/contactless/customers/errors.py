"""Customer errors."""

from __future__ import annotations

from contactless.platform.errors import Conflict, NotFound, ValidationFailed


class InvalidIdNumber(ValidationFailed):
    """Not a valid Chinese resident ID number (居民身份证号码): length, date or checksum."""

    code = "invalid_id_number"


class InvalidName(ValidationFailed):
    """The name is missing or not as it would be on an ID card."""

    code = "invalid_name"


class CustomerExists(Conflict):
    """A customer with this mobile or ID number is already on file."""

    code = "customer_exists"


class CustomerNotFound(NotFound):
    """No such customer, or not one the actor may see."""

    code = "customer_not_found"


class InvalidCreditCode(ValidationFailed):
    """Not a valid unified social credit code (统一社会信用代码)."""

    code = "invalid_credit_code"


class EnterpriseNotFound(NotFound):
    """No enterprise with this id."""

    code = "enterprise_not_found"
