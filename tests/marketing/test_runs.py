"""The daily run: members, sends, tasks and inbox messages, idempotent and resumable."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from contactless.marketing import service as marketing
from contactless.marketing.models import CallTask, CampaignMember, CampaignSend, InboxMessage
from contactless.platform.kernel import Kernel
from tests.factories.marketing import make_marketing_bank, run_day, running_maturity_campaign


def counts(kernel: Kernel, campaign_id: uuid.UUID) -> dict[str, int]:
    with kernel.db.session() as session:
        def n(table: type) -> int:
            return int(session.scalar(select(func.count()).select_from(table).where(
                table.campaign_id == campaign_id)) or 0)  # type: ignore[attr-defined]
        return {"members": n(CampaignMember), "sends": n(CampaignSend), "tasks": n(CallTask),
                "messages": n(InboxMessage)}


def test_the_daily_run_makes_a_task_and_a_message_per_customer_once(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=3)
    campaign_id = running_maturity_campaign(kernel, mb)
    report = marketing.run_daily(kernel, on=run_day(kernel))
    assert [r.campaign_id for r in report.campaigns] == [campaign_id]
    ran = report.campaigns[0]
    assert (ran.members, ran.sends, ran.tasks, ran.messages) == (
        3, {"rm_call": 3, "inbox": 3}, 3, 3)
    assert counts(kernel, campaign_id) == {"members": 3, "sends": 6, "tasks": 3, "messages": 3}
    marketing.run_daily(kernel, on=run_day(kernel), rerun=True)
    assert counts(kernel, campaign_id) == {"members": 3, "sends": 6, "tasks": 3, "messages": 3}
    with kernel.db.session() as session:
        tasks = marketing.my_tasks(session, mb.bank.rm_xh, on=run_day(kernel))
        assert len(tasks) == 3
        assert all(task.link and task.link.startswith("/q/") for task in tasks)


def _crash_at(stage: str):  # type: ignore[no-untyped-def]
    def hook(name: str) -> None:
        if name == stage:
            raise RuntimeError(f"power cut after {name}")
    return hook


@pytest.mark.parametrize("stage", ["members", "sends:rm_call"])
def test_a_run_that_crashes_half_way_resumes_without_sending_twice(kernel: Kernel,
                                                                   stage: str) -> None:
    mb = make_marketing_bank(kernel, customers=3)
    campaign_id = running_maturity_campaign(kernel, mb)
    day = run_day(kernel)
    with pytest.raises(RuntimeError, match="power cut"):
        marketing.run_daily(kernel, on=day, hook=_crash_at(stage))
    half = counts(kernel, campaign_id)
    assert half["members"] == 3
    assert half["messages"] == 0
    assert half["tasks"] == (3 if stage == "sends:rm_call" else 0)
    resumed = marketing.run_daily(kernel, on=day)  # not finished: it runs again
    assert [r.campaign_id for r in resumed.campaigns] == [campaign_id]
    assert counts(kernel, campaign_id) == {"members": 3, "sends": 6, "tasks": 3, "messages": 3}
    again = marketing.run_daily(kernel, on=day)  # finished: nothing to do
    assert again.campaigns == []
    assert counts(kernel, campaign_id) == {"members": 3, "sends": 6, "tasks": 3, "messages": 3}


def test_an_opt_out_arriving_mid_run_stops_every_later_send(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=3)
    campaign_id = running_maturity_campaign(kernel, mb)
    leaver = mb.customers[0]

    def opt_out(stage: str) -> None:
        if stage == "members":
            with kernel.db.session() as session:
                marketing.set_preferences(session, leaver.actor, customer_id=leaver.customer.id,
                                          consent=False, do_not_disturb=False)

    marketing.run_daily(kernel, on=run_day(kernel), hook=opt_out)
    assert counts(kernel, campaign_id) == {"members": 3, "sends": 4, "tasks": 2, "messages": 2}
    with kernel.db.session() as session:
        assert marketing.inbox(session, leaver.actor) == []
        sent_to = set(session.scalars(select(CampaignSend.customer_id).where(
            CampaignSend.campaign_id == campaign_id)))
    assert leaver.customer.id not in sent_to
    # and no later campaign reaches them either
    other = running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel), rerun=True)
    with kernel.db.session() as session:
        members = set(session.scalars(select(CampaignMember.customer_id).where(
            CampaignMember.campaign_id == other)))
    assert leaver.customer.id not in members
    assert len(members) == 2


def test_the_control_group_is_the_hash_of_campaign_and_customer_and_gets_nothing(
        kernel: Kernel) -> None:
    from contactless.marketing.repository import bucket_of

    mb = make_marketing_bank(kernel, customers=6)
    campaign_id = running_maturity_campaign(kernel, mb, holdout=50)
    marketing.run_daily(kernel, on=run_day(kernel))
    with kernel.db.session() as session:
        rows = session.execute(select(CampaignMember.customer_id, CampaignMember.control)
                               .where(CampaignMember.campaign_id == campaign_id)).all()
        sent = set(session.scalars(select(CampaignSend.customer_id).where(
            CampaignSend.campaign_id == campaign_id)))
    assert {customer: control for customer, control in rows} == {
        person.customer.id: bucket_of(campaign_id, person.customer.id) < 50
        for person in mb.customers}
    assert sent == {customer for customer, control in rows if not control}


def test_weekly_caps_hold_across_campaigns(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=2)
    first = running_maturity_campaign(kernel, mb)
    second = running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    with kernel.db.session() as session:
        statuses = dict(session.execute(
            select(CampaignSend.campaign_id, func.count()).where(
                CampaignSend.channel == "rm_call", CampaignSend.status == "capped")
            .group_by(CampaignSend.campaign_id)).all())
    # one call a week per customer: the second campaign's calls are capped, not made
    assert statuses == {second: 2}
    assert counts(kernel, first)["tasks"] == 2
    assert counts(kernel, second)["tasks"] == 0
    assert counts(kernel, second)["messages"] == 2  # three inbox messages a week are allowed


def test_an_empty_audience_is_a_warning_not_a_crash(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=1, days=90)
    campaign_id = running_maturity_campaign(kernel, mb, days=5)
    report = marketing.run_daily(kernel, on=run_day(kernel))
    assert report.campaigns[0].warning == "empty_audience"
    assert counts(kernel, campaign_id) == {"members": 0, "sends": 0, "tasks": 0, "messages": 0}
