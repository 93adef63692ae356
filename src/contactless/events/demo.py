"""The demo bank's behaviour: 90 days of what its customers did in the app and on /m (app
opens, page and product views, searches), about 520 events a customer (over 1,000,000 at the
default 2,000 customers), generated with numpy and pyarrow a day at a time and written
straight into the lake's day partitions (not one by one through ingest: the checks are for
what others send; this is the bank's own history, and ingest refuses anything older than a
week). The same seed gives the same events.
"""

from __future__ import annotations

import json
import random
import time as clock
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from contactless.events import lake
from contactless.events import service as events
from contactless.platform import clock as bank_clock
from contactless.platform.demo import Progress
from contactless.platform.kernel import kernel_of

DAYS = 90
EVENTS_PER_CUSTOMER = 520
PAGES = [("/m/products", "我的产品"), ("/m/journeys", "在线办理"), ("/m/me", "我的"),
         ("/m/messages", "消息"), ("/m/assistant", "智能客服"),
         ("/m/journeys/open_time_deposit/start", "定期存款"),
         ("/m/journeys/buy_wealth/start", "理财产品"), ("/m/journeys/deposit_renewal/start",
                                                        "到期续存")]
PRODUCTS = [("CD-1Y", "time_deposit"), ("CD-3Y", "large_cd"), ("TD-6M", "time_deposit"),
            ("WM-R1-CASH", "wealth"), ("WM-R2-90D", "wealth"), ("WM-R2-180D", "wealth"),
            ("WM-R3-1Y", "wealth"), ("WM-R4-EQ", "wealth")]
SEARCHES = ["大额存单", "定期利率", "理财", "转账限额", "挂失", "贷款", "到期续存", "网点"]
# (type, share of events, channel)
MIX = [("app.opened", 0.28, "app"), ("page.viewed", 0.47, "app"),
       ("product.viewed", 0.18, "app"), ("search", 0.07, "app")]
# the hour of day (bank's time) people use the app: low at night, peaks at noon and evening
HOURS = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.5, 3, 4, 4, 4, 5, 6, 5, 4, 4, 4, 4, 5, 6, 7,
                  6, 4, 2], dtype=float)


@dataclass
class DemoBehaviour:
    events: int = 0
    days: int = 0
    files: int = 0
    seconds: float = 0.0


def _templates() -> tuple[pa.Array, list[tuple[int, int]]]:
    """Every distinct properties text, and where each type's variants start and end."""
    texts: list[str] = []
    spans = []
    variants: list[list[dict[str, object]]] = [
        [{}],
        [{"path": path, "title": title} for path, title in PAGES],
        [{"product_id": pid, "product_kind": kind, "path": "/m/products"}
         for pid, kind in PRODUCTS],
        [{"query": query, "results": 1 + n % 5} for n, query in enumerate(SEARCHES)],
    ]
    for group in variants:
        spans.append((len(texts), len(texts) + len(group)))
        texts.extend(json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                     for item in group)
    return pa.array(texts, pa.string()), spans


def _uuids(gen: np.random.Generator, count: int) -> pa.Array:
    """``count`` random version-4 UUIDs as text, without a Python loop."""
    raw = gen.integers(0, 256, size=(count, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(b"0123456789abcdef", dtype="S1")
    hexed = np.empty((count, 32), dtype="S1")
    hexed[:, 0::2] = digits[raw >> 4]
    hexed[:, 1::2] = digits[raw & 0x0F]
    dash = np.full((count, 1), b"-", dtype="S1")
    parts = [hexed[:, 0:8], dash, hexed[:, 8:12], dash, hexed[:, 12:16], dash,
             hexed[:, 16:20], dash, hexed[:, 20:32]]
    text = np.ascontiguousarray(np.hstack(parts)).view("S36").ravel()
    return pc.cast(pa.array(text, pa.binary(36)), pa.string())


def _day_table(gen: np.random.Generator, customers: pa.Array, weights: np.ndarray,
               start_us: int, count: int, templates: tuple[pa.Array, list[tuple[int, int]]]
               ) -> pa.Table:
    """One day's events (``start_us``: the day's local midnight, in UTC microseconds)."""
    who = gen.choice(len(customers), size=count, p=weights)
    hours = gen.choice(24, size=count, p=HOURS / HOURS.sum())
    offsets = hours * 3_600_000_000 + gen.integers(0, 3_600_000_000, size=count)
    occurred = np.sort(start_us + offsets)
    kinds = gen.choice(len(MIX), size=count, p=[share for _, share, _ in MIX])
    texts, spans = templates
    lows = np.array([low for low, _ in spans])[kinds]
    widths = np.array([high - low for low, high in spans])[kinds]
    variant = lows + (gen.random(count) * widths).astype(np.int64)
    names = pa.array([name for name, _, _ in MIX], pa.string())
    kind_index = pa.array(kinds)
    customer_ids = customers.take(pa.array(who))
    sessions = pc.binary_join_element_wise(
        "s", pc.cast(pa.array(who), pa.string()), pc.cast(pa.array(occurred // 3_600_000_000),
                                                         pa.string()), "-")
    received = occurred + gen.integers(50_000, 3_000_000, size=count)
    stamp = pa.timestamp("us", tz="UTC")
    columns = {
        "event_id": _uuids(gen, count),
        "type": names.take(kind_index),
        "customer_id": customer_ids,
        "anonymous_id": pa.nulls(count, pa.string()),
        "session_id": sessions,
        "channel": pa.array(np.full(count, "app")).cast(pa.string()),
        "occurred_at": pa.array(occurred, pa.int64()).cast(stamp),
        "received_at": pa.array(received, pa.int64()).cast(stamp),
        "properties": texts.take(pa.array(variant)),
    }
    return pa.Table.from_arrays([columns[name] for name in lake.COLUMNS], schema=lake.SCHEMA)


def seed_behaviour(session: Session, customer_ids: list[uuid.UUID], rng: random.Random,
                   today: date, progress: Progress) -> DemoBehaviour:
    """90 days up to ``today`` of the customers' behaviour, in the lake."""
    started = clock.perf_counter()
    kernel = kernel_of(session)
    lake_dir = events.places(kernel).lake
    zone = ZoneInfo(kernel.settings.timezone)
    gen = np.random.default_rng(rng.getrandbits(64))
    customers = pa.array([str(c) for c in customer_ids], pa.string())
    # a few customers use the app a lot, most now and then
    activity = gen.lognormal(mean=0.0, sigma=0.9, size=len(customer_ids))
    weights = activity / activity.sum()
    templates = _templates()
    total = EVENTS_PER_CUSTOMER * len(customer_ids)
    per_day = gen.multinomial(total, np.full(DAYS, 1 / DAYS))
    report = DemoBehaviour(days=DAYS)
    now_us = int(bank_clock.now().timestamp() * 1_000_000)
    for index in range(DAYS):
        day = today - timedelta(days=DAYS - 1 - index)
        midnight = datetime.combine(day, time.min, zone)
        table = _day_table(gen, customers, weights, int(midnight.timestamp() * 1_000_000),
                           int(per_day[index]), templates)
        table = table.filter(pc.less_equal(table["occurred_at"],  # nothing after now
                                           pa.scalar(now_us, pa.timestamp("us", tz="UTC"))))
        report.files += lake.write_day(table, lake_dir, day=day, name="demo-behaviour")
        report.events += table.num_rows
        progress("behaviour days", index + 1, DAYS)
    report.seconds = round(clock.perf_counter() - started, 2)
    return report
