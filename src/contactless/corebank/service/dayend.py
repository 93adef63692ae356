"""What the bank runs at the end of a day and a quarter: demand-interest settlement (结息),
account closing (销户) and the day close (日终) with its general-ledger export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from contactless.corebank.constants import GL_ACCOUNTS, AccountKind
from contactless.corebank.errors import StaffOnly
from contactless.corebank.schemas import (
    AccountClosure,
    ClosedDay,
    ClosingQuote,
    SettlementResult,
)
from contactless.corebank.service.approvals import file
from contactless.corebank.service.core import (
    check_customer_access,
    get_port,
    idempotent,
    permit,
)
from contactless.identity.approvals import ApprovalView, second_person_needed
from contactless.identity.permissions import Operation
from contactless.platform import audit
from contactless.platform.context import Actor
from contactless.platform.events import publish
from contactless.platform.money import plain

GL_COLUMNS = ("business_date", "currency", "gl_code", "gl_name", "account_kind", "opening",
              "debits", "credits", "closing")


def settle_interest(session: Session, actor: Actor, *, settlement_date: date,
                    max_accounts: int | None = None) -> SettlementResult:
    """结息: pay every demand account its interest for the quarter ending ``settlement_date``
    (the 20th of March, June, September, December by default): the day-end balances summed
    over the period (积数) × the demand rate of each day / the day-count basis (360), credited
    the next day against interest expense. Each account is settled once per period: a call
    after a crash settles only the accounts left; a call after the period is complete is
    refused (``interest_already_settled``). ``max_accounts`` bounds one call (one
    transaction) so a large bank settles in steps (the bank's own run: the system)."""
    permit(actor, Operation.BATCH_RUN)
    result = get_port(session).settle_interest(actor, settlement_date=settlement_date,
                                               max_accounts=max_accounts)
    details = {"settlement_date": settlement_date.isoformat(),
               "period_start": result.period_start.isoformat(),
               "credit_date": result.credit_date.isoformat(),
               "accounts_settled": result.accounts_settled,
               "accounts_with_interest": result.accounts_with_interest,
               "interest": {currency: plain(total) for currency, total in result.interest.items()},
               "complete": result.complete}
    audit.record(session, actor, action="corebank.interest_settled",
                 target_type="corebank_interest_run", target_id=settlement_date.isoformat(),
                 details=details)
    if result.complete:
        publish(session, "corebank.interest_settled", details)
    return result


def close_account(session: Session, actor: Actor, *, idempotency_key: str,
                  account_id: uuid.UUID, transfer_to_account_id: uuid.UUID | None = None,
                  on: date | None = None) -> AccountClosure | ApprovalView:
    """销户: close a demand account. Interest is settled up to the day before; what the
    account holds then moves to ``transfer_to_account_id`` (another of the customer's demand
    accounts) in the closing entry, or the account must hold nothing. Refused while time
    deposits, loans, wealth holdings, a bound Class II account or a pending transfer still
    settle into it (``account_has_linked_products``). Customers close their own Class II
    accounts; staff close an account with four eyes: what would refuse it is checked at once,
    then it waits for a branch manager of the customer's scope (the answer is the pending
    approval), who closes it by approving."""
    permit(actor, Operation.ACCOUNT_CLOSE)
    account = get_port(session).get_account(account_id)
    check_customer_access(session, actor, account.customer_id,
                          operation=Operation.ACCOUNT_CLOSE)
    if actor.is_customer and account.account_class != 2:
        raise StaffOnly("a Class I account is closed with the bank's staff")
    reason = second_person_needed(actor, Operation.ACCOUNT_CLOSE)
    if reason:
        get_port(session).check_closing(account_id=account_id,
                                        transfer_to_account_id=transfer_to_account_id, on=on)
        return file(session, actor, operation=Operation.ACCOUNT_CLOSE, reason=reason,
                    idempotency_key=idempotency_key, target_type="corebank_account",
                    target_id=account_id, customer_id=account.customer_id,
                    payload={"account_id": str(account_id),
                             "transfer_to_account_id": str(transfer_to_account_id)
                             if transfer_to_account_id else None,
                             "on": on.isoformat() if on else None})
    return run_close(session, actor, idempotency_key=idempotency_key, account_id=account_id,
                     transfer_to_account_id=transfer_to_account_id, on=on)


def run_close(session: Session, actor: Actor, *, idempotency_key: str, account_id: uuid.UUID,
              transfer_to_account_id: uuid.UUID | None = None,
              on: date | None = None) -> AccountClosure:
    """The closing itself, for an actor four eyes no longer holds."""
    account = get_port(session).get_account(account_id)
    check_customer_access(session, actor, account.customer_id,
                          operation=Operation.ACCOUNT_CLOSE)
    return idempotent(
        session, actor, operation="close_account", idempotency_key=idempotency_key,
        request={"account_id": account_id, "transfer_to_account_id": transfer_to_account_id,
                 "on": on},
        result_type=AccountClosure,
        perform=lambda port: port.close_account(
            actor, idempotency_key=idempotency_key, account_id=account_id,
            transfer_to_account_id=transfer_to_account_id, on=on),
        audit_target=lambda result: ("corebank_account", result.account_id),
        details=lambda result: {"customer_id": account.customer_id,
                                "account_class": account.account_class,
                                "interest": result.interest.amount,
                                "moved": result.moved.amount,
                                "currency": result.moved.currency,
                                "target_account_id": result.target_account_id},
        topic="corebank.account_closed",
    )


def quote_closing(session: Session, actor: Actor, *, account_id: uuid.UUID,
                  on: date | None = None) -> ClosingQuote:
    """The interest a closing would settle now, the total it would move, and the linked
    products that still block it."""
    account = get_port(session).get_account(account_id)
    check_customer_access(session, actor, account.customer_id)
    return get_port(session).quote_closing(account_id=account_id, on=on)


def close_day(session: Session, actor: Actor, *, business_date: date) -> ClosedDay:
    """日终: close ``business_date``: from now on nothing is posted on or before it (undated
    postings take the next day), and its trial balance and general ledger are kept as they
    stand. Days close in order, each once (``day_closed_out_of_order``,
    ``day_already_closed``); the bank's own run (the system)."""
    permit(actor, Operation.BATCH_RUN)
    closed = get_port(session).close_day(actor, business_date_to_close=business_date)
    audit.record(session, actor, action="corebank.day_closed",
                 target_type="corebank_business_day", target_id=business_date.isoformat(),
                 details={"balanced": closed.trial_balance.balanced,
                          "gl_lines": len(closed.general_ledger)})
    publish(session, "corebank.day_closed", {"business_date": business_date.isoformat(),
                                             "balanced": closed.trial_balance.balanced})
    return closed


def last_closed_day(session: Session, actor: Actor) -> ClosedDay | None:
    """The last closed business day with its trial balance (who may read the books)."""
    permit(actor, Operation.BOOKS_READ)
    return get_port(session).get_closed_day()


def general_ledger_csv(closed: ClosedDay) -> str:
    """The day's general ledger as CSV, one row per currency and GL account (amounts signed
    debit positive, two decimals), for an accounting system's import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GL_COLUMNS)
    for line in closed.general_ledger:
        writer.writerow([closed.business_date.isoformat(), line.currency, line.gl_code,
                         GL_ACCOUNTS[AccountKind(line.account_kind)][1], line.account_kind,
                         f"{line.opening:.2f}", f"{line.debits:.2f}", f"{line.credits:.2f}",
                         f"{line.closing:.2f}"])
    return buffer.getvalue()


def export_general_ledger(closed: ClosedDay, directory: Path) -> Path:
    """Write ``gl-YYYY-MM-DD.csv`` into ``directory`` (UTF-8 with a BOM, as spreadsheet and
    accounting imports in China expect)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"gl-{closed.business_date.isoformat()}.csv"
    path.write_text(general_ledger_csv(closed), encoding="utf-8-sig")
    return path
