"""Profiles and tags: one profile per customer from the core and the lake, tags by the
declared rules, a declared attribute the RM sets, the nightly rebuild (job and command) and
the updates domain events queue."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contactless.app import register_jobs
from contactless.corebank import service as corebank
from contactless.corebank.constants import DepositProduct, Term
from contactless.events import service as events
from contactless.events.errors import AttributeInvalid, ProfileNotFound, UnknownTag
from contactless.events.models import CustomerTag, PendingProfile, Profile
from contactless.identity.errors import NotAllowed
from contactless.platform.audit import AuditEntry
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.jobs import build_huey
from contactless.platform.kernel import Kernel
from contactless.platform.money import Money
from tests.factories.corebank import TELLER, customer_actor, key, open_account
from tests.factories.identity import SmallBank, make_customer, make_small_bank
from tests.test_cli import run

JOB = SYSTEM.with_channel("job")


def _bank_with_customers(kernel: Kernel) -> tuple[SmallBank, dict[str, uuid.UUID]]:
    """rich: 600,000 in demand and a 3-month deposit placed 75 days ago (matures within 30
    days), then 60,000 sent to another bank; modest: 1,000; new: no account at all."""
    bank = make_small_bank(kernel)
    people = {name: make_customer(kernel, bank.rm_xh, serial=n + 1).id
              for n, name in enumerate(("rich", "modest", "new"))}
    today = bank_today(kernel.settings)
    with kernel.db.session() as session:
        rich = open_account(session, people["rich"], funds="660000.00",
                            on=today - timedelta(days=80)).id
        corebank.place_deposit(session, customer_actor(people["rich"]), idempotency_key=key(),
                               source_account_id=rich, product=DepositProduct.TIME,
                               term=Term.M3, amount=Money.of("50000.00", "CNY"),
                               on=today - timedelta(days=75))
        open_account(session, people["modest"], funds="1000.00")
    with kernel.db.session() as session:
        corebank.send_outbound_transfer(
            session, customer_actor(people["rich"]), idempotency_key=key(),
            source_account_id=rich, bank_code="ICBC", external_account="6222000011112222",
            amount=Money.of("60000.00", "CNY"))
    events.flush(kernel)  # the outbound transfer reaches the lake as transaction.posted
    return bank, people


def test_the_rebuild_joins_core_facts_with_behaviour_and_tags_by_the_rules(
        kernel: Kernel) -> None:
    _bank, people = _bank_with_customers(kernel)
    with kernel.db.session() as session:
        report = events.rebuild_profiles(session, JOB)
    assert report.profiles == 3
    with kernel.db.session() as session:
        rich = events.profile(session, customer_id=people["rich"])
        modest = events.profile(session, customer_id=people["modest"])
        new = events.profile(session, customer_id=people["new"])
        assert rich is not None
        assert modest is not None
        assert new is not None
        assert rich.demand_balance == Decimal("550000.00")
        assert rich.deposit_balance == Decimal("50000.00")
        assert rich.aum == Decimal("600000.00")
        assert rich.products == ("demand", "time_deposit")
        assert rich.nearest_maturity is not None
        assert rich.outbound_30d == Decimal("60000.00")
        assert rich.last_seen_at is not None
        assert rich.tags == ("high_value", "large_demand_balance", "maturing_30d",
                             "outflow_risk")
        assert modest.aum == Decimal("1000.00")
        assert modest.tags == ()
        assert new.products == ()
        assert new.aum == Decimal("0.00")
        assert events.customers_with_tag(session, tag="high_value") == [people["rich"]]
        assert events.customer_tags(session, customer_id=people["modest"]) == []
        with pytest.raises(UnknownTag):
            events.customers_with_tag(session, tag="'; DROP TABLE customer; --")
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "events.profiles_rebuilt")).one()
        assert json.loads(entry.details)["profiles"] == 3


def test_a_rebuild_keeps_when_a_tag_first_applied_and_drops_what_no_longer_holds(
        sqlite_kernel: Kernel) -> None:
    _bank, people = _bank_with_customers(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)
        kept = session.get(CustomerTag, (people["rich"], "large_demand_balance"))
        assert kept is not None
        since = kept.since
        source = corebank.accounts_of_customer(session, TELLER, customer_id=people["rich"])[0]
        target = corebank.accounts_of_customer(session, TELLER,
                                               customer_id=people["modest"])[0]
    with sqlite_kernel.db.session() as session:  # 550,000 - 350,000: 200,000 left in demand
        corebank.transfer(session, customer_actor(people["rich"]), idempotency_key=key(),
                          source_account_id=source.id, target_account_id=target.id,
                          amount=Money.of("350000.00", "CNY"))
    with sqlite_kernel.db.session() as session:
        report = events.rebuild_profiles(session, JOB)
        assert (report.tags_added, report.tags_removed) == (1, 1)
        assert events.customer_tags(session, customer_id=people["rich"]) == [
            "large_demand_balance", "maturing_30d", "outflow_risk"]
        assert events.customer_tags(session, customer_id=people["modest"]) == [
            "large_demand_balance"]
        again = session.get(CustomerTag, (people["rich"], "large_demand_balance"))
        assert again is not None
        assert again.since == since


def test_a_domain_event_queues_the_customer_and_the_update_pass_follows_it(
        kernel: Kernel) -> None:
    _bank, people = _bank_with_customers(kernel)
    with kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)
        account = corebank.accounts_of_customer(session, TELLER,
                                                customer_id=people["modest"])[0]
    with kernel.db.session() as session:
        corebank.place_deposit(session, customer_actor(people["modest"]), idempotency_key=key(),
                               source_account_id=account.id, product=DepositProduct.TIME,
                               term=Term.Y1, amount=Money.of("500.00", "CNY"))
    with kernel.db.session() as session:
        queued = session.get(PendingProfile, people["modest"])
        assert queued is not None
        assert queued.topic == "corebank.deposit_placed"
        stale = events.profile(session, customer_id=people["modest"])
        assert stale is not None
        assert stale.deposit_balance == Decimal("0.00")
    with kernel.db.session() as session:
        assert events.update_pending(session).profiles == 1
    with kernel.db.session() as session:
        fresh = events.profile(session, customer_id=people["modest"])
        assert fresh is not None
        assert fresh.deposit_balance == Decimal("500.00")
        assert fresh.products == ("demand", "time_deposit")
        assert session.scalar(select(func.count()).select_from(PendingProfile)) == 0
        assert events.update_pending(session).profiles == 0


def test_the_rm_marks_another_banks_vip_and_the_tag_follows(kernel: Kernel) -> None:
    bank, people = _bank_with_customers(kernel)
    with kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)
    with kernel.db.session() as session:
        marked = events.set_attribute(session, bank.rm_xh, customer_id=people["modest"],
                                      name="other_bank_vip", value=True)
        assert marked is not None
        assert "other_bank_vip" in marked.tags
    with kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)  # the rebuild keeps what staff declared
        assert "other_bank_vip" in events.customer_tags(session, customer_id=people["modest"])
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "events.attribute_set")).one()
        assert entry.after_digest is not None
        assert entry.actor_id == bank.rm_xh.id
    refusals = [
        (bank.rm_nb, "other_bank_vip", True, ProfileNotFound),  # another branch's customer
        (bank.auditor, "other_bank_vip", True, NotAllowed),  # reads only
        (bank.rm_xh, "other_bank_vip", "yes", AttributeInvalid),
        (bank.rm_xh, "credit_score", 700, AttributeInvalid),
    ]
    for actor, name, value, error in refusals:
        with kernel.db.session() as session, pytest.raises(error):
            events.set_attribute(session, actor, customer_id=people["rich"], name=name,
                                 value=value)
    with kernel.db.session() as session:
        assert "other_bank_vip" not in events.customer_tags(session, customer_id=people["rich"])
        assert len(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "events.attribute_set")).all()) == 1


def test_a_profile_is_read_by_staff_in_scope_only(sqlite_kernel: Kernel) -> None:
    bank, people = _bank_with_customers(sqlite_kernel)
    with sqlite_kernel.db.session() as session:
        events.rebuild_profiles(session, JOB)
        assert events.profile_for(session, bank.rm_xh, customer_id=people["rich"]).aum > 0
        assert events.profile_for(session, bank.manager_hz, customer_id=people["rich"])
        with pytest.raises(ProfileNotFound):
            events.profile_for(session, bank.rm_nb, customer_id=people["rich"])
        with pytest.raises(NotAllowed):
            events.rebuild_profiles(session, bank.admin)


def test_the_nightly_job_is_registered_and_rebuilds(sqlite_kernel: Kernel) -> None:
    _bank, people = _bank_with_customers(sqlite_kernel)
    tasks = register_jobs(build_huey(sqlite_kernel.settings, immediate=True), sqlite_kernel)
    assert {"rebuild_profiles", "update_profiles", "refresh_segments"} <= tasks.keys()
    assert tasks["rebuild_profiles"].call_local() == 3
    with sqlite_kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Profile)) == 3


def test_the_command_rebuilds_every_profile(tmp_path: Path) -> None:
    from contactless.platform.db import Base
    from contactless.platform.kernel import build_kernel
    from contactless.settings import Settings

    kernel = build_kernel(Settings(home=tmp_path))
    Base.metadata.create_all(kernel.db.engine)
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, serial=1)
    done = run(tmp_path, "events", "rebuild-profiles")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["profiles"] == 1
    with kernel.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Profile)) == 1
    kernel.db.dispose()
