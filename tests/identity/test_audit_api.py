"""An auditor reads the trail and its seal status through the API and the console."""

from fastapi.testclient import TestClient

from contactless.platform import audit_seal
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_small_bank
from tests.identity.test_sessions import bearer, console_sign_in
from tests.platform.test_audit import tamper


def test_entries_show_whether_they_are_sealed_and_verify_reports_it(kernel: Kernel,
                                                                    client: TestClient) -> None:
    make_small_bank(kernel)
    auditor = bearer(client, "auditor")
    before = client.get("/api/v1/audit", params={"action": "staff.created"}, headers=auditor)
    assert before.status_code == 200
    assert {e["sealed"] for e in before.json()} == {False}
    audit_seal.seal_all(kernel)
    after = client.get("/api/v1/audit", params={"action": "staff.created"}, headers=auditor)
    assert {e["sealed"] for e in after.json()} == {True}
    assert "entry_hash" not in after.json()[0]
    report = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert report["ok"] is True
    assert report["checked"] == report["sealed_through"] > 0
    assert report["unsealed"] == 0


def test_the_console_names_the_broken_entry(kernel: Kernel, client: TestClient) -> None:
    make_small_bank(kernel)
    audit_seal.seal_all(kernel)
    tamper(kernel, "UPDATE audit_entry SET target_id = 'x' WHERE seq = 3")
    console_sign_in(client, "auditor")
    page = client.get("/console/audit")
    assert page.status_code == 200
    assert "审计日志在第 3 条处被破坏" in page.text
    assert "已封存" in page.text
    assert "待封存" in page.text  # the auditor's own sign-in, after the seal
