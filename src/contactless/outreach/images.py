"""QR images: PNG and SVG (segno) with the bank's and the RM's names under the code, an A4 PDF
poster (reportlab), and ZIP files of personal codes. Pure functions of a URL and a label."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import segno
from PIL import Image, ImageDraw, ImageFont

from contactless.platform.i18n import gettext_for

ERROR_LEVEL = "m"
BORDER = 4
# fonts with Chinese glyphs, first found wins (Debian's fonts-noto-cjk, WenQuanYi, macOS)
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
SVG_FONTS = "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif"
_TO_GREY = bytes([255, 0]) + bytes(254)  # module 1 (dark) -> 0 (black), 0 -> 255 (white)


@dataclass(frozen=True)
class Label:
    """Text printed with a code: bank name, the owners' names (caption), and for posters the
    code's title and enterprise."""

    bank_name: str
    caption: str
    title: str = ""
    enterprise: str | None = None
    footer: str = ""


def make_qr(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


# ---- PNG -------------------------------------------------------------------------------------


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in CJK_FONTS:
        if not Path(candidate).exists():
            continue
        if candidate.endswith(".ttc"):
            for index in range(6):
                try:
                    face = ImageFont.truetype(candidate, size, index=index)
                except OSError:
                    break
                if " SC" in " ".join(str(part) for part in face.getname()):
                    return face
        return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int,
         ) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]:
    """The largest font (down to 60% of ``size``) that fits; cut with an ellipsis if none."""
    for step in range(size, max(int(size * 0.6), 8) - 1, -2):
        font = _font(step)
        if draw.textlength(text, font=font) <= width:
            return font, text
    font = _font(max(int(size * 0.6), 8))
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return font, text + "…"


def _text_strip(lines: list[tuple[str, int]], width: int) -> Image.Image:
    """Centred lines of text (text, font size) on white, ``width`` pixels wide."""
    lines = [(text, size) for text, size in lines if text]
    height = sum(int(size * 1.5) for _t, size in lines) + 8
    strip = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(strip)
    y = 2
    for text, size in lines:
        font, shown = _fit(draw, text, width - 16, size)
        draw.text((width // 2, y), shown, font=font, fill=0, anchor="ma")
        y += int(size * 1.5)
    return strip


def qr_image(url: str, *, scale: int = 8, border: int = BORDER) -> Image.Image:
    """The bare code as a greyscale image: each module ``scale`` pixels, quiet zone included."""
    rows = make_qr(url).matrix
    size = len(rows)
    data = b"".join(bytes(row).translate(_TO_GREY) for row in rows)
    modules = Image.frombytes("L", (size, size), data)
    full = Image.new("L", (size + 2 * border, size + 2 * border), 255)
    full.paste(modules, (border, border))
    return full.resize((full.width * scale, full.height * scale), Image.Resampling.NEAREST)


def png(url: str, label: Label, *, scale: int = 8,
        strips: dict[tuple[str, str, int], Image.Image] | None = None) -> bytes:
    """The code with the bank's name and the caption under it. ``strips`` caches the rendered
    label across a batch of codes that share it."""
    code = qr_image(url, scale=scale)
    width = max(code.width, 320)
    key = (label.bank_name, label.caption, width)
    strip = strips.get(key) if strips is not None else None
    if strip is None:
        strip = _text_strip([(label.bank_name, 26), (label.caption, 22)], width)
        if strips is not None:
            strips[key] = strip
    footer = _text_strip([(label.footer, 20)], width) if label.footer else None
    height = code.height + strip.height + (footer.height if footer else 0)
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(code, ((width - code.width) // 2, 0))
    canvas.paste(strip, (0, code.height))
    if footer is not None:
        canvas.paste(footer, (0, code.height + strip.height))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


# ---- SVG -------------------------------------------------------------------------------------


def svg(url: str, label: Label, *, scale: int = 8) -> str:
    """A standalone SVG: segno's code with the names as text under it."""
    qr = make_qr(url)
    inner = qr.svg_inline(scale=scale, border=BORDER, dark="#000", light="#fff")
    side = qr.symbol_size(scale=scale, border=BORDER)[0]
    width = max(side, 320)
    lines = [(text, size) for text, size in ((label.bank_name, 26), (label.caption, 22),
                                             (label.footer, 20)) if text]
    height = side + sum(int(size * 1.5) for _t, size in lines) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        inner.replace("<svg ", f'<svg x="{(width - side) // 2}" y="0" ', 1),
    ]
    y = side + 2
    for text, size in lines:
        y += size
        parts.append(f'<text x="{width // 2}" y="{y}" font-size="{size}" text-anchor="middle" '
                     f'font-family="{SVG_FONTS}" fill="#000">{escape(text)}</text>')
        y += int(size * 0.5)
    parts.append("</svg>")
    return "".join(parts)


# ---- PDF poster ------------------------------------------------------------------------------


def poster_pdf(url: str, label: Label, *, expires_at: datetime, zone: str, locale: str) -> bytes:
    """An A4 poster: bank, title, a large code drawn as vectors, owners, validity and URL.
    Chinese text uses the CID font STSong-Light, which every PDF reader supplies."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas as pdf_canvas

    gettext = gettext_for(locale)
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page_width, page_height = A4
    pdf = pdf_canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(label.title or label.bank_name)
    pdf.setFillColorRGB(0.043, 0.431, 0.31)
    pdf.rect(0, page_height - 110, page_width, 110, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont("STSong-Light", 30)
    pdf.drawCentredString(page_width / 2, page_height - 70, label.bank_name)
    pdf.setFillColorRGB(0, 0, 0)
    y = page_height - 165
    for text, size in ((label.title, 24), (label.enterprise or "", 18)):
        if text:
            pdf.setFont("STSong-Light", size)
            pdf.drawCentredString(page_width / 2, y, text[:40])
            y -= size + 14
    rows = make_qr(url).matrix
    count = len(rows) + 2 * BORDER
    module = 360 / count
    left = (page_width - 360) / 2
    top = y - 10
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(rows):
        run_start: int | None = None
        for column, dark in enumerate(list(row) + [0]):
            if dark and run_start is None:
                run_start = column
            elif not dark and run_start is not None:
                pdf.rect(left + (run_start + BORDER) * module,
                         top - (row_index + BORDER + 1) * module,
                         (column - run_start) * module, module, stroke=0, fill=1)
                run_start = None
    y = top - 360 - 30
    until = expires_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
    lines = [
        (gettext("Scan with your phone camera or WeChat"), 20),
        (gettext("Relationship manager: {names}").format(names=label.caption), 16),
        (gettext("Valid until {date}").format(date=until), 14),
    ]
    for text, size in lines:
        pdf.setFont("STSong-Light", size)
        pdf.drawCentredString(page_width / 2, y, text)
        y -= size + 14
    pdf.setFont("Helvetica", 9)
    pdf.setFillColorRGB(0.4, 0.45, 0.5)
    pdf.drawCentredString(page_width / 2, 40, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---- ZIP -------------------------------------------------------------------------------------


def zip_of_pngs(items: Iterable[tuple[str, str, Label]], *, scale: int = 6) -> bytes:
    """A ZIP of PNG codes: (file name, URL, label) each. PNGs are compressed already, so the
    archive only stores them."""
    buffer = io.BytesIO()
    strips: dict[tuple[str, str, int], Image.Image] = {}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, url, label in items:
            archive.writestr(name, png(url, label, scale=scale, strips=strips))
    return buffer.getvalue()
