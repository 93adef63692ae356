"""What every part of understanding does to a message first, and what it can tell at a glance."""

from __future__ import annotations

import re
import unicodedata

DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
SPACES = re.compile(r"\s+")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")


def normalise_width(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, one space between words, every number the same
    token: the intent of "转3000块" and of "转50块" is one."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = DIGITS.sub("0", text)
    return SPACES.sub(" ", text).strip()


def language_of(text: str, default: str = "zh-CN") -> str:
    """zh-CN when the message has Chinese characters, en when it is Latin letters only."""
    if CJK.search(text):
        return "zh-CN"
    if LATIN.search(text):
        return "en"
    return default


def has_words(text: str) -> bool:
    """False for a message of emoji, punctuation or symbols only."""
    return any(WORDLIKE.match(char) and unicodedata.category(char)[0] in "LN" for char in text)
