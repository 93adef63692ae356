"""Collect every user-facing message id: `_()` in templates, gettext()/_() calls, the
literal messages of raised (or built) errors in the source and the titles of the scan page.
Used by the catalog test and to update it: `python -m tests.i18n_messages` prints the ids
missing from the zh-CN catalog."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from contactless.platform.i18n import LOCALES_DIR

SRC = Path(__file__).resolve().parent.parent / "src" / "contactless"
TEMPLATE_CALL = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"|_\(\s*'((?:[^'\\]|\\.)*)'""")


def template_messages() -> set[str]:
    found: set[str] = set()
    for path in (SRC / "web" / "templates").rglob("*.html"):
        for match in TEMPLATE_CALL.finditer(path.read_text()):
            found.add(match.group(1) or match.group(2))
    return found


# programming errors, never shown to a customer or staff member
INTERNAL_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "DecryptionFailed",
                   "InsecureSettings", "AssertionError", "NotImplementedError"}
# message ids built at run time: role and branch-kind names, error titles
DYNAMIC = {"admin", "branch_manager", "rm", "marketer", "risk_analyst", "agent", "auditor",
           "head_office", "branch", "sub_branch", "not found", "forbidden", "unauthorized",
           "login required", "csrf failed", "internal error", "request invalid", "rate limited",
           "validation failed", "conflict", "method not allowed", "role not allowed"}


def _raised_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def error_names() -> set[str]:
    """Names of every error class a user may see (subclasses of ContactlessError)."""
    import contactless.app  # noqa: F401  (every domain's errors)
    from contactless.platform.errors import ContactlessError

    names: set[str] = set()
    todo: list[type] = [ContactlessError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def scan_titles() -> set[str]:
    """The rejected-scan page's title, and a scan's reason in the console, is the reason with
    spaces (outreach/views.py, outreach/code.html)."""
    import contactless.app  # noqa: F401
    from contactless.outreach.errors import ScanRejected
    from contactless.outreach.service.scanning import SIGN_IN_REQUIRED

    found: set[str] = {SIGN_IN_REQUIRED.replace("_", " ")}
    todo: list[type[ScanRejected]] = [ScanRejected]
    while todo:
        cls = todo.pop()
        found.add(cls.code.replace("_", " "))
        todo.extend(cls.__subclasses__())
    return found


def source_messages() -> set[str]:
    found: set[str] = set()
    errors = error_names()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and node.exc.args and _raised_name(node.exc) not in INTERNAL_ERRORS):
                text = _const(node.exc.args[0])
                if text:
                    found.add(text)
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in ("gettext", "_", "N_") or name in errors:
                    text = _const(node.args[0])
                    if text:
                        found.add(text)
    return found


def catalog_ids(locale: str = "zh_CN") -> dict[str, str]:
    from babel.messages.pofile import read_po

    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def missing(locale: str = "zh_CN") -> list[str]:
    known = catalog_ids(locale)
    return sorted(m for m in template_messages() | source_messages() | scan_titles() | DYNAMIC
                  if not known.get(m))


if __name__ == "__main__":
    for message in missing():
        print(message)  # noqa: T201
