"""The customer's message centre in mobile banking (/m/messages, 消息): the bank's messages
newest first with the unread ones marked, one message opened (its read receipt) with the
link to the journey it offers, the tab bar's unread badge (the app's push: it polls while the
app is open), and the customer's own marketing consent and do-not-disturb."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactless.customers.web import CurrentCustomer, OptionalCustomer
from contactless.marketing import service as marketing
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import gettext_for
from contactless.web.deps import CsrfChecked, DbSession, locale_of
from contactless.web.errors import localized
from contactless.web.templating import render

router = APIRouter(prefix="/m/messages", include_in_schema=False)


def _page(request: Request, session: DbSession, actor: CurrentCustomer, *,
          flash: str | None = None, error: str | None = None, status: int = 200) -> Response:
    messages = marketing.inbox(session, actor)
    return render(request, "marketing/inbox.html", {
        "messages": messages, "unread": sum(1 for item in messages if item.read_at is None),
        "preferences": marketing.preferences(session, actor,
                                             customer_id=uuid.UUID(actor.id)),
        "flash": flash, "error": error}, status=status)


@router.get("")
def inbox_page(request: Request, session: DbSession, actor: CurrentCustomer) -> Response:
    saved = request.query_params.get("saved") == "1"
    return _page(request, session, actor, flash=gettext_for(locale_of(request))(
        "Your message settings are saved.") if saved else None)


@router.get("/unread")
def unread_badge(request: Request, session: DbSession, actor: OptionalCustomer) -> Response:
    """The tab bar's badge: how many messages are not opened yet (empty when none, and when
    the sign-in has ended, so the poll never swaps a sign-in page into the tab bar)."""
    count = marketing.unread_count(session, actor) if actor is not None else 0
    return render(request, "marketing/_unread.html", {"count": count})


@router.get("/{message_id}")
def message_page(request: Request, session: DbSession, actor: CurrentCustomer,
                 message_id: uuid.UUID) -> Response:
    """One message; the first opening is its read receipt."""
    message = marketing.open_message(session, actor, message_id=message_id)
    return render(request, "marketing/message.html", {"message": message})


@router.post("/preferences", dependencies=[CsrfChecked])
def save_preferences(request: Request, session: DbSession, actor: CurrentCustomer,
                     consent: Annotated[str, Form(max_length=8)] = "",
                     do_not_disturb: Annotated[str, Form(max_length=8)] = "") -> Response:
    """Marketing consent and do-not-disturb as the customer set them; an opt-out withdraws
    what still waits to go out."""
    try:
        marketing.set_preferences(session, actor, customer_id=uuid.UUID(actor.id),
                                  consent=consent == "on", do_not_disturb=do_not_disturb == "on")
    except ContactlessError as exc:
        session.rollback()
        return _page(request, session, actor, status=exc.status,
                     error=localized(exc, locale_of(request)).message)
    return RedirectResponse("/m/messages?saved=1#settings", status_code=303)


__all__ = ["router"]
