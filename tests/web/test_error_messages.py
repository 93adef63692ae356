"""Every refusal's text is a message id the catalogs translate: a literal, with its values as
named fields, never an f-string (an f-string cannot be translated: it reached zh-CN readers in
English)."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

import contactless.app  # noqa: F401  (every domain's errors)
from contactless.platform.errors import error_catalog

SOURCE = Path(__file__).resolve().parents[2] / "src" / "contactless"
CATALOG = SOURCE / "web" / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _raised_messages() -> list[tuple[str, int, ast.expr]]:
    """(file, line, first argument) of every ``raise SomeError(...)`` of a platform error."""
    errors = {name for _module, _code, _status, name, _doc in error_catalog()}
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and node.exc.args):
                continue
            function = node.exc.func
            name = function.id if isinstance(function, ast.Name) else getattr(
                function, "attr", "")
            if name in errors:
                found.append((str(path.relative_to(SOURCE)), node.lineno, node.exc.args[0]))
    return found


def test_no_refusal_is_an_f_string_or_built_at_run_time() -> None:
    built = [f"{path}:{line}" for path, line, message in _raised_messages()
             if isinstance(message, (ast.JoinedStr, ast.BinOp))
             or (isinstance(message, ast.Call) and getattr(message.func, "attr", "") == "format")]
    assert built == [], "raise the message id with named fields instead"


def test_every_refusal_has_its_chinese_text() -> None:
    with CATALOG.open("rb") as handle:
        translated = {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = sorted({message.value for _path, _line, message in _raised_messages()
                      if isinstance(message, ast.Constant) and isinstance(message.value, str)
                      and message.value not in translated})
    assert missing == [], "add them with scripts/po_add.py"
