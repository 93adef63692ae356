"""`contactless corebank ...` as bank IT runs it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, MaturityInstruction, Term
from contactless.platform import migrations
from contactless.platform.kernel import build_kernel
from contactless.settings import Settings
from tests.factories.corebank import TELLER, cny, insert_customers, key, open_account
from tests.test_cli import run


def test_trial_balance_and_the_maturity_run_from_the_command_line(tmp_path: Path) -> None:
    kernel = build_kernel(Settings(home=tmp_path))
    migrations.upgrade(kernel.db)
    start = date.today() - timedelta(days=92)
    with kernel.db.session() as session:
        [customer] = insert_customers(session, kernel.cipher, 1)
        account = open_account(session, customer, funds="5000.00", on=start)
        deposit = corebank.place_deposit(
            session, TELLER, idempotency_key=key("d"), source_account_id=account.id,
            product=DepositProduct.TIME, term=Term.M3, amount=cny("1000.00"),
            instruction=MaturityInstruction.PAYOUT, on=start)
    kernel.db.dispose()

    balanced = run(tmp_path, "corebank", "trial-balance")
    assert balanced.returncode == 0, balanced.stderr
    assert "balanced" in balanced.stdout

    day = deposit.maturity_date.isoformat()
    first = json.loads(run(tmp_path, "corebank", "run-maturities", "--date", day).stdout)
    again = json.loads(run(tmp_path, "corebank", "run-maturities", "--date", day).stdout)
    assert [d["deposit_id"] for d in first["deposits"]] == [str(deposit.id)]
    assert again["deposits"] == []

    assert run(tmp_path, "corebank", "verify").returncode == 0
    with sqlite3.connect(tmp_path / "contactless.db") as conn:
        conn.execute("UPDATE corebank_posting SET amount = amount + 1 WHERE id = "
                     "(SELECT max(id) FROM corebank_posting)")
    tampered = run(tmp_path, "corebank", "verify")
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["problems"]
    with sqlite3.connect(tmp_path / "contactless.db") as conn:
        conn.execute("UPDATE corebank_account SET balance = balance + 1 WHERE customer_id IS "
                     "NOT NULL")
    broken = run(tmp_path, "corebank", "trial-balance")
    assert broken.returncode == 1
    assert "NOT BALANCED" in broken.stdout


def test_interest_settlement_and_the_day_close_from_the_command_line(tmp_path: Path) -> None:
    kernel = build_kernel(Settings(home=tmp_path))
    migrations.upgrade(kernel.db)
    with kernel.db.session() as session:
        customers = insert_customers(session, kernel.cipher, 3)
        for customer in customers:
            open_account(session, customer, funds="36000.00", on=date(2025, 3, 21))
    kernel.db.dispose()

    settled = run(tmp_path, "corebank", "settle-interest", "--date", "2025-06-20", "--batch", "2")
    assert settled.returncode == 0, settled.stderr
    # 36,000 × 92 days × 0.20% / 360 = 18.40 each
    assert json.loads(settled.stdout)["interest"] == {"CNY": "55.20"}
    again = run(tmp_path, "corebank", "settle-interest", "--date", "2025-06-20")
    assert again.returncode == 2
    assert json.loads(again.stderr)["code"] == "interest_already_settled"

    closed = run(tmp_path, "corebank", "close-day", "--date", "2025-06-21")
    assert closed.returncode == 0, closed.stderr
    export = Path(json.loads(closed.stdout)["general_ledger"])
    assert export.parent == tmp_path / "gl"
    assert "6411,利息支出,interest_expense,0.00,55.20,0.00,55.20" in export.read_text("utf-8-sig")
    skipped = run(tmp_path, "corebank", "close-day", "--date", "2025-06-23")
    assert json.loads(skipped.stderr)["code"] == "day_closed_out_of_order"
    assert run(tmp_path, "corebank", "trial-balance").returncode == 0
