"""Parameter types whose OpenAPI form is what the code accepts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator, Field

# RFC 3339 (JSON Schema's ``date-time``): a date, ``T``, a time, and an offset or ``Z``
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: object) -> object:
    # pydantic would read "0.5" as a Unix time; a date-time is only what the schema says
    if isinstance(value, str) and not RFC3339.fullmatch(value):
        raise ValueError("a date-time is RFC 3339: 2026-01-31T09:00:00+08:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_rfc3339), Field(
    json_schema_extra={"format": "date-time"})]

# a row count the databases can take as an OFFSET (a 64-bit integer on PostgreSQL, less on
# SQLite's driver): beyond it there are no rows, and the schema says so
MAX_OFFSET = 2**31 - 1
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
# a page number whose first row is within MAX_OFFSET at the largest page size (200)
Page = Annotated[int, Query(ge=1, le=MAX_OFFSET // 200)]
