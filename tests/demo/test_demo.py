"""The demo bank: realistic, repeatable, and served from HOME with no further set-up."""

import json
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from stdnum.cn import ric

from contactless.customers import service as customers
from contactless.demo.service import build_demo_bank
from contactless.events.lake import read_lake
from contactless.identity import approvals
from contactless.identity import service as identity
from contactless.platform import audit_seal, audit_verify
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel


def _bank(kernel: Kernel, seed: int) -> tuple[list[str], list[tuple[str, str, str]]]:
    with kernel.db.session() as session:
        build_demo_bank(session, seed=seed, customer_count=40, today=date(2026, 11, 29))
    audit_seal.seal_all(kernel)
    with kernel.db.session() as session:
        rows, total = customers.list_customers(session, SYSTEM, limit=100)
        unmasked = [customers.get_customer(session, SYSTEM, customer_id=r.id, unmasked=True)
                    for r in rows]
        staff = [(s.username, s.role, s.branch_code) for s in identity.list_staff(session, SYSTEM)]
        report = audit_verify.verify_chain(session)
        assert report.ok
        assert report.checked > 0
        assert report.unsealed == 0
    assert total == 40
    for person in unmasked:
        ric.validate(person.id_number)
        assert identity.MOBILE_PATTERN.fullmatch(person.mobile)
    return sorted(p.mobile + p.name for p in unmasked), staff


def test_the_demo_bank_is_realistic_and_the_same_seed_gives_the_same_bank(
    sqlite_kernel: Kernel, pg_kernel: Kernel,
) -> None:
    first_people, first_staff = _bank(sqlite_kernel, seed=3)
    second_people, second_staff = _bank(pg_kernel, seed=3)
    assert first_people == second_people
    assert first_staff == second_staff
    roles = {role for _u, role, _b in first_staff}
    assert roles == {"admin", "auditor", "marketer", "risk_analyst", "agent", "branch_manager",
                     "rm"}
    assert sum(role == "rm" for _u, role, _b in first_staff) >= 20
    with sqlite_kernel.db.session() as session:
        branches = identity.list_branches(session, SYSTEM)
        enterprises = customers.list_enterprises(session)
        roster = customers.roster(session, enterprise_id=enterprises[0].id)
    assert sum(b.kind == "branch" for b in branches) == 3
    assert sum(b.kind == "sub_branch" for b in branches) >= 6
    assert len(enterprises) == 30
    assert len(roster) >= 8
    with sqlite_kernel.db.session() as session:
        waiting = approvals.list_approvals(session, SYSTEM)
    # each branch has a payout and a low-rate loan waiting for its manager
    assert sorted((item.branch_path.split("/")[2], item.operation) for item in waiting) == [
        (branch, operation) for branch in ("HZ", "NB", "WZ")
        for operation in ("loan.book", "loan.disburse")]


def test_demo_command_keeps_its_keys_in_home_and_serve_needs_nothing_more(tmp_path: Path) -> None:
    env = dict(os.environ, CONTACTLESS_HOME=str(tmp_path), COLUMNS="200")
    env.pop("CONTACTLESS_DATABASE_URL", None)
    built = subprocess.run([sys.executable, "-m", "contactless", "demo", "--customers", "30"],
                           env=env, capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    assert "admin" in built.stdout
    assert "Demo-2026-bank" in built.stdout
    # the morning run's messages reached the lake through the bus, one event each
    messages = re.search(r"(\d+) messages in customers' 消息", built.stderr)
    assert messages is not None
    assert int(messages.group(1)) > 0
    lake = read_lake(tmp_path / "lake", columns=["type"]).column("type").to_pylist()
    assert lake.count("message.delivered") == int(messages.group(1))
    keys = json.loads((tmp_path / "keys.json").read_text())
    assert len(keys["data_key"]) >= 32
    again = subprocess.run([sys.executable, "-m", "contactless", "demo"], env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0
    assert "already built" in again.stderr
    # the demo settled the last quarter's demand interest (结息) through the ledger, and the
    # operator's command still proves the books balance
    books = subprocess.run([sys.executable, "-m", "contactless", "corebank", "trial-balance",
                            "--json"], env=env, capture_output=True, text=True, timeout=120,
                           check=False)
    assert books.returncode == 0, books.stderr
    balance = json.loads(books.stdout)
    assert balance["balanced"] is True
    expense = [line for line in balance["lines"] if line["account_kind"] == "interest_expense"]
    assert expense
    assert Decimal(expense[0]["debits"]) > 0

    from fastapi.testclient import TestClient

    from contactless.app import create_app
    from contactless.settings import Settings

    app = create_app(Settings(home=tmp_path))  # no keys given: the ones in HOME are used
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": "admin", "password": "Demo-2026-bank"})
        assert token.status_code == 200
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = client.get("/api/v1/customers", headers=bearer).json()
    assert listed["total"] == 30


def test_the_printed_customer_has_a_deposit_falling_due_a_holding_a_loan_and_a_code_to_scan(
    sqlite_kernel: Kernel,
) -> None:
    from contactless.corebank import service as corebank
    from contactless.demo.cli import showcase_lines
    from contactless.outreach.service import resolve_scan

    today = date(2026, 11, 29)
    with sqlite_kernel.db.session() as session:
        report = build_demo_bank(session, seed=5, customer_count=30, today=today)
    showcase = report.extras["showcase"]
    assert isinstance(showcase, dict)
    with sqlite_kernel.db.session() as session:
        person = customers.find_by_mobile(session, mobile=showcase["mobile"])
        assert person is not None
        deposits = corebank.deposits_of_customer(session, SYSTEM, customer_id=person.id)
        holdings = corebank.holdings_of_customer(session, SYSTEM, customer_id=person.id)
        loans = corebank.loans_of_customer(session, SYSTEM, customer_id=person.id)
        scanned = resolve_scan(session, token=showcase["code_path"].removeprefix("/q/"),
                               device_id="demo-test-device", user_agent="pytest", ip="10.0.0.9")
    due = [d for d in deposits if d.status == "active" and 0 < (d.maturity_date - today).days <= 30]
    assert due
    assert due[0].maturity_date.isoformat() == showcase["maturity_date"]
    assert holdings
    assert loans
    assert scanned.result == "accepted"
    assert scanned.landing is not None
    assert scanned.landing.startswith("/m/journeys/deposit_renewal/start?qr=")
    lines = showcase_lines(showcase, "http://127.0.0.1:8000")
    assert lines[-2].endswith("http://127.0.0.1:8000" + showcase["code_path"])
    assert showcase["rm_username"] in lines[-2]
    assert lines[-1].endswith(f"contactless messages list --to {showcase['mobile']}")
