"""The shape of the code: no file over 500 lines and no function over 60 lines anywhere in the
project's Python, migrations aside (they are written once and never grow)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60


def _python_files() -> list[Path]:
    files = [path for folder in ("src", "tests", "benchmarks", "scripts")
             for path in sorted((ROOT / folder).rglob("*.py"))]
    return [path for path in files if "/migrations/versions/" not in path.as_posix()]


def test_the_project_has_python_to_check() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _python_files()}
    assert "src/contactless/app.py" in names
    assert not any("/migrations/versions/" in name for name in names)


def test_no_file_is_over_500_lines() -> None:
    long = {path.relative_to(ROOT).as_posix(): lines for path in _python_files()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert long == {}, "split these by use case"


def test_no_function_is_over_60_lines() -> None:
    long: dict[str, int] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}"] = lines
    assert long == {}, "give these functions' parts names"
