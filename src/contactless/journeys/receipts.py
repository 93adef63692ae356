"""Consent receipts: a PDF of exactly what a customer agreed to (text, version, SHA-256, time,
address). Chinese is set in the CID font STSong-Light, which reportlab carries (no font file)."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"


def text_hash(text: str) -> str:
    """SHA-256 of the exact text shown (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Break lines to the page width, character by character (Chinese has no spaces)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(current + char, FONT, size) > width:
                lines.append(current)
                current = char
            else:
                current += char
        lines.append(current)
    return lines


def render_receipt(*, bank_name: str, title: str, version: str, text: str, sha256: str,
                   agreed_at: datetime, timezone: str, who: str, ip: str | None,
                   journey: str, labels: dict[str, str]) -> bytes:
    """One or more A4 pages: a header with the facts of the consent, then the full text."""
    font = _font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{title} {version}")
    canvas.setAuthor(bank_name)
    width, height = A4
    left, top, usable = 20 * mm, height - 20 * mm, width - 40 * mm
    y = top

    def line(value: str, size: float = 10, gap: float = 5.5 * mm) -> None:
        nonlocal y
        if y < 20 * mm:
            canvas.showPage()
            y = top
        canvas.setFont(font, size)
        canvas.drawString(left, y, value)
        y -= gap

    line(bank_name, 14, 8 * mm)
    line(labels["heading"], 12, 8 * mm)
    local = agreed_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")
    for label, value in ((labels["document"], title), (labels["version"], version),
                         (labels["journey"], journey), (labels["who"], who),
                         (labels["agreed_at"], local), (labels["ip"], ip or "-")):
        line(f"{label}: {value}")
    for chunk in _wrap(f"SHA-256: {sha256}", usable, 8):
        line(chunk, 8, 4.5 * mm)
    y -= 3 * mm
    for chunk in _wrap(text, usable, 10):
        line(chunk)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
