"""create_app(): builds the kernel and mounts every domain's routers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

# every domain's tables, so metadata and migrations see them all
import contactless.corebank.models
import contactless.customers.models
import contactless.identity.models
import contactless.journeys.models
import contactless.outreach.models
import contactless.platform.audit
import contactless.platform.channels
import contactless.platform.events  # noqa: F401
from contactless import __version__
from contactless.corebank import api as corebank_api
from contactless.corebank import views as corebank_views
from contactless.customers import api as customers_api
from contactless.customers import views as customers_views
from contactless.identity import api as identity_api
from contactless.identity import views as identity_views
from contactless.journeys import api as journeys_api
from contactless.journeys import views as journeys_views
from contactless.outreach import api as outreach_api
from contactless.outreach import views as outreach_views
from contactless.platform.context import new_request_id, request_id_var
from contactless.platform.errors import ContactlessError
from contactless.platform.kernel import Kernel, build_kernel
from contactless.platform.logging import configure_logging
from contactless.platform.metrics import HttpMetrics
from contactless.settings import Settings
from contactless.web import console
from contactless.web.errors import install_error_handlers, problem_response
from contactless.web.templating import build_environment

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
log = structlog.get_logger("contactless.http")

# routes anyone may call; every other route requires a signed-in staff member or customer
PUBLIC_ROUTES: frozenset[str] = frozenset({
    "/healthz", "/metrics", "/", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
    "/static", "/api/v1/auth/token", "/api/v1/customer-auth/otp", "/api/v1/customer-auth/verify",
    "/console/login", "/console/logout", "/m", "/m/login", "/m/verify", "/m/logout",
    # a scanned QR code, its information page, an enterprise contact's signed progress link
    "/q/{token}", "/m/outreach/info/{token}", "/q/progress/{token}",
    # the journey catalog; proving a mobile before opening an account (prospects)
    *journeys_api.PUBLIC, *journeys_views.PUBLIC,
})


def create_app(settings: Settings | None = None, *, kernel: Kernel | None = None) -> FastAPI:
    kernel = kernel or build_kernel(settings or Settings())
    configure_logging(json_lines=kernel.settings.json_logs)
    app = FastAPI(title="Contactless", version=__version__,
                  description="Contactless banking platform (非接触金融服务)")
    app.state.kernel = kernel
    app.state.templates = build_environment()
    app.state.metrics = HttpMetrics()
    install_error_handlers(app)
    _install_middleware(app)

    for router in (identity_api.router, customers_api.router, identity_views.router,
                   customers_views.console_router, customers_views.mobile_router,
                   console.router, corebank_api.router, corebank_views.console_router,
                   corebank_views.mobile_router, outreach_api.router,
                   outreach_views.scan_router, outreach_views.mobile_router,
                   outreach_views.console_router, journeys_api.router,
                   journeys_views.mobile_router, journeys_views.console_router):
        app.include_router(router)
    outreach_views.install(app)
    journeys_views.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/console", status_code=303)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> Response:
        try:
            with kernel.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the probe reports, it does not crash
            return JSONResponse({"status": "unavailable", "database": repr(exc)[:200]},
                                status_code=503)
        return JSONResponse({"status": "ok", "database": kernel.db.dialect,
                             "version": __version__})

    @app.get("/metrics", tags=["operations"])
    def metrics() -> Response:
        return Response(generate_latest(app.state.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    return app


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(request: Request,
                              call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get("x-request-id", "")
        valid = 8 <= len(incoming) <= 64 and incoming.isalnum()
        request_id = incoming if valid else new_request_id()
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = await call_next(request)
            except Exception:
                # rendered here, inside the request's context, so the page carries its id
                log.exception("unhandled_error", path=request.url.path)
                response = problem_response(request, ContactlessError(
                    "something went wrong on our side; it has been logged", status=500,
                    code="internal_error"))
            status = response.status_code
        finally:
            elapsed = time.perf_counter() - started
            route = request.scope.get("route")
            label = getattr(route, "path", "unmatched")
            metrics: HttpMetrics = request.app.state.metrics
            metrics.requests.labels(request.method, label, str(status)).inc()
            metrics.latency.labels(request.method, label).observe(elapsed)
            log.info("request", method=request.method, route=label, status=status,
                     ms=round(elapsed * 1000, 2))
            structlog.contextvars.clear_contextvars()
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith(("/console", "/m")):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cache-Control", "no-store")
        return response
