"""docs/security.md shows the permission table the code enforces, generated, never typed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from contactless.cli import app
from contactless.identity.permissions import markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START = "<!-- generated: contactless security permissions --markdown -->\n"
END = "<!-- end generated -->"


def test_the_documented_permission_table_is_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0]
    assert documented == markdown_table(), (
        "docs/security.md is out of date: paste `contactless security permissions --markdown`")


def test_the_command_prints_the_table() -> None:
    result = CliRunner().invoke(app, ["security", "permissions", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == markdown_table()
    assert "| `loan.disburse` |" in result.output
