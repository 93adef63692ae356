"""Real-time aggregates: sliding windows by event time in the in-process store and in
Redis (its own db number), late events up to the bound, money summed, the books' outbound
transfers counted through the bus, and a replay that rebuilds them from the lake and the
log."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from contactless.app import install_domains
from contactless.corebank import service as corebank
from contactless.events import service as events
from contactless.events.errors import AggregateUnknown
from contactless.platform.context import SYSTEM, Actor
from contactless.platform.db import Base
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.money import Money
from contactless.platform.store import MemoryStore, RedisStore, Store
from tests.conftest import make_settings
from tests.factories.corebank import TELLER, open_account
from tests.factories.identity import make_customer, make_small_bank

AGG_REDIS = "redis://127.0.0.1:6379/13"  # the aggregates' tests' own db
DAY = timedelta(days=1)


def _kernel(tmp_path: Path, store: Store, **settings: Any) -> Kernel:
    base = make_settings(tmp_path).model_copy(update=settings)
    kernel = install_domains(build_kernel(base, store=store))
    Base.metadata.create_all(kernel.db.engine)
    return kernel


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    redis = RedisStore(AGG_REDIS, prefix=f"t{uuid.uuid4().hex[:8]}:")
    yield redis
    redis.delete_prefix("")


@pytest.fixture
def patient(tmp_path: Path, store: Store) -> Iterator[Kernel]:
    """Aggregates that take events up to 7 days late (as late as ingest accepts)."""
    kernel = _kernel(tmp_path, store, events_aggregate_lateness_seconds=7 * 86400)
    yield kernel
    events.close(kernel)
    kernel.db.dispose()


def app_open(at: datetime) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": "app.opened", "channel": "app",
            "occurred_at": at.isoformat()}


def posting(customer: uuid.UUID, at: datetime, amount: str, *, direction: str = "out",
            counterparty: str = "other_bank", currency: str = "CNY") -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": "transaction.posted", "channel": "platform",
            "occurred_at": at.isoformat(), "customer_id": str(customer), "properties": {
                "operation": "outbound_sent", "amount": amount, "currency": currency,
                "direction": direction, "counterparty": counterparty}}


def as_customer(customer: uuid.UUID) -> Actor:
    return Actor(kind="customer", id=str(customer), channel="app")


def figures(kernel: Kernel, customer: uuid.UUID, now: datetime | None = None
            ) -> dict[str, events.Figure]:
    with kernel.db.session() as session:
        return events.customer_aggregates(session, customer_id=customer, now=now)


def test_windows_slide_by_event_time_and_sum_money_by_currency(patient: Kernel) -> None:
    bank = make_small_bank(patient)
    alice = make_customer(patient, bank.rm_xh, serial=1).id
    now = datetime.now(UTC)
    with patient.db.session() as session:
        events.ingest(session, as_customer(alice), events=[
            app_open(now - 6 * DAY), app_open(now - 2 * DAY), app_open(now - timedelta(hours=1))])
        done = events.ingest(session, SYSTEM, events=[
            posting(alice, now - timedelta(hours=2), "100.00"),
            posting(alice, now - 3 * DAY, "50.50"),
            posting(alice, now - 3 * DAY, "20.00", currency="USD"),
            posting(alice, now - DAY / 2, "999.00", direction="in"),
            posting(alice, now - DAY / 2, "7.00", counterparty="internal")])
    assert done.accepted == 5
    assert done.late_for_aggregates == 0
    found = figures(patient, alice, now)
    assert found["app_opens_7d"].count == 3
    assert found["outbound_other_bank_24h"].count == 1
    assert found["outbound_other_bank_24h"].total() == Money.of("100.00")
    assert found["outbound_other_bank_30d"].count == 3
    assert found["outbound_other_bank_30d"].totals == {"CNY": Decimal("150.50"),
                                                       "USD": Decimal("20.00")}
    assert found["inbound_other_bank_30d"].total() == Money.of("999.00")
    later = figures(patient, alice, now + DAY + DAY / 2)  # the windows moved on
    assert later["app_opens_7d"].count == 2
    assert later["outbound_other_bank_24h"].count == 0
    assert later["outbound_other_bank_30d"].count == 3
    someone_else = figures(patient, uuid.uuid4(), now)
    assert someone_else["app_opens_7d"].count == 0


def test_a_late_event_counts_at_its_own_time_and_one_past_the_bound_only_in_the_lake(
        tmp_path: Path, store: Store) -> None:
    kernel = _kernel(tmp_path, store, events_aggregate_lateness_seconds=86400)
    customer = uuid.uuid4()
    now = datetime.now(UTC)
    with kernel.db.session() as session:
        fresh = events.ingest(session, as_customer(customer), events=[app_open(now)])
        late = events.ingest(session, as_customer(customer), events=[
            app_open(now - timedelta(hours=20))])  # late, within the bound
        too_late = events.ingest(session, as_customer(customer), events=[
            app_open(now - 2 * DAY)])
    assert (fresh.late_for_aggregates, late.late_for_aggregates) == (0, 0)
    assert (too_late.accepted, too_late.late_for_aggregates) == (1, 1)
    assert figures(kernel, customer, now)["app_opens_7d"].count == 2
    events.flush(kernel)
    assert events.lake_events(kernel).num_rows == 3  # the lake keeps all three
    kernel.db.dispose()


def test_the_books_outbound_transfer_is_counted_through_the_bus(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=2).id
    with kernel.db.session() as session:
        account = open_account(session, alice, funds="1000.00").id
    with kernel.db.session() as session:
        corebank.send_outbound_transfer(
            session, TELLER, idempotency_key=str(uuid.uuid4()), source_account_id=account,
            bank_code="CMB", external_account="6214000022", amount=Money.of("300.00", "CNY"))
    found = figures(kernel, alice)
    assert found["outbound_other_bank_24h"].count == 1
    assert found["outbound_other_bank_24h"].total() == Money.of("300.00")
    assert found["outbound_other_bank_30d"].count == 1


def test_replay_rebuilds_from_the_lake_and_the_log_counting_each_event_once(
        patient: Kernel) -> None:
    customer = uuid.uuid4()
    now = datetime.now(UTC)
    with patient.db.session() as session:
        events.ingest(session, as_customer(customer), events=[
            app_open(now - 5 * DAY), app_open(now - DAY)])
    events.flush(patient)  # these two in the lake
    with patient.db.session() as session:
        events.ingest(session, as_customer(customer), events=[app_open(now)])  # in the log
    assert figures(patient, customer, now)["app_opens_7d"].count == 3
    with patient.db.session() as session:
        again = events.replay(session, since=(now - 30 * DAY).date(), clear=False, now=now)
    assert figures(patient, customer, now)["app_opens_7d"].count == 3  # not doubled
    assert (again.lake_events, again.log_events) == (2, 1)
    events.aggregator_of(patient).clear()
    assert figures(patient, customer, now)["app_opens_7d"].count == 0
    with patient.db.session() as session:
        rebuilt = events.replay(session, since=(now - 2 * DAY).date(), now=now)
    assert rebuilt.counted == 2  # from the day asked for: not the one five days back
    assert figures(patient, customer, now)["app_opens_7d"].count == 2


def test_replay_rebuilds_the_profiles_and_runs_the_hooks_registered(sqlite_kernel: Kernel) -> None:
    seen: list[object] = []
    bank = make_small_bank(sqlite_kernel)
    make_customer(sqlite_kernel, bank.rm_xh, serial=9)
    events.on_replay(sqlite_kernel, "extra", lambda kernel, since: seen.append(since))
    with sqlite_kernel.db.session() as session:
        report = events.replay(session, since=datetime(2026, 11, 1).date())
    assert seen == [datetime(2026, 11, 1).date()]
    assert report.hooks["extra"] == "None"
    assert report.hooks["profiles"].startswith("1 profiles")  # rebuilt with the aggregates


def test_asking_for_an_undeclared_aggregate_is_refused(sqlite_kernel: Kernel) -> None:
    with sqlite_kernel.db.session() as session, pytest.raises(AggregateUnknown) as caught:
        events.customer_aggregates(session, customer_id=uuid.uuid4(), names=["logins_7d"])
    assert caught.value.code == "aggregate_unknown"


def test_the_replay_command_rebuilds_the_aggregates_in_redis(tmp_path: Path) -> None:
    env = dict(os.environ, CONTACTLESS_HOME=str(tmp_path), CONTACTLESS_REDIS_URL=AGG_REDIS)
    env.pop("CONTACTLESS_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "contactless", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert run("db", "upgrade").returncode == 0
    from contactless.settings import Settings
    kernel = build_kernel(Settings(home=tmp_path, redis_url=AGG_REDIS))
    customer = uuid.uuid4()
    now = datetime.now(UTC)
    with kernel.db.session() as session:
        events.ingest(session, as_customer(customer), events=[
            app_open(now - timedelta(hours=3)), app_open(now - timedelta(hours=2))])
    events.flush(kernel)
    events.aggregator_of(kernel).clear()  # as if Redis had lost them
    assert figures(kernel, customer)["app_opens_7d"].count == 0
    bad = run("events", "replay", "--from", "yesterday")
    assert bad.returncode == 2
    assert "YYYY-MM-DD" in bad.stderr
    done = run("events", "replay", "--from", (now - 7 * DAY).date().isoformat())
    assert done.returncode == 0, done.stderr
    assert '"lake_events": 2' in done.stdout
    assert figures(kernel, customer)["app_opens_7d"].count == 2
    kernel.db.dispose()
