"""The marketing console's forms: a campaign saved with bad input comes back with the reason
in Chinese, the input it names marked and everything typed kept, and nothing stored changes;
a move the person may not make is refused on the page; an RM's outcome that cannot be is
refused with the notes kept."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from contactless.marketing import service as marketing
from contactless.platform.kernel import Kernel
from tests.factories.marketing import make_marketing_bank, run_day, running_maturity_campaign
from tests.identity.test_sessions import console_sign_in, csrf_of

SQLITE_ONLY = pytest.mark.parametrize("kernel", ["sqlite"], indirect=True)


def _clone(client: TestClient) -> uuid.UUID:
    cloned = client.post("/console/marketing/playbooks/maturity_renewal/clone",
                         data={"csrf_token": csrf_of(client)})
    assert cloned.status_code == 303, cloned.text
    found = re.search(r"/campaigns/([0-9a-f-]{36})\?done=cloned", cloned.headers["location"])
    assert found
    return uuid.UUID(found.group(1))


def _stored(kernel: Kernel, campaign_id: uuid.UUID) -> tuple[Any, ...]:
    with kernel.db.session() as session:
        from contactless.marketing.models import Campaign

        row = session.get(Campaign, campaign_id)
        assert row is not None
        return (row.name, row.status, row.target, row.schedule, row.actions, row.goal,
                row.holdout_percent, row.updated_at)


def _form(client: TestClient, campaign_id: uuid.UUID) -> dict[str, str]:
    """The builder's form as the page fills it (inputs, chosen options, checked boxes)."""
    page = client.get(f"/console/marketing/campaigns/{campaign_id}").text
    form: dict[str, str] = {}
    for name, value in re.findall(r'<input name="(\w+)" type="[a-z]+" value="([^"]*)"', page):
        form[name] = value
    for name, body in re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = body
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    for name in re.findall(r'name="(action_\w+)" value="on" checked', page):
        form[name] = "on"
    form["csrf_token"] = csrf_of(client)
    return form


@SQLITE_ONLY
def test_a_marketer_clones_a_playbook_and_saves_the_draft(kernel: Kernel,
                                                         client: TestClient) -> None:
    make_marketing_bank(kernel, customers=1)
    console_sign_in(client, "mk.hz")
    listing = client.get("/console/marketing")
    assert listing.status_code == 200
    assert "到期续存提醒" in listing.text
    campaign_id = _clone(client)
    page = client.get(f"/console/marketing/campaigns/{campaign_id}?done=cloned")
    assert "已按剧本生成草稿" in page.text
    assert 'name="target_days" type="text" value="30"' in page.text
    form = _form(client, campaign_id) | {"holdout_percent": "0", "name": "三月到期提醒"}
    saved = client.post(f"/console/marketing/campaigns/{campaign_id}", data=form)
    assert saved.status_code == 303, saved.text
    with kernel.db.session() as session:
        stored = marketing.list_campaigns(session, marketing_actor(kernel, "mk.hz"))[0]
    assert (stored.name, stored.holdout_percent, stored.status) == ("三月到期提醒", 0, "draft")
    assert [a["kind"] for a in stored.actions] == ["rm_call", "inbox"]
    assert stored.action("rm_call") == {
        "kind": "rm_call", "due_days": 3, "link": "deposit_renewal",
        "script": form["rm_call_script"]}
    preview = client.get(f"/console/marketing/campaigns/{campaign_id}/preview")
    assert re.search(r'data-testid="audience-count">1<', preview.text)


def marketing_actor(kernel: Kernel, username: str) -> Any:
    from tests.factories.identity import actor_of

    with kernel.db.session() as session:
        return actor_of(session, username)


@SQLITE_ONLY
@pytest.mark.parametrize(("changes", "message", "marked"), [
    ({"target_days": "0"}, "到期天数以内 须为 1 至 180 之间的整数", "target_days"),
    ({"target_min_amount": "五万"}, "最低金额（元） 须为以元为单位的金额", "target_min_amount"),
    ({"schedule_kind": "once", "schedule_on": "下周一"}, "YYYY-MM-DD", "schedule_on"),
    ({"schedule_at": "25:00"}, "计划须写明时间（HH:MM）", "schedule_at"),
    ({"holdout_percent": "80"}, "对照组比例（%） 须为 0 至 50 之间的整数", "holdout_percent"),
    ({"holdout_percent": "一成"}, "对照组比例（%） 须为 0 至 50 之间的整数", "holdout_percent"),
    ({"rm_call_script": " "}, "外呼话术 须为 1 至 500 个字符的文本", "rm_call_script"),
    ({"action_webhook": "on", "webhook_url": "http://crm.example"}, "Webhook 地址须为 https://",
     "webhook_url"),
    ({"action_rm_call": "", "action_inbox": ""}, "一个营销活动有 1 至 4 个动作", None),
    ({"goal_within_days": "9999"}, "转化统计期（天） 须为 1 至 366 之间的整数",
     "goal_within_days"),
    ({"target_kind": "segment", "target_tree": '{"any": [{"tag": "high_value"}'},
     "客群条件不是有效的 JSON（第 1 行", "target_tree"),
    ({"target_kind": "event", "target_topic": "corebank.outbound_sent"},
     "事件目标只能配合事件触发计划使用", "schedule_kind"),
])
def test_a_bad_input_comes_back_with_the_reason_and_everything_typed(
        kernel: Kernel, client: TestClient, changes: dict[str, str], message: str,
        marked: str | None) -> None:
    make_marketing_bank(kernel, customers=0)
    console_sign_in(client, "mk.hz")
    campaign_id = _clone(client)
    before = _stored(kernel, campaign_id)
    form = _form(client, campaign_id) | {"name": "我改过的名字"} | changes
    response = client.post(f"/console/marketing/campaigns/{campaign_id}", data=form)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text
    assert 'value="我改过的名字"' in response.text  # what was typed stays in the form
    for name, value in changes.items():
        if value.strip() and not name.startswith("action_") and name != "target_kind":
            assert str(escape(value.strip())) in response.text, name
    if marked:
        assert re.search(rf'name="{marked}"[^>]*aria-invalid="true"', response.text), marked
    assert _stored(kernel, campaign_id) == before  # nothing changed


@SQLITE_ONLY
def test_a_new_campaign_with_bad_input_is_not_made(kernel: Kernel, client: TestClient) -> None:
    make_marketing_bank(kernel, customers=0)
    console_sign_in(client, "mk.hz")
    blank = client.get("/console/marketing/new")
    assert blank.status_code == 200
    form = {"csrf_token": csrf_of(client), "name": "", "target_kind": "high_value",
            "target_min_assets": "500000", "schedule_kind": "daily", "schedule_at": "10:00",
            "action_inbox": "on", "inbox_title": "邀约", "inbox_body": "诚邀您",
            "goal_event": "journey.completed", "goal_journey": "wealth_purchase",
            "goal_within_days": "30", "holdout_percent": "10"}
    refused = client.post("/console/marketing/campaigns", data=form)
    assert refused.status_code == 422
    assert "活动名称 须为 1 至 128 个字符的文本" in refused.text
    assert 'value="500000"' in refused.text
    with kernel.db.session() as session:
        assert marketing.list_campaigns(session, marketing_actor(kernel, "mk.hz")) == []
    made = client.post("/console/marketing/campaigns", data=form | {"name": "高净值邀约"})
    assert made.status_code == 303
    with kernel.db.session() as session:
        (campaign,) = marketing.list_campaigns(session, marketing_actor(kernel, "mk.hz"))
    assert campaign.target == {"kind": "high_value", "min_assets": "500000.00"}


@SQLITE_ONLY
def test_the_maker_cannot_approve_nor_start_a_draft_and_is_told_why(
        kernel: Kernel, client: TestClient) -> None:
    make_marketing_bank(kernel, customers=0)
    console_sign_in(client, "mk.hz")
    campaign_id = _clone(client)
    page = client.get(f"/console/marketing/campaigns/{campaign_id}")
    assert 'data-testid="move-start"' not in page.text  # a draft has nothing to start
    csrf = csrf_of(client)
    own = client.post(f"/console/marketing/campaigns/{campaign_id}/approval",
                      data={"csrf_token": csrf})
    assert own.status_code == 403
    assert "营销活动的创建人不能审批自己的活动" in own.text
    start = client.post(f"/console/marketing/campaigns/{campaign_id}/status",
                        data={"csrf_token": csrf, "move": "start"})
    assert start.status_code == 409
    assert "营销活动须经另一人审批后才能运行" in start.text
    unknown = client.post(f"/console/marketing/campaigns/{campaign_id}/status",
                          data={"csrf_token": csrf, "move": "launch"})
    assert unknown.status_code == 422
    assert _stored(kernel, campaign_id)[1] == "draft"


@SQLITE_ONLY
def test_an_auditor_reads_a_campaign_but_cannot_change_it(kernel: Kernel,
                                                          client: TestClient) -> None:
    mb = make_marketing_bank(kernel, customers=1)
    campaign_id = running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    console_sign_in(client, "auditor")
    page = client.get(f"/console/marketing/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert '<fieldset class="plain" disabled>' in page.text
    assert 'data-testid="save"' not in page.text
    results = client.get(f"/console/marketing/campaigns/{campaign_id}/results")
    assert re.search(r'data-testid="audience">1<', results.text)
    csv = client.get(f"/console/marketing/campaigns/{campaign_id}/results.csv")
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert "uplift" in csv.text


@SQLITE_ONLY
@pytest.mark.parametrize(("outcome", "notes", "message"), [
    ("maybe", "客户说再想想", "外呼结果 maybe 无效"),
    ("reached", "很长的备注" * 101, "备注最多 500 个字符"),
])
def test_an_outcome_that_cannot_be_is_refused_with_the_notes_kept(
        kernel: Kernel, client: TestClient, outcome: str, notes: str, message: str) -> None:
    mb = make_marketing_bank(kernel, customers=1)
    running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    console_sign_in(client, "rm.xh")
    with kernel.db.session() as session:
        (task,) = marketing.my_tasks(session, mb.bank.rm_xh, on=run_day(kernel))
    response = client.post(f"/console/marketing/tasks/{task.id}/outcome",
                           data={"csrf_token": csrf_of(client), "outcome": outcome,
                                 "notes": notes})
    assert response.status_code == 422
    assert message in response.text
    assert notes in response.text
    with kernel.db.session() as session:
        (still,) = marketing.my_tasks(session, mb.bank.rm_xh, on=run_day(kernel))
    assert (still.status, still.attempts, still.outcome) == ("open", 0, None)


@SQLITE_ONLY
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_pages_name_statuses_kinds_and_outcomes_never_their_codes(
        kernel: Kernel, client: TestClient, locale: str) -> None:
    from contactless.marketing.builder import TARGET_FIELDS
    from contactless.marketing.models import CampaignStatus, Channel, TaskOutcome
    from tests.web.test_raw_values import leaks, raw_values

    mb = make_marketing_bank(kernel, customers=2)
    campaign_id = running_maturity_campaign(kernel, mb)
    marketing.run_daily(kernel, on=run_day(kernel))
    with kernel.db.session() as session:
        task = marketing.my_tasks(session, mb.bank.rm_xh, on=run_day(kernel))[0]
        marketing.log_outcome(session, mb.bank.rm_xh, task_id=task.id, outcome="not_reached",
                              on=run_day(kernel))
    values = raw_values() | {s.value for s in CampaignStatus} | {c.value for c in Channel} \
        | {o.value for o in TaskOutcome} | set(TARGET_FIELDS) | {"journey.completed"}
    pages = {"mk.hz": ["/console/marketing", f"/console/marketing/campaigns/{campaign_id}",
                       f"/console/marketing/campaigns/{campaign_id}/preview",
                       f"/console/marketing/campaigns/{campaign_id}/results",
                       "/console/marketing/new"],
             "rm.xh": ["/console/marketing/tasks"]}
    found = {}
    for username, paths in pages.items():
        console_sign_in(client, username)
        for path in paths:
            page = client.get(path, params={"lang": locale})
            assert page.status_code == 200, path
            leaked = leaks(page.text, values, chinese=locale == "zh-CN")
            if leaked:
                found[path] = leaked
        client.cookies.clear()
    assert found == {}
