"""Outreach pages. ``install`` wires the event subscriptions, the sign-in link and the menu."""

from __future__ import annotations

from fastapi import FastAPI

from contactless.journeys.plugins import use_sources
from contactless.outreach import fastscan
from contactless.outreach.service.attribution import subscribe
from contactless.outreach.sources import OutreachQrSources
from contactless.outreach.views.console import console_router
from contactless.outreach.views.scan import SignInAfterScan, mobile_router, scan_router
from contactless.platform.kernel import Kernel
from contactless.web.templating import extra_navigation

STAFF_ROLES = frozenset({"rm", "branch_manager", "admin", "auditor"})
NAVIGATION = [
    ("/console/outreach", "QR codes", STAFF_ROLES),
    ("/console/outreach/conversions", "My conversions", frozenset({"rm", "branch_manager"})),
    ("/console/outreach/leaderboard", "Leaderboards", frozenset({"branch_manager", "admin", "rm"})),
]

__all__ = ["NAVIGATION", "console_router", "install", "mobile_router", "scan_router"]


def install(app: FastAPI) -> None:
    """Subscribe attribution to the journeys' events, tie sign-ins to earlier scans on the same
    device, answer simple scans on the lean path, and add the console menu entries."""
    kernel: Kernel = app.state.kernel
    subscribe(kernel.bus)
    use_sources(kernel, OutreachQrSources())
    buffer = fastscan.install(app, kernel)
    # scans on the lean path are written a moment later: write them before linking a sign-in
    app.add_middleware(SignInAfterScan, kernel=kernel, before_link=buffer.flush)
    extra_navigation(app.state.templates, NAVIGATION)

