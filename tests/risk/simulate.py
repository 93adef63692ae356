"""A small card-payment simulator in the spirit of the fraud-detection handbook's generator:
customers spend around their own mean amount at random terminals; three fraud patterns are
planted (large amounts, compromised terminals, leaked cards spending five times more)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

START = datetime(2024, 1, 1)


def simulate(*, customers: int = 200, terminals: int = 300, days: int = 60, seed: int = 7,
             ) -> list[dict[str, object]]:
    rng = random.Random(seed)
    means = [rng.uniform(5, 100) for _ in range(customers)]
    per_day = [rng.uniform(0, 3) for _ in range(customers)]
    rows: list[dict[str, object]] = []
    compromised_terminals: dict[int, int] = {}
    leaked_cards: dict[int, int] = {}
    for day in range(days):
        for terminal in rng.sample(range(terminals), 2):
            compromised_terminals[terminal] = day
        for card in rng.sample(range(customers), 2):
            leaked_cards[card] = day
        for customer in range(customers):
            for _ in range(int(rng.random() * per_day[customer] * 2)):
                moment = START + timedelta(days=day, seconds=rng.randrange(86_400))
                amount = max(0.5, rng.gauss(means[customer], means[customer] / 2))
                terminal = rng.randrange(terminals)
                fraud = amount > 220
                since = compromised_terminals.get(terminal)
                if since is not None and 0 < day - since <= 28:
                    fraud = True
                leaked = leaked_cards.get(customer)
                if leaked is not None and 0 < day - leaked <= 14 and rng.random() < 1 / 3:
                    amount *= 5
                    fraud = True
                rows.append({"TX_DATETIME": moment, "CUSTOMER_ID": customer,
                             "TERMINAL_ID": terminal, "TX_AMOUNT": round(amount, 2),
                             "TX_FRAUD": int(fraud)})
    rows.sort(key=lambda row: row["TX_DATETIME"])  # type: ignore[arg-type, return-value]
    for number, row in enumerate(rows):
        row["TRANSACTION_ID"] = number
    return rows


def write_parquet(rows: list[dict[str, object]], folder: Path, *, extra_column: bool = True,
                  ) -> Path:
    """Rows by month into ``transactions-YYYY-MM.parquet`` files (and an ignored column)."""
    folder.mkdir(parents=True, exist_ok=True)
    months: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        months.setdefault(row["TX_DATETIME"].strftime("%Y-%m"), []).append(row)  # type: ignore[attr-defined]
    for month, part in months.items():
        table = pa.Table.from_pylist(part)
        if extra_column:
            table = table.append_column("TX_FRAUD_SCENARIO", pa.array([0] * len(part)))
        pq.write_table(table, folder / f"transactions-{month}.parquet")
    return folder


def train_by_cli(home: Path, folder: Path, *extra: str) -> dict[str, object]:
    """``contactless risk train`` on ``folder`` with HOME at ``home``; its JSON report."""
    from typer.testing import CliRunner

    from contactless.cli import app

    result = CliRunner().invoke(app, ["risk", "train", "--transactions", str(folder), *extra],
                                env={"CONTACTLESS_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))
