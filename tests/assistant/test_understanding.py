"""Understanding: entities, the shipped model on its held-out set, versions and rollback, the
evaluation and benchmark figures."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactless.assistant.nlu import store
from contactless.assistant.nlu.entities import extract
from contactless.assistant.nlu.evaluate import benchmark, evaluate, read_labelled
from contactless.assistant.nlu.model import train
from contactless.assistant.service import training
from contactless.assistant.service.core import intents

TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(("text", "amounts", "dates", "tails"), [
    ("帮我转5万给我妈", ["50000"], [], []),
    ("3000块", ["3000"], [], []),
    ("下周三去网点取20万", ["200000"], ["2026-12-09"], []),
    ("月底到期的存单", [], ["2026-12-31"], []),
    ("尾号1234的卡丢了", [], [], ["1234"]),
    ("12月15号转五千", ["5000"], ["2026-12-15"], []),
    ("send 500 yuan next wednesday", ["500"], ["2026-12-09"], []),
    ("card ending in 8817", [], [], ["8817"]),
    ("一年期定期", [], [], []),
])
def test_entities_come_out_normalised(text: str, amounts: list[str], dates: list[str],
                                      tails: list[str]) -> None:
    found = extract(text, today=TODAY)
    assert [str(a) for a in found.amounts] == amounts
    assert [d.isoformat() for d in found.dates] == dates
    assert found.tails == tails


def test_products_are_named() -> None:
    assert extract("大额存单到期了", today=TODAY).products == ["large_cd"]
    assert extract("my credit card bill", today=TODAY).products == ["credit_card"]
    assert extract("转3,000.50元", today=TODAY).amounts == [Decimal("3000.50")]


def test_the_training_data_uses_exactly_the_taxonomy_and_never_the_held_out_set() -> None:
    rows = store.shipped_rows()
    assert {intent for _t, intent, _g in rows} == set(intents())
    for name in HELD_OUT:
        with store.data_file(name).open(encoding="utf-8") as handle:
            held_out = {row["text"] for row in csv.DictReader(handle)}
        assert held_out.isdisjoint({text for text, _i, _g in rows}), name


HELD_OUT = ("heldout_zh.csv", "heldout2_zh.csv")


@pytest.mark.parametrize("name", HELD_OUT)
def test_the_shipped_model_understands_held_out_chinese_messages(name: str) -> None:
    texts, labels = read_labelled(store.data_file(name))
    result = evaluate(store.shipped_model(), texts, labels, threshold=0.5)
    assert result["messages"] == len(texts) > 90
    assert result["accuracy"] >= 0.95, result["per_intent_errors"]


def _csv(path: Path, rows: list[tuple[str, str]], column: str = "label") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", column])
        writer.writerows(rows)
    return path


TINY = [("check my balance", "balance"), ("how much money do I have", "balance"),
        ("what is my balance", "balance"), ("balance please", "balance"),
        ("I lost my card", "lost"), ("my card was stolen", "lost"),
        ("freeze my card", "lost"), ("card is missing", "lost")]


def test_a_benchmark_trains_a_fresh_model_and_reports_every_figure(tmp_path: Path) -> None:
    train_file = _csv(tmp_path / "train.csv", TINY, column="category")
    test_file = _csv(tmp_path / "test.csv", [("show my balance", "balance"),
                                             ("lost card", "lost"),
                                             ("what's the weather", "oos")])
    result = benchmark([train_file], test_file, threshold=0.0)
    assert result["train_examples"] == 8
    assert result["in_scope"] == 2
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == 1.0
    assert result["answered_share"] == 1.0
    assert result["unknown_labels"] == 1
    assert result["unknown_handed_off_or_refused"] == 0.0  # threshold 0: all answered
    assert set(result["latency_ms"]) == {"p50", "p99"}


def test_a_bad_csv_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("sentence,intent\nhello,greeting\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        read_labelled(path)


def test_versions_are_saved_and_rolled_back(tmp_path: Path) -> None:
    root = store.root_of(tmp_path)
    cache = store.ModelCache(tmp_path)
    assert cache.model() is store.shipped_model()
    texts, labels = zip(*TINY, strict=True)
    first = store.save(root, train(list(texts), list(labels)))
    second = store.save(root, train(list(texts) + ["hello"] * 2, list(labels) + ["hi"] * 2))
    assert (first, second) == ("v0001", "v0002")
    assert "hi" in cache.model().labels
    assert store.rollback(root) == "v0001"
    assert "hi" not in cache.model().labels
    assert [(v.name, v.current) for v in store.versions(root)] == [("v0001", True),
                                                                   ("v0002", False)]
    with pytest.raises(FileNotFoundError):
        store.rollback(root)


def test_eval_command_prints_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contactless.cli import app

    monkeypatch.setenv("CONTACTLESS_HOME", str(tmp_path))
    data = _csv(tmp_path / "eval.csv", [("我的卡丢了", "card_lost"), ("查余额", "balance_inquiry"),
                                        ("我要投诉", "complaint")])
    result = CliRunner().invoke(app, ["assistant", "eval", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["accuracy"] == 1.0
    assert figures["model_version"] == "shipped"
    assert {"macro_f1", "answered_share", "answered_accuracy", "per_intent_errors"} <= set(figures)
    assert training.model_versions(tmp_path) == []
