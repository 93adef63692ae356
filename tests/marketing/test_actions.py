"""What a run makes happen: calls worked by RMs, messages read, texts in quiet hours,
conversions counted against the control group, and campaigns an event triggers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from contactless.corebank import service as corebank
from contactless.customers.models import Customer
from contactless.identity import service as identity
from contactless.marketing import service as marketing
from contactless.marketing.errors import TaskInvalid, TaskNotFound
from contactless.marketing.models import CallTask, CampaignMember, CampaignSend
from contactless.platform.channels import list_messages
from contactless.platform.clock import bank_today
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.journeys import cny, key
from tests.factories.marketing import make_marketing_bank, run_day, running_maturity_campaign
from tests.factories.outreach import complete_journey


def test_an_rm_logs_outcomes_and_an_unreached_call_comes_back_tomorrow(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=2)
    running_maturity_campaign(kernel, mb)
    day = run_day(kernel)
    marketing.run_daily(kernel, on=day)
    rm = mb.bank.rm_xh
    with kernel.db.session() as session:
        first, second = marketing.my_tasks(session, rm, on=day)
        missed = marketing.log_outcome(session, rm, task_id=first.id, outcome="not_reached",
                                       notes="关机", on=day)
        assert (missed.status, missed.due_on) == ("open", day + timedelta(days=1))
        won = marketing.log_outcome(session, rm, task_id=second.id, outcome="interested",
                                    on=day)
        assert won.status == "done"
        with pytest.raises(TaskInvalid):
            marketing.log_outcome(session, rm, task_id=second.id, outcome="reached", on=day)
        with pytest.raises(TaskInvalid):
            marketing.log_outcome(session, rm, task_id=first.id, outcome="maybe", on=day)
    with kernel.db.session() as session, pytest.raises(TaskNotFound):
        marketing.log_outcome(session, mb.bank.rm_bj, task_id=first.id, outcome="reached",
                              on=day)
    # two days later the unreached task is due today
    marketing.run_daily(kernel, on=day + timedelta(days=2))
    with kernel.db.session() as session:
        assert [t.due_on for t in marketing.my_tasks(session, rm, on=day)] == [
            day + timedelta(days=2)]


def test_the_tasks_of_an_rm_who_left_go_to_the_customers_new_rm(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=1)
    running_maturity_campaign(kernel, mb)
    day = run_day(kernel)
    marketing.run_daily(kernel, on=day)
    person, newcomer = mb.customers[0], mb.bank.rm_bj
    with kernel.db.session() as session:
        # the bank moves the customer to another RM, then the old RM leaves
        session.execute(update(Customer).where(Customer.id == person.customer.id)
                        .values(primary_rm_id=uuid.UUID(newcomer.id)))
        identity.set_active(session, mb.bank.admin, staff_id=uuid.UUID(mb.bank.rm_xh.id),
                            active=False)
    report = marketing.run_daily(kernel, on=day + timedelta(days=1))
    assert report.reassigned == 1
    with kernel.db.session() as session:
        assert [t.customer_id for t in marketing.my_tasks(session, newcomer, on=day)] == [
            person.customer.id]


def test_a_message_is_read_once_and_the_receipt_stays(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=1)
    running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    me = mb.customers[0].actor
    with kernel.db.session() as session:
        (message,) = marketing.inbox(session, me)
        assert message.read_at is None
        assert message.link
        assert message.link.startswith("/q/")
        opened = marketing.open_message(session, me, message_id=message.id)
    with kernel.db.session() as session:
        again = marketing.open_message(session, me, message_id=message.id)
    assert opened.read_at is not None
    assert again.read_at == opened.read_at


def _sms_campaign(kernel: Kernel, mb) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=marketing.CampaignSpec(
            name="短信提醒", target={"kind": "maturing", "days": 30, "min_amount": "0"},
            schedule={"kind": "daily", "at": "09:00"},
            actions=[{"kind": "sms", "body": "您的存款即将到期，请登录手机银行续存。"}],
            goal={"event": "journey.completed", "journey": "deposit_renewal"},
            holdout_percent=0))
        marketing.approve_campaign(session, mb.lead, campaign_id=draft.id)
        marketing.move_campaign(session, mb.marketer, campaign_id=draft.id, move="start")
    return draft.id


def test_texts_wait_through_quiet_hours_and_respect_do_not_disturb(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=3)
    campaign_id = _sms_campaign(kernel, mb)
    day = run_day(kernel)
    night = datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    quiet, muted, leaver = mb.customers
    with kernel.db.session() as session:
        marketing.set_preferences(session, muted.actor, customer_id=muted.customer.id,
                                  consent=True, do_not_disturb=True)
    marketing.run_daily(kernel, on=day, now=night)
    assert marketing.deliver_sms(kernel) == 0  # held by quiet hours
    with kernel.db.session() as session:
        marketing.set_preferences(session, leaver.actor, customer_id=leaver.customer.id,
                                  consent=False, do_not_disturb=False)
    morning = night + timedelta(hours=10)  # 08:30
    # the quiet customer's text is released; the leaver's was withdrawn at the opt-out
    assert marketing.run_daily(kernel, on=day, now=morning).released == 1
    with kernel.db.session() as session:
        statuses = dict(session.execute(select(CampaignSend.customer_id, CampaignSend.status)
                                        .where(CampaignSend.campaign_id == campaign_id)).all())
    assert statuses == {quiet.customer.id: "queued", leaver.customer.id: "withdrawn"}
    assert marketing.deliver_sms(kernel) == 1
    with kernel.db.session() as session:
        texts = list_messages(session, kernel.cipher, to_mobile=quiet.mobile)
        assert [t.kind for t in texts] == ["marketing.sms"]
        assert list_messages(session, kernel.cipher, to_mobile=muted.mobile) == []


def test_a_renewal_after_the_campaign_is_a_conversion_and_uplift_is_measured(
        kernel: Kernel) -> None:
    # twelve: a 50 % holdout leaves one group empty once in 2,000 runs (six: once in 30)
    mb = make_marketing_bank(kernel, customers=12)
    campaign_id = running_maturity_campaign(kernel, mb, holdout=50)
    marketing.run_daily(kernel, on=run_day(kernel))
    with kernel.db.session() as session:
        groups = dict(session.execute(select(CampaignMember.customer_id, CampaignMember.control)
                                      .where(CampaignMember.campaign_id == campaign_id)).all())
    treated = [p for p in mb.customers if not groups[p.customer.id]]
    control = [p for p in mb.customers if groups[p.customer.id]]
    for person in treated[:1] + control[:1]:
        complete_journey(kernel, customer_id=person.customer.id, amount="30000.00")
    with kernel.db.session() as session:
        results = marketing.campaign_results(session, mb.lead, campaign_id=campaign_id)
        task = session.scalar(select(CallTask).where(
            CallTask.customer_id == treated[0].customer.id))
    assert task is not None
    assert (task.status, task.outcome) == ("done", "converted")
    assert results.audience == 12
    assert (results.treatment.members, results.treatment.converted) == (len(treated), 1)
    assert (results.control.members, results.control.converted) == (len(control), 1)
    assert results.treatment.money == Decimal("30000.00")
    assert results.low <= results.uplift <= results.high
    assert results.by_rm[0].name == "RM.XH"
    assert "uplift" in marketing.results_csv(results)
    # the chart's day is the bank's (a renewal before 08:00 in Shanghai is not the UTC day before)
    assert results.days == [(bank_today(kernel.settings).isoformat(), 1)]


def test_uplift_is_the_difference_of_two_proportions_with_its_interval() -> None:
    from contactless.marketing.service.results import Group

    treated = Group("t", "", 1000, 150, Decimal(0))
    control = Group("c", "", 1000, 100, Decimal(0))
    difference, low, high = marketing.uplift(treated, control)
    assert difference == pytest.approx(0.05)
    # se = sqrt(.15*.85/1000 + .1*.9/1000) = sqrt(0.0002175) = 0.0147479
    assert (low, high) == (pytest.approx(0.05 - 1.959964 * 0.0147479, abs=1e-6),
                           pytest.approx(0.05 + 1.959964 * 0.0147479, abs=1e-6))


def test_a_large_outbound_transfer_triggers_a_retention_call_at_once(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=2)
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=marketing.CampaignSpec(
            name="大额转出挽留", target={"kind": "event", "topic": "corebank.outbound_sent",
                                        "min_amount": "20000"},
            schedule={"kind": "event"},
            actions=[{"kind": "rm_call", "due_days": 1, "script": "了解转出原因", "link": None}],
            goal={"event": "journey.completed", "journey": "time_deposit_open"},
            holdout_percent=0))
        marketing.approve_campaign(session, mb.manager, campaign_id=draft.id)
        marketing.move_campaign(session, mb.marketer, campaign_id=draft.id, move="start")
    big, small = mb.customers
    for person, amount in ((big, "30000.00"), (small, "100.00")):
        with kernel.db.session() as session:
            corebank.send_outbound_transfer(
                session, person.actor, idempotency_key=key("out"),
                source_account_id=person.account.id, bank_code="ICBC",
                external_account="6222020000000001", amount=cny(amount))
    with kernel.db.session() as session:
        tasks = list(session.scalars(select(CallTask).where(CallTask.campaign_id == draft.id)))
        assert [t.customer_id for t in tasks] == [big.customer.id]
        assert corebank.verify_books(session, SYSTEM).ok


def test_a_conversion_in_the_banks_early_morning_counts_on_the_banks_day(
        kernel: Kernel) -> None:
    from datetime import time
    from zoneinfo import ZoneInfo

    mb = make_marketing_bank(kernel, customers=1)
    campaign_id = running_maturity_campaign(kernel, mb)
    day = run_day(kernel)
    marketing.run_daily(kernel, on=day)
    # half past midnight in the bank's zone on the run day is still the day before in UTC
    early = datetime.combine(day, time(0, 30), tzinfo=ZoneInfo(kernel.settings.timezone))
    with kernel.db.session() as session:
        counted = marketing.record_conversion(
            session, customer_id=mb.customers[0].customer.id, journey_key="deposit_renewal",
            journey_id="early-bird", at=early.astimezone(UTC), amount=Decimal("60000.00"))
        results = marketing.campaign_results(session, mb.lead, campaign_id=campaign_id)
    assert counted == 1
    assert results.treatment.converted == 1
