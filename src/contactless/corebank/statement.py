"""The monthly e-statement (电子对账单) of a demand account as a PDF, in the customer's
language. Chinese is set in the CID font STSong-Light, which reportlab carries (no font
file to ship)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from contactless.corebank.schemas import AccountView, HistoryItem

# a position or size on the page, in PDF points (never an amount: amounts stay Decimal text)
Points = float
FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def render_statement(*, bank_name: str, account: AccountView, month: date,
                     items: list[HistoryItem], gettext: Callable[[str], str],
                     label_of: Callable[[str], str]) -> bytes:
    """A4 pages: the account, the month, then each line oldest first (date, what, the other
    side masked, amount, balance after) and the month's totals."""
    font = _font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = gettext("Account statement")
    canvas.setTitle(f"{title} {month:%Y-%m}")
    canvas.setAuthor(bank_name)
    width, height = A4
    left, top = 18 * mm, height - 18 * mm
    columns = (left, left + 24 * mm, left + 62 * mm, left + 118 * mm, left + 150 * mm)
    y = top

    def text(x: Points, value: str, size: Points = 9) -> None:
        canvas.setFont(font, size)
        canvas.drawString(x, y, value)

    def header() -> None:
        nonlocal y
        text(left, f"{bank_name} · {title}", 14)
        y -= 8 * mm
        text(left, f"{gettext('Account')} ****{account.number[-4:]}  ·  "
                   f"{gettext('Month')} {month:%Y-%m}  ·  {account.currency}", 10)
        y -= 8 * mm
        for x, name in zip(columns, (gettext("Date"), gettext("Description"),
                                     gettext("Counterparty"), gettext("Amount"),
                                     gettext("Balance")), strict=True):
            text(x, name, 9)
        y -= 6 * mm

    header()
    money_in = money_out = Decimal(0)
    for item in sorted(items, key=lambda line: line.seq):
        if y < 20 * mm:
            canvas.showPage()
            y = top
            header()
        amount = item.amount.amount
        if amount > 0:
            money_in += amount
        else:
            money_out -= amount
        for x, value in zip(columns, (item.value_date.isoformat(), label_of(item.kind)[:14],
                                      (item.counterparty or "")[:20], f"{amount:,.2f}",
                                      f"{item.balance_after.amount:,.2f}"), strict=True):
            text(x, value)
        y -= 5.5 * mm
    y -= 4 * mm
    text(left, f"{gettext('Money in')} {money_in:,.2f}   {gettext('Money out')} "
               f"{money_out:,.2f}   {gettext('Lines')} {len(items)}", 10)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
