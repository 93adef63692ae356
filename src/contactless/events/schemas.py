"""What POST /api/v1/events answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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


class SegmentPreviewIn(BaseModel):
    """A condition tree (docs/events.md, "Segments") and how many members to list."""

    tree: dict[str, Any] = Field(examples=[{"all": [
        {"tag": "high_value"},
        {"performed": {"type": "product.viewed", "at_least": 3, "within_days": 30}}]}])
    sample: int = Field(default=20, ge=0, le=100, strict=True)


class SampleMemberOut(BaseModel):
    """A member as the caller may see them: name and mobile masked within their scope, the
    short reference only outside it."""

    customer_id: str
    reference: str
    name: str | None
    mobile: str | None


class SegmentPreviewOut(BaseModel):
    count: int
    sample: list[SampleMemberOut]
