"""The segments' JSON routes: a tree's preview (count and a masked sample in the caller's
scope) and a saved segment's CSV export (scoped, masked, audited); bad trees and staff
whose role or scope does not reach are refused as problem+json."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.events import service as events
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import staff_headers
from tests.events.console_bank import make_behaviour_bank

PREVIEW = "/api/v1/events/segments/preview"
PROBLEM = "application/problem+json"
HIGH_VALUE = {"all": [{"tag": "high_value"}, {"holds": "demand"}]}


def test_the_preview_counts_the_tree_and_masks_its_sample(kernel: Kernel,
                                                         client: TestClient) -> None:
    bank = make_behaviour_bank(kernel)
    marketer = staff_headers(client, "marketer")
    answer = client.post(PREVIEW, json={"tree": HIGH_VALUE, "sample": 2}, headers=marketer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 3
    assert len(body["sample"]) == 2
    rich = {str(bank.people[name]) for name in ("wealthy", "slow", "nb")}
    assert {m["customer_id"] for m in body["sample"]} <= rich
    for member in body["sample"]:  # head office sees everyone, masked
        assert member["name"].startswith(("王", "赵", "李"))
        assert "*" in member["name"]
        assert "****" in member["mobile"]
    sequence = {"followed_by": {"first": {"type": "product.viewed"},
                                "then": {"type": "journey.started"}, "within_minutes": 60}}
    only = client.post(PREVIEW, json={"tree": sequence}, headers=marketer).json()
    assert (only["count"], only["sample"][0]["customer_id"]) == (1, str(bank.people["wealthy"]))


def test_bad_trees_are_refused_with_where_they_went_wrong(kernel: Kernel,
                                                          client: TestClient) -> None:
    make_behaviour_bank(kernel)
    admin = staff_headers(client, "admin")
    cases = [({"all": [{"tag": "high_value"}, {"performed": {"type": "nope"}}]},
              "$.all[1].performed.type"),
             ({"profile": {"property": "aum; DROP TABLE events_profile", "op": "gte",
                           "value": "1"}}, "$.profile.property"),
             ({"performed": {"type": "search", "where": {"query": "' OR 1=1 --"},
                             "at_least": "x"}}, "$.performed.at_least"),
             ({"all": []}, "$")]
    for tree, where in cases:
        refused = client.post(PREVIEW, json={"tree": tree}, headers=admin)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert (refused.json()["code"], refused.json()["where"]) == ("segment_invalid", where)
    # a value holding SQL is only a value: nobody searched for it
    quoted = {"performed": {"type": "search", "where": {"query": "' OR 1=1 --"}}}
    assert client.post(PREVIEW, json={"tree": quoted}, headers=admin).json()["count"] == 0
    not_a_tree = client.post(PREVIEW, json={"tree": "all"}, headers=admin)
    assert not_a_tree.status_code == 422
    assert not_a_tree.headers["content-type"].startswith(PROBLEM)


def test_staff_whose_role_does_not_preview_or_export_are_refused(
        kernel: Kernel, client: TestClient) -> None:
    bank = make_behaviour_bank(kernel)
    with kernel.db.session() as session:
        saved = events.save_segment(session, bank.small.admin, name="高净值", tree=HIGH_VALUE)
    for user in ("rm.xh", "auditor", "bm.hz"):
        refused = client.post(PREVIEW, json={"tree": HIGH_VALUE},
                              headers=staff_headers(client, user))
        assert refused.status_code == 403, user
        assert refused.json()["code"] == "role_not_allowed"
    for user in ("rm.xh", "auditor"):
        refused = client.get(f"/api/v1/events/segments/{saved.id}/export.csv",
                             headers=staff_headers(client, user))
        assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
    assert client.post(PREVIEW, json={"tree": HIGH_VALUE}).status_code == 401


def test_the_export_lists_only_the_members_in_the_exporters_scope(
        kernel: Kernel, client: TestClient) -> None:
    bank = make_behaviour_bank(kernel)
    with kernel.db.session() as session:
        saved = events.save_segment(session, bank.small.admin, name="高净值", tree=HIGH_VALUE)
    url = f"/api/v1/events/segments/{saved.id}/export.csv"

    def rows(user: str) -> list[dict[str, str]]:
        answer = client.get(url, headers=staff_headers(client, user))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))

    everyone = rows("marketer")
    assert {r["customer_id"] for r in everyone} == {
        str(bank.people[name]) for name in ("wealthy", "slow", "nb")}
    hangzhou = rows("bm.hz")  # the Ningbo customer is outside Hangzhou's subtree
    assert {r["customer_id"] for r in hangzhou} == {
        str(bank.people["wealthy"]), str(bank.people["slow"])}
    assert all("*" in r["name"] and "****" in r["mobile"] for r in everyone)
    assert all("high_value" in r["tags"].split() for r in everyone)
    with kernel.db.session() as session:
        exported = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "events.segment_exported")).all()
    assert sorted(json.loads(entry.details)["rows"] for entry in exported) == [2, 3]
    missing = client.get("/api/v1/events/segments/00000000-0000-4000-8000-000000000000/"
                         "export.csv", headers=staff_headers(client, "marketer"))
    assert (missing.status_code, missing.json()["code"]) == (404, "segment_not_found")
