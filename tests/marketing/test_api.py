"""Marketing through the JSON API: a playbook cloned, a bad change refused with the field it
names, four eyes, the run's task worked by the RM, the customer's inbox and opt-out, the
results as JSON and CSV."""

from __future__ import annotations

from fastapi.testclient import TestClient

from contactless.marketing import service as marketing
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import customer_headers, staff_headers
from tests.factories.marketing import MarketingBank, make_marketing_bank, run_day

API = "/api/v1/marketing"


def test_a_campaign_from_playbook_to_results_through_the_api(kernel: Kernel,
                                                             client: TestClient) -> None:
    mb = make_marketing_bank(kernel, customers=2)
    maker, lead = staff_headers(client, "mk.hz"), staff_headers(client, "mk.hq")
    keys = [item["key"] for item in client.get(f"{API}/playbooks", headers=maker).json()]
    assert keys[0] == "maturity_renewal"
    assert client.post(f"{API}/playbooks/nothing/clone", json={},
                       headers=maker).json()["code"] == "playbook_not_found"
    draft = client.post(f"{API}/playbooks/maturity_renewal/clone", json={"name": "续存 12 月"},
                        headers=maker)
    assert draft.status_code == 201, draft.text
    campaign = draft.json()
    assert (campaign["status"], campaign["playbook"]) == ("draft", "maturity_renewal")
    url = f"{API}/campaigns/{campaign['id']}"

    spec = {key: campaign[key] for key in ("name", "target", "schedule", "actions", "goal")}
    bad = client.put(url, json={**spec, "goal": {**spec["goal"], "event": "page.viewed"}},
                     headers=maker)
    assert bad.status_code == 422
    assert (bad.json()["code"], bad.json()["field"]) == ("campaign_invalid", "goal.event")
    assert client.get(url, headers=maker).json()["goal"]["event"] == "journey.completed"
    changed = client.put(url, json={**spec, "holdout_percent": 0}, headers=maker)
    assert changed.json()["holdout_percent"] == 0
    assert changed.json()["playbook"] == "maturity_renewal"  # kept through the change

    started_early = client.post(f"{url}/moves", json={"move": "start"}, headers=maker)
    assert started_early.json()["code"] == "campaign_not_approved"
    own = client.post(f"{url}/approve", headers=maker)
    assert (own.status_code, own.json()["code"]) == (403, "campaign_maker_cannot_approve")
    assert client.post(f"{url}/approve", headers=lead).json()["status"] == "approved"
    assert client.post(f"{url}/moves", json={"move": "start"},
                       headers=maker).json()["status"] == "running"
    preview = client.get(f"{url}/preview", headers=maker).json()
    assert (preview["count"], preview["control"], len(preview["sample"])) == (2, 0, 2)

    marketing.run_daily(kernel, on=run_day(kernel))
    _the_rm_works_a_task(client)
    _the_customer_reads_and_opts_out(kernel, client, mb)
    results = client.get(f"{url}/results", headers=lead).json()
    assert (results["audience"], results["tasks"], results["messages_read"]) == (2, 2, 1)
    csv = client.get(f"{url}/results.csv", headers=lead)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeff")


def _the_rm_works_a_task(client: TestClient) -> None:
    rm = staff_headers(client, "rm.xh")
    tasks = client.get(f"{API}/tasks", headers=rm).json()
    assert len(tasks) == 2
    assert tasks[0]["link"].startswith("/q/")
    wrong = client.post(f"{API}/tasks/{tasks[0]['id']}/outcome", json={"outcome": "maybe"},
                        headers=rm)
    assert wrong.status_code == 422
    done = client.post(f"{API}/tasks/{tasks[0]['id']}/outcome",
                       json={"outcome": "interested", "notes": "下周来电"}, headers=rm).json()
    assert (done["status"], done["outcome"], done["notes"]) == ("done", "interested", "下周来电")
    other_rm = staff_headers(client, "rm.nb")
    assert client.post(f"{API}/tasks/{tasks[1]['id']}/outcome", json={"outcome": "reached"},
                       headers=other_rm).json()["code"] == "marketing_task_not_found"



def _the_customer_reads_and_opts_out(kernel: Kernel, client: TestClient,
                                     mb: MarketingBank) -> None:
    person = mb.customers[0].customer.id
    mine = customer_headers(kernel, person)
    messages = client.get(f"{API}/inbox", headers=mine).json()
    assert [item["read_at"] for item in messages] == [None]
    read = client.post(f"{API}/inbox/{messages[0]['id']}/read", headers=mine).json()
    assert read["read_at"] is not None
    theirs = customer_headers(kernel, mb.customers[1].customer.id)
    assert client.post(f"{API}/inbox/{messages[0]['id']}/read",
                       headers=theirs).json()["code"] == "marketing_message_not_found"
    assert client.put(f"{API}/customers/{person}/preferences", json={"consent": False},
                      headers=mine).json() == {"consent": False, "do_not_disturb": False}
    assert client.get(f"{API}/customers/{person}/preferences",
                      headers=theirs).status_code in (403, 404)


def test_staff_who_may_not_make_campaigns_are_refused(kernel: Kernel, client: TestClient) -> None:
    make_marketing_bank(kernel, customers=1)
    rm = staff_headers(client, "rm.xh")
    refused = client.post(f"{API}/playbooks/maturity_renewal/clone", json={}, headers=rm)
    assert refused.status_code == 403
    assert client.get(f"{API}/campaigns", headers=rm).status_code == 403
