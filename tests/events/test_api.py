"""POST /api/v1/events as the app and the /m pages call it."""

from __future__ import annotations

import gzip
import json

from fastapi.testclient import TestClient

from contactless.events import service as events
from contactless.platform.kernel import Kernel
from tests.corebank.test_api import customer_headers
from tests.events.factories import page_view, page_views
from tests.factories.identity import make_customer, make_small_bank


def test_an_anonymous_visitor_sends_a_batch_and_hears_what_was_kept(
        sqlite_kernel: Kernel) -> None:
    from contactless.app import create_app

    with TestClient(create_app(kernel=sqlite_kernel)) as client:
        batch = [*page_views(2), {**page_view(), "type": "nope"}]
        response = client.post("/api/v1/events", json=batch)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["accepted"], body["duplicates"]) == (2, 0)
        assert [(r["index"], r["code"]) for r in body["rejected"]] == [
            (2, "unknown_event_type")]
    # leaving the app compacted the log: every accepted event is in the lake
    assert events.lake_events(sqlite_kernel).num_rows == 2


def test_gzip_ndjson_and_the_refusals_of_a_whole_batch(client: TestClient,
                                                       kernel: Kernel) -> None:
    lines = "\n".join(json.dumps(e) for e in page_views(3)).encode()
    sent = client.post("/api/v1/events", content=gzip.compress(lines), headers={
        "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"})
    assert sent.json()["accepted"] == 3
    broken = client.post("/api/v1/events", content=b'[{"event_id": ',
                         headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_json"
    assert (broken.json()["line"], broken.json()["byte"]) == (1, 14)
    too_many = client.post("/api/v1/events", json=page_views(1001))
    assert too_many.status_code == 413
    assert too_many.json()["code"] == "batch_too_large"


def test_a_signed_in_customers_events_carry_their_id(client: TestClient,
                                                     kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    alice = make_customer(kernel, bank.rm_xh, serial=1).id
    response = client.post("/api/v1/events", json=[page_view(anonymous_id=None)],
                           headers=customer_headers(kernel, alice))
    assert response.json()["accepted"] == 1
    named = client.post("/api/v1/events", json=[page_view(customer_id=str(alice))])
    assert named.json()["rejected"][0]["code"] == "sign_in_required"
    events.flush(kernel)
    assert events.lake_events(kernel)["customer_id"].to_pylist() == [str(alice)]
