"""What POST /api/v1/events answers."""

from __future__ import annotations

from typing import Any

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

    @classmethod
    def of(cls, result: Any) -> IngestOut:
        """The answer for an ingest's result (the events service's, or a partner batch's:
        ``accepted``, ``duplicates`` and ``rejected`` items with index, code, reason)."""
        return cls(accepted=result.accepted, duplicates=result.duplicates,
                   rejected=[RejectedOut(index=r.index, code=r.code, reason=r.reason,
                                         event_id=r.event_id) for r in result.rejected])
