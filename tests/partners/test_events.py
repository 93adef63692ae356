"""Partners' scenario events: a batch goes through the events domain's ingest, each item on
the partner channel and tagged with the partner; wrong items are refused one by one, a
retried batch changes nothing, and no app can send a partner's event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contactless.events import service as events
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank
from tests.factories.partners import PartnerHttp, active_partner, granted_consent

EVENTS = "/open/v1/events"


def _item(**fields: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "occurred_at": datetime.now(UTC).isoformat(),
            "name": "appointment_booked"} | fields


@pytest.fixture
def partner(kernel: Kernel, client: TestClient) -> tuple[PartnerHttp, uuid.UUID, str, str]:
    bank = make_small_bank(kernel)
    view, issued = active_partner(kernel, bank)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    http = PartnerHttp(client, issued)
    consent = granted_consent(kernel, http, alice, scopes=("balances:read",))
    return http, view.id, consent, str(alice)


def test_a_batch_is_stored_with_the_partners_tag_and_each_wrong_item_is_refused(
        kernel: Kernel, partner: tuple[PartnerHttp, uuid.UUID, str, str]) -> None:
    http, partner_id, consent, alice = partner
    batch = [
        _item(consent_id=consent, reference="A-1001", attributes={"department": "心内科"}),
        _item(user_ref="u-20931"),
        _item(user_ref="u-1", colour="red"),  # an unknown field
        _item(),  # nobody's
        _item(consent_id=str(uuid.uuid4())),  # not this partner's consent
        _item(user_ref="u-2", occurred_at="2001-01-01T00:00:00+00:00"),  # too old
        _item(user_ref="u-3", name="Bad Name"),
        _item(user_ref="u-4", event_id="not-a-uuid"),
    ]
    answer = http.call("POST", EVENTS, json_body=batch, token=http.token())
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["accepted"], result["duplicates"]) == (2, 0)
    assert [(r["index"], r["code"]) for r in result["rejected"]] == [
        (2, "unknown_field"), (3, "missing_identity"), (4, "consent_not_granted"),
        (5, "too_old"), (6, "invalid_event"), (7, "invalid_event")]
    assert result["rejected"][0]["event_id"] == batch[2]["event_id"]

    events.flush(kernel)
    table = events.lake_events(kernel).to_pylist()
    stored = {row["event_id"]: row for row in table if row["type"] == "partner.event"}
    assert set(stored) == {batch[0]["event_id"], batch[1]["event_id"]}
    customer_event, anonymous_event = stored[batch[0]["event_id"]], stored[batch[1]["event_id"]]
    assert (customer_event["channel"], customer_event["customer_id"]) == ("partner", alice)
    assert json.loads(customer_event["properties"]) == {
        "partner_id": str(partner_id), "scenario": "healthcare", "name": "appointment_booked",
        "reference": "A-1001", "attributes": {"department": "心内科"}}
    assert anonymous_event["customer_id"] is None
    assert anonymous_event["anonymous_id"] == f"p{partner_id.hex[:12]}:u-20931"


def test_a_retried_batch_is_answered_the_same_and_a_resent_event_is_a_duplicate(
        kernel: Kernel, partner: tuple[PartnerHttp, uuid.UUID, str, str]) -> None:
    http, _partner_id, _consent, _alice = partner
    token = http.token()
    batch = [_item(user_ref="u-1")]
    first = http.call("POST", EVENTS, json_body=batch, token=token, key="ev-1")
    again = http.call("POST", EVENTS, json_body=batch, token=token, key="ev-1")
    assert again.json() == first.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert again.headers["Idempotent-Replayed"] == "true"
    resent = http.call("POST", EVENTS, json_body=batch, token=token, key="ev-2")
    assert resent.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    other = http.call("POST", EVENTS, json_body=[_item(user_ref="u-2")], token=token, key="ev-1")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_conflict")


def test_a_batch_that_is_not_an_array_of_objects_or_lacks_the_scope_is_refused_whole(
        kernel: Kernel, partner: tuple[PartnerHttp, uuid.UUID, str, str]) -> None:
    http, _partner_id, _consent, _alice = partner
    token = http.token()
    for body in ({"events": []}, [1, 2], "text"):
        refused = http.call("POST", EVENTS, json_body=body, token=token)
        assert (refused.status_code, refused.json()["code"]) == (400, "event_batch_invalid")
    too_many = [_item(user_ref="u-1") for _ in range(1001)]
    refused = http.call("POST", EVENTS, json_body=too_many, token=token)
    assert (refused.status_code, refused.json()["code"]) == (400, "event_batch_invalid")
    narrow = http.token("balances:read")
    refused = http.call("POST", EVENTS, json_body=[_item(user_ref="u-1")], token=narrow)
    assert (refused.status_code, refused.json()["code"]) == (403, "scope_not_granted")
    events.flush(kernel)
    assert events.lake_events(kernel).num_rows == 0


def test_no_app_or_page_can_send_a_partners_event(kernel: Kernel, client: TestClient) -> None:
    forged = {"type": "partner.event", "event_id": str(uuid.uuid4()), "channel": "partner",
              "occurred_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
              "anonymous_id": "visitor-1",
              "properties": {"partner_id": str(uuid.uuid4()), "scenario": "healthcare",
                             "name": "appointment_booked"}}
    answer = client.post("/api/v1/events", json=[forged])
    assert answer.status_code == 200, answer.text
    assert [r["code"] for r in answer.json()["rejected"]] == ["reserved_type"]
