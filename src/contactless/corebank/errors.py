"""Core-banking errors: each one a stable ``code`` and HTTP status that callers can act on.

Money-shape errors (``too_many_decimals``, ``unknown_currency``, ``currency_mismatch``) are the
platform's own (:mod:`contactless.platform.money`) so the whole house speaks one language.
"""

from __future__ import annotations

from contactless.platform.errors import (
    Conflict,
    ContactlessError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from contactless.platform.money import CurrencyMismatch, TooManyDecimals, UnknownCurrency

__all__ = [
    "AccountClosed",
    "AccountFrozen",
    "AccountNotFound",
    "BalanceNotZero",
    "DayAlreadyClosed",
    "DayClosed",
    "DayClosedOutOfOrder",
    "DayNotOver",
    "InterestAlreadySettled",
    "InvalidSettlementDate",
    "LinkedProductsOpen",
    "PartialWithdrawalNotAllowed",
    "PartialWithdrawalUsed",
    "RemainingBelowMinimum",
    "SettlementDayNotOver",
    "BelowMinimum",
    "BindingRequired",
    "Class2LimitExceeded",
    "CorebankError",
    "CurrencyMismatch",
    "CustomerNotFound",
    "DepositNotActive",
    "DepositNotFound",
    "HoldingNotFound",
    "InstalmentOverdue",
    "InstructionLocked",
    "InsufficientFunds",
    "InsufficientUnits",
    "InvalidAccountClass",
    "InvalidAccountKind",
    "InvalidAmount",
    "InvalidDeferral",
    "InvalidIdempotencyKey",
    "InvalidLoanTerms",
    "InvalidNav",
    "InvalidRate",
    "InvalidUnits",
    "DuplicateProduct",
    "InvalidTerm",
    "LoanNotActive",
    "LoanNotFound",
    "NavNotFound",
    "NotYourAccount",
    "NothingDue",
    "OrderNotFound",
    "PortNotConfigured",
    "PrepaymentTooLarge",
    "ProductClosed",
    "ProductNotFound",
    "RateNotFound",
    "SameAccount",
    "StaffOnly",
    "TooManyDecimals",
    "TransferNotFound",
    "TransferNotPending",
    "UnbalancedEntry",
    "UnknownCurrency",
]


class CorebankError(ContactlessError):
    """Base of every core-banking failure."""

    code = "corebank_error"


# -- input ------------------------------------------------------------------------------


class InvalidAmount(ValidationFailed):
    """The amount is zero or negative: money moves only in positive amounts."""

    code = "invalid_amount"


class SameAccount(ValidationFailed):
    """Source and target are the same account."""

    code = "same_account"


class InvalidIdempotencyKey(ValidationFailed):
    """The idempotency key is empty or longer than 128 characters."""

    code = "invalid_idempotency_key"


class InvalidAccountKind(ValidationFailed):
    """The account cannot take part in this operation (e.g. a transfer into a loan account)."""

    code = "invalid_account_kind"


class InvalidAccountClass(ValidationFailed):
    """Demand accounts are Class I or Class II (一类户/二类户); Class II only in CNY."""

    code = "invalid_account_class"


class BindingRequired(ValidationFailed):
    """A Class II account must be bound to one of the customer's Class I accounts."""

    code = "binding_required"


class InvalidTerm(ValidationFailed):
    """Deposit terms are 3m, 6m, 1y, 2y, 3y and 5y."""

    code = "invalid_term"


class BelowMinimum(ValidationFailed):
    """The amount is under the product's minimum (a large CD starts at 200,000 CNY)."""

    code = "below_minimum"


class InvalidUnits(ValidationFailed):
    """Units are positive with at most two decimals."""

    code = "invalid_units"


class InvalidNav(ValidationFailed):
    """A net asset value is positive."""

    code = "invalid_nav"


class DuplicateProduct(Conflict):
    """A wealth product with that code exists already."""

    code = "duplicate_product"


class InvalidRate(ValidationFailed):
    """A rate is a fraction between 0 and 1 (0.0135 is 1.35%)."""

    code = "invalid_rate"


class InvalidLoanTerms(ValidationFailed):
    """Loan principal, rate, term or repayment method is not acceptable."""

    code = "invalid_loan_terms"


class InvalidDeferral(ValidationFailed):
    """A deferral is 1 to 12 months on a disbursed loan with unpaid instalments."""

    code = "invalid_deferral"


class PrepaymentTooLarge(ValidationFailed):
    """An early repayment cannot exceed the outstanding principal."""

    code = "prepayment_exceeds_outstanding"


# -- not found ----------------------------------------------------------------------------


class AccountNotFound(NotFound):
    """No such account (or the actor may not know it exists)."""

    code = "account_not_found"


class CustomerNotFound(NotFound):
    """The core has no customer with this id."""

    code = "customer_not_found"


class DepositNotFound(NotFound):
    """No time deposit or certificate of deposit with this id."""

    code = "deposit_not_found"


class ProductNotFound(NotFound):
    """No wealth product with this code or id."""

    code = "product_not_found"


class OrderNotFound(NotFound):
    """No wealth order with this id."""

    code = "order_not_found"


class HoldingNotFound(NotFound):
    """The customer holds no units of this product."""

    code = "holding_not_found"


class NavNotFound(NotFound):
    """No net asset value is published for the product on or before that date."""

    code = "nav_not_found"


class RateNotFound(NotFound):
    """No rate is set for that product, term and currency on that date."""

    code = "rate_not_found"


class LoanNotFound(NotFound):
    """No loan with this id."""

    code = "loan_not_found"


class TransferNotFound(NotFound):
    """No outbound transfer with this id."""

    code = "transfer_not_found"


# -- permission ---------------------------------------------------------------------------


class NotYourAccount(Forbidden):
    """A customer may only act on their own accounts, deposits, holdings and loans."""

    code = "not_your_account"


class StaffOnly(Forbidden):
    """Counter and back-office operations (cash, loans, rates, products) need a staff actor."""

    code = "staff_only"


# -- state --------------------------------------------------------------------------------


class InsufficientFunds(Conflict):
    """The debit would take a demand account below zero."""

    code = "insufficient_funds"


class AccountFrozen(Conflict):
    """The account is frozen: money may come in, none may go out."""

    code = "account_frozen"


class AccountClosed(Conflict):
    """The account is closed (销户): it takes no posting of any kind any more."""

    code = "account_closed"


class LinkedProductsOpen(Conflict):
    """The account cannot close while time deposits, loans, wealth holdings or a Class II
    account still settle into it."""

    code = "account_has_linked_products"


class BalanceNotZero(Conflict):
    """The account still holds money: close it with a zero balance or name another of the
    customer's accounts to move the balance to."""

    code = "account_balance_not_zero"


class InvalidSettlementDate(ValidationFailed):
    """Demand interest settles on the settlement day of March, June, September and December
    (the 20th by default)."""

    code = "not_a_settlement_date"


class SettlementDayNotOver(Conflict):
    """A period settles once its last day is over (its day-end balance is final)."""

    code = "settlement_day_not_over"


class InterestAlreadySettled(Conflict):
    """Every account of this period is settled already: a second settlement posts nothing."""

    code = "interest_already_settled"


class DayClosed(Conflict):
    """The business day is closed (日终): nothing more may be posted on or before it."""

    code = "day_closed"


class DayAlreadyClosed(Conflict):
    """That business day is closed already."""

    code = "day_already_closed"


class DayClosedOutOfOrder(Conflict):
    """Business days close one after another: the day after the last closed one is next."""

    code = "day_closed_out_of_order"


class DayNotOver(Conflict):
    """A business day in the future cannot be closed."""

    code = "day_not_over"


class PartialWithdrawalUsed(Conflict):
    """A time deposit allows one partial early withdrawal (部分提前支取) and it was used."""

    code = "partial_withdrawal_used"


class PartialWithdrawalNotAllowed(Conflict):
    """The product does not allow a partial withdrawal (large CDs, unless the bank's product
    rule says so)."""

    code = "partial_withdrawal_not_allowed"


class RemainingBelowMinimum(ValidationFailed):
    """What would stay in the deposit is less than the minimum remaining amount."""

    code = "remaining_below_minimum"


class Class2LimitExceeded(Conflict):
    """A Class II account passed its PBoC daily or yearly cap for non-bound inflows/outflows."""

    code = "class2_limit_exceeded"


class DepositNotActive(Conflict):
    """The deposit has already matured, renewed or been withdrawn."""

    code = "deposit_not_active"


class InstructionLocked(Conflict):
    """The maturity instruction can only change until the day before maturity."""

    code = "instruction_locked"


class ProductClosed(Conflict):
    """The wealth product has matured or closes before the order would settle."""

    code = "product_closed"


class InsufficientUnits(Conflict):
    """The holding has fewer units available than the redemption asks for."""

    code = "insufficient_units"


class LoanNotActive(Conflict):
    """The loan is not in a state that allows this (not disbursed, already disbursed, paid off)."""

    code = "loan_not_active"


class NothingDue(Conflict):
    """No instalment is due on that date."""

    code = "nothing_due"


class InstalmentOverdue(Conflict):
    """Overdue instalments must be paid before an early repayment or a deferral."""

    code = "instalment_overdue"


class TransferNotPending(Conflict):
    """Only a pending outbound transfer can be settled or returned."""

    code = "transfer_not_pending"


# -- programming / configuration ----------------------------------------------------------


class UnbalancedEntry(CorebankError):
    """A journal entry whose postings do not sum to zero per currency: a bug, never posted."""

    status = 500
    code = "unbalanced_entry"


class PortNotConfigured(CorebankError):
    """The configured core-banking port cannot be loaded."""

    status = 500
    code = "corebank_port_not_configured"


class JourneyRequired(Forbidden):
    """The core's write API is the bank's counter: a customer token is refused there, because
    a customer's money moves through a journey (suitability, consents, the risk check)."""

    code = "journey_required"
