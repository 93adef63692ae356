"""Translations from Babel message catalogs (English message ids; zh-CN is the default)."""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Translator:
    """A person's language, chosen at the web edge, with its catalog: what a service is handed
    when it composes text that person reads (a journey's steps, a consent receipt, a report's
    labels). The service translates with it (``translator("Done.")``) and never picks the
    language or opens a catalog itself; ``locale`` is there for content that is written per
    language (a consent document's text, which is kept as agreed to)."""

    locale: str

    @classmethod
    def of(cls, locale: str | None) -> Translator:
        return cls(normalise(locale))

    def __call__(self, message: str) -> str:
        return translations(self.locale).gettext(message)
