"""Translations from Babel message catalogs (English message ids; zh-CN is the default)."""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "web" / "locales"
SUPPORTED = ("zh-CN", "en")


def normalise(locale: str | None, default: str = "zh-CN") -> str:
    if not locale:
        return default
    value = locale.strip().replace("_", "-").lower()
    if value.startswith("zh"):
        return "zh-CN"
    if value.startswith("en"):
        return "en"
    return default


def from_accept_language(header: str | None, default: str = "zh-CN") -> str:
    if not header:
        return default
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return default


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """Compile the locale's .po in memory, so the repository holds text catalogs only."""
    po_path = LOCALES_DIR / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale.replace("-", "_"))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the extraction marker
    """Mark a message id for the catalog where it is translated later, at render time."""
    return message


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(normalise(locale)).gettext


def translate(locale: str, message: str, **params: object) -> str:
    text = gettext_for(locale)(message)
    return text.format(**params) if params else text
