"""Structured logs with the request id on every line and PII masked."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec
import structlog

from contactless.platform.context import current_request_id

_MOBILE = re.compile(r"(?<![\dA-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![\dA-Za-z])")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{3})\d{11}(\d{3}[\dXx])(?![\dA-Za-z])")
# both carry at least 11 digits in a row: text without them is left alone at once
_LONG_DIGITS = re.compile(r"\d{11}")


def mask_text(text: str) -> str:
    """Mask mainland mobile numbers and resident ID numbers wherever they appear."""
    if _LONG_DIGITS.search(text) is None:
        return text
    text = _ID_NUMBER.sub(r"\1***********\2", text)
    return _MOBILE.sub(r"\1****\2", text)


def _mask_pii(_logger: Any, _name: str, event: MutableMapping[str, Any],
              ) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if isinstance(value, str) and key != "request_id":
            event[key] = mask_text(value)
    return event


def _add_request_id(_logger: Any, _name: str, event: MutableMapping[str, Any],
                    ) -> MutableMapping[str, Any]:
    request_id = current_request_id()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


class _AccessLog:
    """How ``access_log`` writes: set by ``configure_logging``."""

    json_lines = False
    level = logging.INFO
    file: TextIO = sys.stderr


_access = _AccessLog()
_encode = msgspec.json.Encoder().encode
_http = structlog.get_logger("contactless.http")


def _wall_time() -> str:
    # the real time, as structlog's TimeStamper writes it: a log line is not bank business,
    # so it does not follow the bank's clock (which the demo and the tests move)
    return datetime.fromtimestamp(time.time(), UTC).isoformat()[:-6] + "Z"


def access_log(*, method: str, route: str, status: int, ms: float) -> None:
    """The one line each HTTP request writes, as every other line would have it. Its fields
    carry no PII (``route`` is the route's template), so in JSON it is written without the
    processors: every request pays for it, most pay for nothing else."""
    if not _access.json_lines:
        _http.info("request", method=method, route=route, status=status, ms=ms)
        return
    if _access.level > logging.INFO:
        return
    line = {"event": "request", "method": method, "route": route, "status": status, "ms": ms,
            "level": "info", "timestamp": _wall_time()}
    request_id = current_request_id()
    if request_id:
        line["request_id"] = request_id
    _access.file.write(_encode(line).decode() + "\n")
    _access.file.flush()


def configure_logging(*, json_lines: bool, level: int = logging.INFO) -> None:
    _access.json_lines, _access.level, _access.file = json_lines, level, sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _mask_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
