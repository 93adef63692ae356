"""The identity check answers with one generic failure (the reasons stay in the audit trail)
and each person may run it only a few times a day."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.journeys.models import JourneyStep
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank, valid_id_number
from tests.journeys.apiclient import App

PROSPECT = "13911112222"


def test_identity_failures_are_generic_and_limited_per_person(sqlite_kernel: Kernel,
                                                              api: TestClient) -> None:
    kernel = sqlite_kernel
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, serial=5, name="张三", mobile="13800005555")
    app = App(api, kernel, PROSPECT, prospect=True)
    journey = app.started("open_account_class2")
    # someone tries a customer's ID number with another name: the answer says nothing of why
    tries = [app.submit(journey["id"], "identity", {
        "name": name, "id_number": valid_id_number(5), "mobile": PROSPECT})
        for name in ("李四", "王五", "赵六", "钱七", "孙八")]
    assert {t.status_code for t in tries} == {422}
    bodies = [{k: v for k, v in t.json().items() if k != "request_id"} for t in tries]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["code"] == "identity_not_verified"
    assert bodies[0]["detail"] == "we could not verify your identity with these details"
    assert "reasons" not in bodies[0]
    # the sixth check today is refused before the verifier is asked
    sixth = app.submit(journey["id"], "identity", {"name": "张三", "id_number": valid_id_number(5),
                                                   "mobile": PROSPECT})
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "kyc_attempts_exceeded"
    assert int(sixth.headers["Retry-After"]) > 3600
    with kernel.db.session() as session:
        failed = session.scalars(select(AuditEntry).where(AuditEntry.action == "kyc.failed")
                                 ).all()
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "kyc.refused")
                                  ).all()
        done = session.scalars(select(JourneyStep.completed_at).where(
            JourneyStep.step_key == "identity")).all()
    assert len(failed) == 5
    assert len(refused) == 1
    assert "name_does_not_match_records" in json.loads(failed[0].details)["reasons"]
    assert done == [None]
