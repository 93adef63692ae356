"""The same migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from contactless.platform import migrations
from contactless.platform.db import Base, Database
from tests.conftest import PG_ADMIN_URL

MIGRATIONS = Path(migrations.SCRIPT_LOCATION) / "versions"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    import contactless.app  # noqa: F401  (every model)

    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'm.db'}")
        yield database
        database.dispose()
        return
    name = f"contactless_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    database = Database(f"{base}/{name}")
    yield database
    database.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_builds_exactly_the_models(empty_database: Database) -> None:
    migrations.upgrade(empty_database)
    assert migrations.current_revision(empty_database) == migrations.head_revision(empty_database)
    with empty_database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_removes_everything(empty_database: Database) -> None:
    migrations.upgrade(empty_database)
    migrations.downgrade(empty_database, "base")
    tables = set(inspect(empty_database.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


def test_migration_files_follow_the_rules() -> None:
    files = sorted(p for p in MIGRATIONS.glob("*.py") if p.name != "__init__.py")
    assert files
    for path in files:
        text = path.read_text()
        assert path.stem[:13].replace("_", "").isdigit(), path.name  # YYYYMMDD_HHMM_slug
        assert "def downgrade" in text, path.name
        assert "import contactless" not in text, path.name
        assert "from contactless" not in text, path.name
