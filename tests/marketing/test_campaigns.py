"""A campaign's life: made, checked, approved by a second person, started, paused, finished."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from contactless.events import service as events
from contactless.events.errors import SegmentInvalid
from contactless.identity.errors import NotAllowed
from contactless.marketing import service as marketing
from contactless.marketing.errors import (
    ApproverNotAllowed,
    CampaignInvalid,
    CampaignNotApproved,
    CampaignStateConflict,
    MakerCannotApprove,
)
from contactless.platform.audit import AuditEntry
from contactless.platform.context import SYSTEM
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import Kernel
from tests.events.factories import page_view
from tests.factories.marketing import make_marketing_bank, run_day


def _spec(**changes: Any) -> marketing.CampaignSpec:
    base: dict[str, Any] = {
        "name": "到期提醒", "target": {"kind": "maturing", "days": 30, "min_amount": "1000"},
        "schedule": {"kind": "daily", "at": "09:00"},
        "actions": [{"kind": "inbox", "title": "到期", "body": "请续存",
                     "link": "deposit_renewal"}],
        "goal": {"event": "journey.completed", "journey": "deposit_renewal", "within_days": 14},
        "holdout_percent": 10}
    base.update(changes)
    return marketing.CampaignSpec(**base)


def test_a_second_person_approves_and_only_an_approved_campaign_runs(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=_spec())
        assert draft.status == "draft"
        assert draft.target["min_amount"] == "1000.00"
        with pytest.raises(CampaignNotApproved):
            marketing.move_campaign(session, mb.marketer, campaign_id=draft.id, move="start")
    with kernel.db.session() as session, pytest.raises(MakerCannotApprove):
        marketing.approve_campaign(session, mb.marketer, campaign_id=draft.id)
    with kernel.db.session() as session:
        other = marketing.create_campaign(session, mb.lead, spec=_spec())
    with kernel.db.session() as session, pytest.raises(ApproverNotAllowed):
        # a branch marketer is not the marketing lead
        marketing.approve_campaign(session, mb.marketer, campaign_id=other.id)
    with kernel.db.session() as session:
        approved = marketing.approve_campaign(session, mb.manager, campaign_id=draft.id)
        assert (approved.status, approved.approver_name) == ("approved", "BM.HZ")
        running = marketing.move_campaign(session, mb.marketer, campaign_id=draft.id,
                                          move="start")
        paused = marketing.move_campaign(session, mb.marketer, campaign_id=draft.id,
                                         move="pause")
        assert (running.status, paused.status) == ("running", "paused")
        with pytest.raises(CampaignStateConflict):
            marketing.update_campaign(session, mb.marketer, campaign_id=draft.id, spec=_spec())
        done = marketing.move_campaign(session, mb.lead, campaign_id=draft.id, move="finish")
        assert done.status == "finished"
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.target_id == str(draft.id)).order_by(AuditEntry.seq)))
    assert actions == ["marketing.campaign_created", "marketing.campaign_approved",
                       "marketing.campaign_start", "marketing.campaign_pause",
                       "marketing.campaign_finish"]


def test_changing_an_approved_campaign_sends_it_back_to_draft(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=_spec())
        marketing.approve_campaign(session, mb.lead, campaign_id=draft.id)
        # the lead changes it: now the lead is its maker and may not approve it
        changed = marketing.update_campaign(session, mb.lead, campaign_id=draft.id,
                                            spec=_spec(holdout_percent=20))
        assert (changed.status, changed.holdout_percent) == ("draft", 20)
        with pytest.raises(MakerCannotApprove):
            marketing.approve_campaign(session, mb.lead, campaign_id=draft.id)


@pytest.mark.parametrize(("changes", "field"), [
    ({"schedule": {"kind": "hourly"}}, "schedule.kind"),
    ({"schedule": {"kind": "daily", "at": "25:00"}}, "schedule.at"),
    ({"schedule": {"kind": "once", "on": "tomorrow"}}, "schedule.on"),
    ({"goal": {"event": "journey.finished", "journey": "deposit_renewal"}}, "goal.event"),
    ({"goal": {"event": "journey.completed", "journey": "space_travel"}}, "goal.journey"),
    ({"target": {"kind": "maturing", "days": 0}}, "target.days"),
    ({"target": {"kind": "event", "topic": "corebank.outbound_sent"}}, "schedule.kind"),
    ({"actions": []}, "actions"),
    ({"actions": [{"kind": "webhook", "url": "http://plain.example"}]}, "actions[0].url"),
    ({"holdout_percent": 80}, "holdout_percent"),
    ({"actions": [{"kind": "sms", "body": "到期" * 251}]}, "actions[0].body"),
    ({"actions": [{"kind": "inbox", "title": "到" * 129, "body": "续存"}]}, "actions[0].title"),
])
def test_a_campaign_that_cannot_work_is_refused_naming_the_field(
        kernel: Kernel, changes: dict[str, Any], field: str) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session, pytest.raises(CampaignInvalid) as refused:
        marketing.create_campaign(session, mb.marketer, spec=_spec(**changes))
    assert refused.value.code == "campaign_invalid"
    assert refused.value.extra["field"] == field


def test_a_long_text_needs_no_title_its_beginning_names_it(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    body = "您的定期存款即将到期，" * 20  # 220 characters: a long text, no title
    with kernel.db.session() as session:
        made = marketing.create_campaign(session, mb.marketer, spec=_spec(
            actions=[{"kind": "sms", "body": body}]))
    assert made.actions[0]["body"] == body
    assert made.actions[0]["title"] == body[:128]


def test_a_segment_target_that_does_not_compile_is_refused_when_saved(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    tree = {"any": [{"tag": "high_value"}, {"tag": "x'; DROP TABLE customer; --"}]}
    with kernel.db.session() as session, pytest.raises(SegmentInvalid) as refused:
        marketing.create_campaign(session, mb.marketer,
                                  spec=_spec(target={"kind": "segment", "tree": tree}))
    assert refused.value.code == "segment_invalid"
    with kernel.db.session() as session:
        assert marketing.list_campaigns(session, mb.marketer) == []


def test_an_rm_neither_makes_nor_approves_campaigns(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session:
        draft = marketing.create_campaign(session, mb.marketer, spec=_spec())
    for work in (lambda s: marketing.create_campaign(s, mb.bank.rm_xh, spec=_spec()),
                 lambda s: marketing.approve_campaign(s, mb.bank.rm_xh, campaign_id=draft.id)):
        with kernel.db.session() as session, pytest.raises(ContactlessError) as refused:
            work(session)
        assert isinstance(refused.value, NotAllowed)


def test_every_playbook_clones_into_a_valid_draft(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session:
        drafts = [marketing.clone_playbook(session, mb.marketer, key=item.key)
                  for item in marketing.PLAYBOOKS]
    assert [d.playbook for d in drafts] == ["maturity_renewal", "outflow_retention",
                                            "vip_invitation", "hardship_deferral"]
    assert all(d.status == "draft" for d in drafts)


def test_a_one_time_schedule_keeps_its_day_and_its_time(kernel: Kernel) -> None:
    mb = make_marketing_bank(kernel, customers=0)
    with kernel.db.session() as session:
        made = marketing.create_campaign(session, mb.marketer, spec=_spec(
            schedule={"kind": "once", "on": "2030-01-01", "at": "10:30"}))
        assert made.schedule == {"kind": "once", "on": "2030-01-01", "at": "10:30"}
        with pytest.raises(CampaignInvalid) as refused:
            marketing.create_campaign(session, mb.marketer, spec=_spec(
                schedule={"kind": "once", "on": "2030-01-01", "at": "7pm"}))
    assert refused.value.extra["field"] == "schedule.at"


def test_the_hardship_playbook_finds_who_told_the_assistant_they_cannot_repay(
        sqlite_kernel: Kernel) -> None:
    mb = make_marketing_bank(sqlite_kernel, customers=2)
    hardship, other = (person.customer.id for person in mb.customers)
    said = [{**page_view(anonymous_id=None, customer_id=str(customer)),
             "type": "assistant.message",
             "properties": {"conversation_id": f"c-{customer}", "intent": intent}}
            for customer, intent in ((hardship, "repayment_deferral"),
                                     (other, "balance_inquiry"))]
    with sqlite_kernel.db.session() as session:
        assert events.ingest(session, SYSTEM, events=said).accepted == 2
    events.flush(sqlite_kernel)
    with sqlite_kernel.db.session() as session:  # the night's profiles: segments read them
        events.rebuild_profiles(session, SYSTEM)
    with sqlite_kernel.db.session() as session:
        draft = marketing.clone_playbook(session, mb.marketer, key="hardship_deferral")
        found = marketing.preview_audience(session, mb.marketer, campaign_id=draft.id,
                                           on=run_day(sqlite_kernel))
    assert (found.count, found.sample) == (1, [hardship])
