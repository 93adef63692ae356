"""The customer's own books on the phone (/m): an account's transactions (交易明细) by month
with more lines as the customer scrolls, its monthly e-statement as a PDF, a loan's schedule,
and the tab bar's profile page (the message tab is marketing's)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from contactless.corebank import service as corebank
from contactless.corebank.statement import render_statement
from contactless.corebank.views import LABELS
from contactless.customers import service as customers
from contactless.customers.web import CurrentCustomer
from contactless.platform.i18n import gettext_for
from contactless.web.deps import DbSession, KernelDep, locale_of
from contactless.web.templating import render

router = APIRouter(prefix="/m", include_in_schema=False)
PAGE_SIZE = 30
MONTHS_SHOWN = 12
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


def _first_of(month: str | None) -> date | None:
    return date.fromisoformat(f"{month}-01") if month else None


def _recent_months(today: date) -> list[str]:
    months = []
    year, number = today.year, today.month
    for _ in range(MONTHS_SHOWN):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months


@router.get("/accounts/{account_id}")
def account_page(request: Request, session: DbSession, kernel: KernelDep,
                 actor: CurrentCustomer, account_id: uuid.UUID, month: Month = None,
                 page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """交易明细: newest first; an htmx request for the next page gets only its rows."""
    gettext = gettext_for(locale_of(request))
    account = corebank.get_account(session, actor, account_id=account_id)
    history = corebank.account_history(session, actor, account_id=account_id, page=page,
                                       page_size=PAGE_SIZE, month=_first_of(month))
    labels = {key: gettext(value) for key, value in LABELS.items()}
    context = {"account": account, "history": history, "labels": labels, "month": month,
               "next_page": page + 1 if page * PAGE_SIZE < history.total else None}
    if request.headers.get("HX-Request") and page > 1:
        return render(request, "m/_history_rows.html", context)
    title = gettext("Class {n} account").format(n="I" if account.account_class == 1 else "II")
    today = corebank.business_day(session)
    return render(request, "m/account.html", {**context, "title": title,
                                              "months": _recent_months(today)})


@router.get("/accounts/{account_id}/statement.pdf")
def statement(request: Request, session: DbSession, kernel: KernelDep, actor: CurrentCustomer,
              account_id: uuid.UUID, month: Annotated[str, Query(
                  pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]) -> Response:
    """The month's e-statement (电子对账单), in the customer's language."""
    gettext = gettext_for(locale_of(request))
    first = date.fromisoformat(f"{month}-01")
    account = corebank.get_account(session, actor, account_id=account_id)
    items = corebank.month_of_history(session, actor, account_id=account_id, month=first)
    pdf = render_statement(bank_name=kernel.settings.bank_name, account=account, month=first,
                           items=items, gettext=gettext,
                           label_of=lambda kind: gettext(LABELS.get(kind, kind)))
    name = f"statement-{account.number[-4:]}-{month}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/loans/{loan_id}")
def loan_page(request: Request, session: DbSession, actor: CurrentCustomer,
              loan_id: uuid.UUID) -> Response:
    gettext = gettext_for(locale_of(request))
    loan = corebank.get_loan(session, actor, loan_id=loan_id)
    return render(request, "m/loan.html", {
        "loan": loan, "labels": {key: gettext(value) for key, value in LABELS.items()}})


@router.get("/me")
def me_page(request: Request, session: DbSession, actor: CurrentCustomer) -> Response:
    """我的: who is signed in (masked), statements, language, sign out."""
    customer_id = uuid.UUID(actor.id)
    return render(request, "m/me.html", {
        "customer": customers.get_customer(session, actor, customer_id=customer_id),
        "accounts": corebank.accounts_of_customer(session, actor, customer_id=customer_id),
        "analytics_consent": customers.analytics_consent_of(session, customer_id=customer_id),
        "hide_analytics_banner": True})  # the page has the setting itself
