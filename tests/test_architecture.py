"""The shape of the code: no file over 500 lines and no function over 60 lines anywhere in the
project's Python, migrations aside (they are written once and never grow); and the rules that
have one home (docs/architecture.md, "One home for each rule"), checked where a second home
would show in the source."""

from __future__ import annotations

import ast
import re
import tomllib
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


def _domains() -> set[str]:
    package = ROOT / "src" / "contactless"
    return {path.parent.name for path in package.glob("*/service.py")} | {
        path.parent.parent.name for path in package.glob("*/service/__init__.py")}


def test_every_domain_is_entered_only_through_its_service() -> None:
    """Each domain with a service has an import contract that protects its tables and queries
    (checked by ``lint-imports`` in ``make test``), and sits in the layers contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    protected = {contract["name"].split()[0] for contract in contracts
                 if contract["type"] == "protected"}
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    named = {part.strip(" ()") for layer in layers for part in layer.split("|")}
    assert _domains() >= {"identity", "customers", "corebank", "journeys", "outreach"}
    keeping_tables = {name for name in _domains()
                      if (ROOT / "src" / "contactless" / name / "models.py").exists()}
    assert keeping_tables - protected == set()
    assert _domains() - named == set()


def _source_files() -> list[Path]:
    return [path for path in sorted((ROOT / "src" / "contactless").rglob("*.py"))
            if "/migrations/versions/" not in path.as_posix()]


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


PRECISION_NOT_YET: set[str] = set()


def test_currency_precision_comes_from_the_money_table() -> None:
    """A currency's decimals are ``platform.money.CURRENCY_EXPONENTS`` (``quantum``,
    ``round_to_currency``, ``fits_currency``); the books' hundredths are ``MinorUnits``."""
    typed_again = {_relative(path) for path in _source_files()
                   if 'Decimal("0.01")' in path.read_text(encoding="utf-8")
                   or "Decimal('0.01')" in path.read_text(encoding="utf-8")}
    assert typed_again - PRECISION_NOT_YET == set()


DIALECT_BRANCH = re.compile(
    r"dialect\.name|\.dialect\s*[!=]=|sqlalchemy\.dialects|execute_if\(dialect")
DIALECT_NOT_YET: set[str] = set()


def _may_know_the_engine(path: Path) -> bool:
    return path.name.startswith("repository") or _relative(path) == "src/contactless/platform/db.py"


def test_sql_dialects_are_told_apart_only_in_repositories_and_platform_db() -> None:
    """Elsewhere the engine is asked through ``platform.db`` (``is_postgresql``,
    ``upsert_insert``, ``on_postgresql_create``), never by its dialect's name."""
    branching = {_relative(path) for path in _source_files() if not _may_know_the_engine(path)
                 and DIALECT_BRANCH.search(path.read_text(encoding="utf-8"))}
    assert branching - DIALECT_NOT_YET == set()


def _service_files() -> list[Path]:
    package = ROOT / "src" / "contactless"
    return sorted([*package.glob("*/service.py"), *package.glob("*/service/*.py")])


# the assistant picks each reply's language from what the customer writes and keeps the
# reply in it (docs/architecture.md): its conversation functions take that language
LOCALE_NOT_YET = {
    "src/contactless/assistant/service/conversations.py:start_conversation",
    "src/contactless/assistant/service/conversations.py:post_message",
    "src/contactless/assistant/service/conversations.py:_respond",
    "src/contactless/assistant/service/conversations.py:hand_off",
    "src/contactless/assistant/service/core.py:title",
    "src/contactless/assistant/service/faq.py:match",
    "src/contactless/assistant/service/faq.py:best",
}


def test_services_are_handed_a_translator_not_a_locale() -> None:
    """Errors are raised in English message ids and translated at the web edge
    (``web.errors.localized``); a service that composes text for a person is handed a
    ``platform.i18n.Translator`` by the edge (``web.deps.translator_of``), so no service
    function takes the caller's ``locale``."""
    taking: set[str] = set()
    for path in _service_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                if any(argument.arg == "locale" for argument in arguments):
                    taking.add(f"{_relative(path)}:{node.name}")
    assert taking - LOCALE_NOT_YET == set()


def test_services_do_not_translate_their_errors() -> None:
    """No ``localize``/``localized`` call (the edge's) in a service."""
    translating = {_relative(path) for path in _service_files()
                   if re.search(r"\blocali[sz]ed?\(", path.read_text(encoding="utf-8"))}
    assert translating == set()


NOW_OUTSIDE_CLOCK = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|utcnow|today)\(")
CLOCK_NOT_YET: set[str] = set()


def test_the_bank_has_one_clock() -> None:
    """Every "now" and "today" comes from ``platform.clock`` (``now``, ``today_in``,
    ``bank_today``), so the demo and tests move one clock (``clock.travel_to``)."""
    asking_elsewhere = {_relative(path) for path in _source_files()
                        if _relative(path) != "src/contactless/platform/clock.py"
                        and NOW_OUTSIDE_CLOCK.search(path.read_text(encoding="utf-8"))}
    assert asking_elsewhere - CLOCK_NOT_YET == set()
