"""A journey's code step shares the number's limits: wrong codes count, are audited (committed
with the refusal, though the step's own work is rolled back), and lock the number."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from contactless.journeys.models import JourneyStep
from contactless.platform.audit import AuditEntry
from contactless.platform.kernel import Kernel
from tests.factories.journeys import last_code, make_banked_customer, selfie
from tests.journeys.apiclient import App, file


def test_wrong_step_codes_are_audited_and_lock_the_number(sqlite_kernel: Kernel,
                                                         api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    app = App(api, kernel, banked.mobile)
    change = app.started("change_mobile")
    app.step(change["id"], "identity", {"name": banked.name, "id_number": banked.id_number,
                                        "new_mobile": "13766667777"})
    app.step(change["id"], "selfie", {"selfie": file(selfie())})
    right = last_code(kernel, banked.mobile)
    wrong = "000000" if right != "000000" else "111111"
    answers = [app.submit(change["id"], "old_code", {"code": wrong}) for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 429]
    assert answers[0].json()["code"] == "otp_invalid"
    assert answers[-1].json()["code"] == "otp_attempts_exceeded"
    refused = app.submit(change["id"], "old_code", {"code": right})
    assert refused.status_code == 429
    assert refused.json()["code"] == "otp_locked"
    assert int(refused.headers["Retry-After"]) > 0
    with kernel.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.startswith("otp.")).order_by(AuditEntry.seq)))
        done = session.scalars(select(JourneyStep.completed_at).where(
            JourneyStep.step_key == "old_code")).all()
        actors = set(session.scalars(select(AuditEntry.actor_kind).where(
            AuditEntry.action.startswith("otp."))))
    assert actions == ["otp.failed"] * 5 + ["otp.refused"]
    assert actors == {"customer"}
    assert done == [None]  # the step was not completed
    assert app.get(change["id"]).json()["current_step"]["key"] == "old_code"


def test_each_submitted_step_is_audited_with_a_keyed_digest(sqlite_kernel: Kernel,
                                                           api: TestClient) -> None:
    kernel = sqlite_kernel
    banked = make_banked_customer(kernel)
    app = App(api, kernel, banked.mobile)
    change = app.started("change_mobile")
    identity_step = {"name": banked.name, "id_number": banked.id_number,
                     "new_mobile": "13766667777"}
    assert app.submit(change["id"], "identity", identity_step).status_code == 200
    refused = app.submit(change["id"], "identity", identity_step)  # done already: refused
    assert refused.status_code == 409
    app.step(change["id"], "selfie", {"selfie": file(selfie())})
    with kernel.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "journey.step_submitted").order_by(AuditEntry.seq)).all()
    assert [json.loads(e.details)["step"] for e in entries] == ["identity", "selfie"]
    assert {e.target_id for e in entries} == {str(change["id"])}
    assert {e.actor_kind for e in entries} == {"customer"}
    assert all(e.after_digest and len(e.after_digest) == 64 for e in entries)
    assert banked.id_number not in entries[0].details
