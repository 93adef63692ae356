"""Behaviour events as a sender makes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any


def page_view(*, anonymous_id: str | None = "visitor-1", path: str = "/m/home",
              occurred_at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    at = occurred_at or datetime.now(UTC) - timedelta(seconds=5)
    event: dict[str, Any] = {"event_id": str(uuid.uuid4()), "type": "page.viewed",
                             "occurred_at": at.isoformat(), "channel": "h5",
                             "properties": {"path": path}}
    if anonymous_id is not None:
        event["anonymous_id"] = anonymous_id
    event.update(fields)
    return event


def page_views(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [page_view(path=f"/m/page/{n}", **fields) for n in range(count)]
