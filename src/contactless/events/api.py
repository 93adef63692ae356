"""POST /api/v1/events: a batch of behaviour events from the app, the /m pages or a partner;
and the segments' staff routes: a condition tree's preview and a saved segment's CSV export.

The batch's body is read as bytes, not parsed by FastAPI: the ingest service decodes and
validates the batch in one pass (JSON array or NDJSON, gzip accepted), and answers which
events it accepted and why it refused the others."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from contactless.customers.web import OptionalCustomer
from contactless.events import schemas
from contactless.events import service as events
from contactless.identity.web import CurrentStaff
from contactless.web.deps import DbSession

router = APIRouter(prefix="/api/v1/events", tags=["events"])
PUBLIC = frozenset({"/api/v1/events"})
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")

_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "maxItems": 1000,
                                    # each item is checked on its own: what is not an
                                    # event is listed under ``rejected``
                                    "items": {"description": "an event object"}}},
    "application/x-ndjson": {"schema": {"type": "string"}}}}}


@router.post("", response_model=schemas.IngestOut, openapi_extra=_BODY)
async def post_events(request: Request, session: DbSession,
                      customer: OptionalCustomer) -> schemas.IngestOut:
    """Up to 1,000 events (``Content-Encoding: gzip`` accepted). With a customer's token the
    events are theirs; without one each must carry an ``anonymous_id``. Each invalid event
    is listed under ``rejected`` with its index and reason while the valid ones are
    accepted; an event is accepted once it is durable. Errors: ``malformed_json`` (400, with
    where it broke), ``batch_not_array`` (400), ``batch_too_large`` (413)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    gzipped = request.headers.get("content-encoding", "").lower() == "gzip"
    # in a worker thread: the durable append waits for the disk
    result = await anyio.to_thread.run_sync(partial(
        events.ingest_body, session, customer, body=body, ndjson=content_type in NDJSON_TYPES,
        gzipped=gzipped))
    return schemas.IngestOut.of(result)


@router.post("/segments/preview", response_model=schemas.SegmentPreviewOut)
def preview_segment(body: schemas.SegmentPreviewIn, session: DbSession,
                    actor: CurrentStaff) -> schemas.SegmentPreviewOut:
    """How many customers the tree selects now, and the first ``sample`` of them (by id):
    name and mobile masked, and only for the customers in the caller's scope (the others by
    a short reference). ``segment_invalid`` (422) names the node it refuses (``where``)."""
    found = events.preview_segment(session, actor, tree=body.tree, sample=body.sample)
    return schemas.SegmentPreviewOut(count=found.count, sample=[
        schemas.SampleMemberOut(customer_id=str(m.customer_id), reference=m.reference,
                                name=m.name, mobile=m.mobile)
        for m in events.masked_sample(session, actor, ids=found.sample)])


@router.get("/segments/{segment_id}/export.csv",
            responses={200: {"content": {"text/csv": {}}}})
def export_segment(segment_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Response:
    """A saved segment's members as CSV (UTF-8 with a byte-order mark): only those in the
    caller's scope (a branch manager: their subtree), name and mobile masked, with tags and
    AUM, as of the segment's last refresh. Audited with the rows exported."""
    text = events.export_segment_csv(session, actor, segment_id=segment_id)
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="segment-{segment_id}.csv"'})
