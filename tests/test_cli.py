"""The `contactless` command as bank IT uses it (run as a real subprocess)."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONTACTLESS_HOME=str(home), COLUMNS="200",
               CONTACTLESS_AUDIT_SEAL_SECONDS="0")  # the audit test seals when it means to
    env.pop("CONTACTLESS_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "contactless", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "branch", "create", "--code", "HQ", "--name", "总行",
               "--kind", "head_office").returncode == 0
    return tmp_path


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = run(tmp_path, "--help").stdout
    for command in ("serve", "worker", "demo", "db", "audit", "messages", "staff", "branch"):
        assert re.search(rf"\b{command}\b", out), command


def test_staff_are_created_with_the_password_on_stdin(home: Path) -> None:
    ok = run(home, "staff", "create", "--username", "ops", "--role", "admin", "--branch", "HQ",
             "--password-stdin", stdin="Long-enough-pass-1\n")
    assert ok.returncode == 0, ok.stderr
    assert "created ops (admin) at HQ" in ok.stdout
    weak = run(home, "staff", "create", "--username", "ops2", "--role", "admin", "--branch", "HQ",
               "--password-stdin", stdin="weak\n")
    assert weak.returncode == 2
    assert "weak_password" in weak.stderr
    unknown = run(home, "staff", "create", "--username", "ops3", "--role", "rm", "--branch", "ZZ",
                  "--password-stdin", stdin="Long-enough-pass-1\n")
    assert unknown.returncode == 2
    assert "unknown_branch" in unknown.stderr


def test_audit_seal_anchor_and_verify_name_an_edit_and_a_cut(home: Path) -> None:
    run(home, "staff", "create", "--username", "ops", "--role", "admin", "--branch", "HQ",
        "--password-stdin", stdin="Long-enough-pass-1\n")
    fresh = run(home, "audit", "verify")
    assert fresh.returncode == 0
    assert "0 entries sealed and intact" in fresh.stdout
    assert "2 not sealed yet" in fresh.stdout
    sealed = run(home, "audit", "seal")
    assert "sealed 2 entries in 1 seals, through entry 2" in sealed.stdout
    anchors = home / "outside" / "anchors.jsonl"
    anchored = run(home, "audit", "anchor", "--to", str(anchors))
    assert anchored.returncode == 0, anchored.stderr
    assert json.loads(anchors.read_text().splitlines()[-1])["seq"] == 2
    intact = run(home, "audit", "verify", "--anchors", str(anchors))
    assert intact.returncode == 0
    assert "intact: 2 entries sealed and intact, 0 unused numbers recorded, 1 anchors matched, " \
           "0 not sealed yet" in intact.stdout
    with sqlite3.connect(home / "contactless.db") as conn:
        conn.execute("UPDATE audit_entry SET action = 'staff.deleted' WHERE seq = 2")
    edited = run(home, "audit", "verify", "--anchors", str(anchors))
    assert edited.returncode == 1
    assert "broken at entry 2 (edited)" in edited.stderr
    with sqlite3.connect(home / "contactless.db") as conn:
        conn.execute("DELETE FROM audit_entry WHERE seq = 2")
        conn.execute("DELETE FROM audit_seal")
    cut = run(home, "audit", "verify", "--anchors", str(anchors))
    assert cut.returncode == 1
    assert "broken at entry 2 (truncated)" in cut.stderr


def test_messages_list_prints_the_outbox_as_json(home: Path) -> None:
    from contactless.customers import service as customers
    from contactless.platform.kernel import build_kernel
    from contactless.settings import Settings

    kernel = build_kernel(Settings(home=home))
    with kernel.db.session() as session:
        customers.request_sign_in_code(session, mobile="13812345678")
    kernel.db.dispose()
    out = run(home, "messages", "list", "--to", "13812345678", "--json")
    rows = json.loads(out.stdout)
    assert rows[0]["to"] == "13812345678"
    assert re.search(r"\d{6}", rows[0]["body"])
    assert json.loads(run(home, "messages", "list", "--to", "13800000000", "--json").stdout) == []
