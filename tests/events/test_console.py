"""The segment builder's form posts without a browser: a refused save keeps what was typed
(422), the editor's structural changes, the live count's fragment, refresh, export and
delete; a branch manager sees and exports the segments but does not edit them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from contactless.events import service as events
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import staff_headers
from tests.events.console_bank import make_behaviour_bank

BASE = "/console/events/segments"


def _csrf(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get(f"{BASE}/new", headers=headers)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _form(csrf: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": csrf, "name": "看过定期", "n.kind": "all",
            "n.0.kind": "performed", "n.0.performed.type": "product.viewed",
            "n.0.performed.at_least": "1", "n.0.performed.within_days": "30",
            "n.0.performed.where.0.name": "product_kind",
            "n.0.performed.where.0.value": "time_deposit", **extra}


def test_a_refused_save_keeps_the_form_and_a_good_one_is_counted(
        kernel: Kernel, client: TestClient) -> None:
    bank = make_behaviour_bank(kernel)
    headers = staff_headers(client, "marketer") | {"Accept-Language": "zh-CN"}
    csrf = _csrf(client, headers)
    bad = client.post(BASE, data=_form(csrf, **{"n.0.performed.within_days": "九十"}),
                      headers=headers)
    assert bad.status_code == 422
    assert "条件 1" in bad.text
    assert 'value="九十"' in bad.text
    assert 'value="看过定期"' in bad.text
    assert 'data-testid="node-error"' in bad.text
    preview = client.post(f"{BASE}/preview", data=_form(csrf), headers=headers)
    assert re.search(r'data-testid="live-count">3<', preview.text), preview.text
    refused = client.post(f"{BASE}/preview", headers=headers, data=_form(
        csrf, **{"n.0.performed.where.0.name": "title"}))  # not a product view's property
    assert refused.status_code == 422
    assert 'data-testid="preview-error"' in refused.text
    saved = client.post(BASE, data=_form(csrf), headers=headers)
    assert saved.status_code == 303
    address = saved.headers["location"].split("?")[0]
    page = client.get(address, headers=headers)
    assert re.search(r'data-testid="member-count">3<', page.text)
    assert 'value="time_deposit"' in page.text  # the stored filter, back in the form
    assert client.post(f"{address}/refresh", data={"csrf_token": csrf},
                       headers=headers).status_code == 303
    csv = client.get(f"{address}/export.csv", headers=headers)
    assert csv.status_code == 200
    assert len(csv.text.strip().splitlines()) == 4
    assert client.post(f"{address}/delete", data={"csrf_token": csrf},
                       headers=headers).status_code == 303
    with kernel.db.session() as session:
        assert events.list_segments(session, bank.small.admin) == []


def test_the_editor_adds_and_removes_conditions(kernel: Kernel, client: TestClient) -> None:
    make_behaviour_bank(kernel)
    headers = staff_headers(client, "marketer") | {"HX-Request": "true"}
    csrf = _csrf(client, headers)
    added = client.post(f"{BASE}/editor", data=_form(csrf, op="group:n"), headers=headers)
    assert added.status_code == 200
    assert added.headers["HX-Trigger"] == "segment-changed"
    assert 'data-node="n.1.0"' in added.text
    assert "<html" not in added.text  # the editor alone
    removed = client.post(f"{BASE}/editor", data=_form(csrf, op="remove:n.0"),
                          headers=headers)
    assert 'data-node="n.0"' not in removed.text


def test_a_branch_manager_sees_and_exports_but_does_not_edit(
        kernel: Kernel, client: TestClient) -> None:
    bank = make_behaviour_bank(kernel)
    with kernel.db.session() as session:
        saved = events.save_segment(session, bank.small.admin, name="高净值",
                                    tree={"tag": "high_value"})
    headers = staff_headers(client, "bm.hz")
    listed = client.get(BASE, headers=headers)
    assert listed.status_code == 200
    assert "高净值" in listed.text
    assert 'data-testid="new-segment"' not in listed.text
    page = client.get(f"{BASE}/{saved.id}", headers=headers)
    assert page.status_code == 200
    assert 'data-testid="save"' not in page.text
    assert 'data-testid="preview"' not in page.text
    assert client.get(f"{BASE}/new", headers=headers).status_code == 403
    exported = client.get(f"{BASE}/{saved.id}/export.csv", headers=headers)
    assert len(exported.text.strip().splitlines()) == 3  # Hangzhou's two, not Ningbo's
    assert client.get(BASE, headers=staff_headers(client, "rm.xh")).status_code == 403
