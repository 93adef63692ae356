"""What POST /api/v1/events answers."""

from __future__ import annotations

from pydantic import BaseModel


class RejectedOut(BaseModel):
    index: int
    code: str
    reason: str
    event_id: str | None = None


class IngestOut(BaseModel):
    """``accepted`` are durable now; ``duplicates`` were stored before (acknowledged again,
    not stored twice); ``rejected`` lists each refused event by its index in the batch."""

    accepted: int
    duplicates: int
    rejected: list[RejectedOut]
