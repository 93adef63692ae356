"""docs/errors.md lists every error the platform answers with, generated from the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from contactless.platform.errors import ContactlessError, error_catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
START = "<!-- generated: contactless errors --markdown -->\n"
END = "<!-- end generated -->"


def _command(*args: str) -> str:
    # a fresh interpreter, so error classes that tests define do not join the list
    done = subprocess.run([sys.executable, "-m", "contactless", "errors", *args],  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_the_documented_error_table_is_the_code() -> None:
    documented = DOC.read_text(encoding="utf-8").split(START, 1)[1].split(END, 1)[0]
    assert documented == _command("--markdown"), (
        "docs/errors.md is out of date: paste `contactless errors --markdown`")


def test_every_error_class_says_in_one_line_what_it_means() -> None:
    listed = _command().splitlines()
    assert len(listed) > 150
    undocumented = [line for line in listed if line.rstrip().endswith(":")]
    assert undocumented == []


def test_a_class_without_a_docstring_is_listed_without_a_meaning() -> None:
    class Undocumented(ContactlessError):
        code = "undocumented_for_the_test"

    rows = {row[1]: row for row in error_catalog()}
    assert rows["undocumented_for_the_test"][4] == ""
