"""Outreach in the worker: the worker delivers retried domain events, so it must listen to
the journeys' events as the web processes do (``app.register_jobs`` calls this)."""

from __future__ import annotations

from typing import Any

from contactless.journeys.plugins import use_sources
from contactless.outreach.service.attribution import subscribe
from contactless.outreach.sources import OutreachQrSources
from contactless.platform.kernel import Kernel


def register(huey: Any, kernel: Kernel) -> dict[str, Any]:
    subscribe(kernel.bus)
    use_sources(kernel, OutreachQrSources())
    return {}
