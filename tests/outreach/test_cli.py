"""`contactless outreach`: signing keys and the attribution window from the command line."""

import json
from pathlib import Path

from typer.testing import CliRunner

from contactless.cli import app
from contactless.platform.db import Base, Database


def test_bank_it_rotates_and_retires_keys_and_sets_the_attribution_window(tmp_path: Path) -> None:
    import contactless.app  # noqa: F401  (every domain's tables)

    database = Database(f"sqlite:///{tmp_path / 'contactless.db'}")
    Base.metadata.create_all(database.engine)
    database.dispose()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["outreach", *args],
                               env={"CONTACTLESS_HOME": str(tmp_path),
                                    "CONTACTLESS_DATABASE_URL": ""})
        assert result.exit_code == 0, result.output
        return result.stdout

    first = json.loads(run("keys"))
    assert [k["current"] for k in first] == [True]
    rotated = run("rotate-key").strip()
    keys = {k["kid"]: k for k in json.loads(run("keys"))}
    assert keys[rotated]["current"]
    assert not keys[first[0]["kid"]]["current"]
    run("retire-key", first[0]["kid"])
    keys = {k["kid"]: k for k in json.loads(run("keys"))}
    assert keys[first[0]["kid"]]["retired_at"]
    assert json.loads(run("attribution-window")) == {"attribution_window_days": 30}
    assert json.loads(run("attribution-window", "14")) == {"attribution_window_days": 14}
    refused = runner.invoke(app, ["outreach", "attribution-window", "0"],
                            env={"CONTACTLESS_HOME": str(tmp_path),
                                 "CONTACTLESS_DATABASE_URL": ""})
    assert refused.exit_code == 2
    assert "1 to 365 days" in refused.stderr
