"""Generate an Alembic revision from the models: `python scripts/new_migration.py SLUG [PREFIX]`.

With PREFIX, only tables whose names start with it are compared (one domain per revision)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

import contactless.app  # noqa: F401  (every model)
from contactless.platform import migrations
from contactless.platform.db import Database


def main() -> None:
    slug = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'm.db'}")
        migrations.upgrade(database)
        config = migrations.alembic_config(database)
        config.attributes["table_prefix"] = prefix
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=slug, autogenerate=True)
        database.dispose()


if __name__ == "__main__":
    main()
