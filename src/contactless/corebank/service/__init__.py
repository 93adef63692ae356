"""The core-banking service: what the rest of the platform calls.

Every function takes ``(session, actor, *, ...)``, works in the caller's transaction, and goes
through the configured :class:`~contactless.corebank.port.CoreBankPort` (the embedded ledger
by default). Writes take an idempotency key, check who may act, write the audit log and
publish a domain event; a failed write leaves nothing behind.
"""

from contactless.corebank.service.accounts import (
    card_payment,
    deposit_cash,
    freeze_account,
    open_account,
    receive_inbound_transfer,
    return_outbound_transfer,
    send_outbound_transfer,
    settle_outbound_transfer,
    transfer,
    unfreeze_account,
    withdraw_cash,
)
from contactless.corebank.service.core import (
    CustomerScope,
    check_customer_access,
    get_port,
    require_staff,
)
from contactless.corebank.service.demo import seed_demo_books
from contactless.corebank.service.deposits import (
    change_maturity_instruction,
    current_rate,
    place_deposit,
    run_maturities,
    seed_default_rates,
    set_deposit_rate,
    withdraw_deposit_early,
)
from contactless.corebank.service.loans import (
    book_loan,
    defer_loan,
    disburse_loan,
    prepay_loan,
    repay_instalment,
)
from contactless.corebank.service.reads import (
    account_history,
    accounts_of_customer,
    authorize_account,
    deposits_of_customer,
    get_account,
    get_deposit,
    get_holding,
    get_loan,
    get_outbound_transfer,
    get_wealth_product,
    holdings_of_customer,
    list_wealth_products,
    loans_of_customer,
    trial_balance,
    verify_books,
)
from contactless.corebank.service.wealth import (
    buy_wealth,
    create_wealth_product,
    publish_nav,
    redeem_wealth,
    settle_wealth_orders,
)

__all__ = [
    "CustomerScope",
    "account_history",
    "accounts_of_customer",
    "authorize_account",
    "book_loan",
    "buy_wealth",
    "card_payment",
    "change_maturity_instruction",
    "check_customer_access",
    "create_wealth_product",
    "current_rate",
    "defer_loan",
    "deposit_cash",
    "deposits_of_customer",
    "disburse_loan",
    "freeze_account",
    "get_account",
    "get_deposit",
    "get_holding",
    "get_loan",
    "get_outbound_transfer",
    "get_port",
    "get_wealth_product",
    "holdings_of_customer",
    "list_wealth_products",
    "loans_of_customer",
    "open_account",
    "place_deposit",
    "prepay_loan",
    "publish_nav",
    "receive_inbound_transfer",
    "redeem_wealth",
    "repay_instalment",
    "require_staff",
    "return_outbound_transfer",
    "run_maturities",
    "seed_default_rates",
    "seed_demo_books",
    "send_outbound_transfer",
    "set_deposit_rate",
    "settle_outbound_transfer",
    "settle_wealth_orders",
    "transfer",
    "trial_balance",
    "unfreeze_account",
    "verify_books",
    "withdraw_cash",
    "withdraw_deposit_early",
]
