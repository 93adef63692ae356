"""create_app(): builds the kernel and mounts every domain's routers."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# every domain's tables, so metadata and migrations see them all
import contactless.assistant.models
import contactless.corebank.models
import contactless.customers.models
import contactless.events.models
import contactless.identity.models
import contactless.journeys.models
import contactless.marketing.models
import contactless.outreach.models
import contactless.partners.models
import contactless.platform.audit
import contactless.platform.channels
import contactless.platform.events
import contactless.risk.models  # noqa: F401
from contactless import __version__, home
from contactless.assistant import api as assistant_api
from contactless.assistant import service as assistant_service
from contactless.assistant import views as assistant_views
from contactless.corebank import api as corebank_api
from contactless.corebank import mobile as corebank_mobile
from contactless.corebank import tasks as corebank_tasks
from contactless.corebank import views as corebank_views
from contactless.corebank.service import approvals as corebank_approvals
from contactless.customers import api as customers_api
from contactless.customers import views as customers_views
from contactless.events import api as events_api
from contactless.events import domain as events_domain
from contactless.events import service as events_service
from contactless.events import tasks as events_tasks
from contactless.events import views as events_views
from contactless.events import views_segments as events_views_segments
from contactless.identity import api as identity_api
from contactless.identity import views as identity_views
from contactless.journeys import api as journeys_api
from contactless.journeys import plugins as journey_plugins
from contactless.journeys import tasks as journeys_tasks
from contactless.journeys import views as journeys_views
from contactless.journeys.catalog import default_catalog
from contactless.journeys.ekyc import EmbeddedVerifier
from contactless.marketing import api as marketing_api
from contactless.marketing import mobile as marketing_mobile
from contactless.marketing import service as marketing_service
from contactless.marketing import tasks as marketing_tasks
from contactless.marketing import views as marketing_views
from contactless.marketing import views_work as marketing_views_work
from contactless.outreach import api as outreach_api
from contactless.outreach import tasks as outreach_tasks
from contactless.outreach import views as outreach_views
from contactless.partners import api as partners_api
from contactless.partners import open_api as partners_open_api
from contactless.partners import service as partners_service
from contactless.partners import tasks as partners_tasks
from contactless.partners import views as partners_views
from contactless.partners import views_hub as partners_views_hub
from contactless.platform.channels import OutboxChannel
from contactless.platform.context import Origin, new_request_id, origin_var, request_id_var
from contactless.platform.errors import ContactlessError, Forbidden, Unauthorized
from contactless.platform.jobs import register_platform
from contactless.platform.kernel import Kernel, build_kernel, settle_start_up_heap
from contactless.platform.loading import load_part
from contactless.platform.logging import access_log, configure_logging
from contactless.platform.metrics import HttpMetrics
from contactless.risk import api as risk_api
from contactless.risk import service as risk
from contactless.risk import tasks as risk_tasks
from contactless.risk import views as risk_views
from contactless.risk import views_models as risk_views_models
from contactless.risk.port import ApproveAll
from contactless.settings import (
    APPROVE_ALL_REFUSED,
    RULES_ONLY_REFUSED,
    SMS_OUTBOX_REFUSED,
    VERIFIER_REFUSED,
    InsecureSettings,
    Mode,
    Settings,
)
from contactless.web import routing as route_index
from contactless.web.assets import StaticAssets
from contactless.web.csp import CONTENT_SECURITY_POLICY
from contactless.web.errors import install_error_handlers, problem_response
from contactless.web.health import HealthCheck, HealthProbe
from contactless.web.limits import BodyLimit
from contactless.web.openapi import install_openapi
from contactless.web.templating import build_environment

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
log = structlog.get_logger("contactless.http")

# routes anyone may call; every other route requires a signed-in staff member or customer
PUBLIC_ROUTES: frozenset[str] = frozenset({
    "/healthz", "/metrics", "/", "/favicon.ico", "/openapi.json", "/docs", "/docs/oauth2-redirect",
    "/redoc",
    "/static", "/api/v1/auth/token", "/api/v1/customer-auth/otp", "/api/v1/customer-auth/verify",
    "/console/login", "/console/logout", "/m", "/m/login", "/m/verify", "/m/logout",
    # a scanned QR code, its information page, an enterprise contact's signed progress link,
    # and the step where a code that must know who scans asks them to sign in or prove a mobile
    "/q/{token}", "/m/outreach/info/{token}", "/q/progress/{token}", "/m/q/{token}",
    # the journey catalog; proving a mobile before opening an account (prospects)
    *journeys_api.PUBLIC, *journeys_views.PUBLIC,
    # the partner API's own OpenAPI document
    "/open/v1/openapi.json",
    # the chat answers visitors too (their conversation is found by its signed cookie)
    *assistant_views.PUBLIC,
    # behaviour events: a visitor's come with an anonymous id, a customer's with their token
    *events_api.PUBLIC,
    # the tab bar's unread badge: empty without a sign-in (its poll outlives a session)
    "/m/messages/unread",
})


# the QR scan is the hottest public route: matched first
ROUTERS = (outreach_views.scan_router, identity_api.router, customers_api.router,
           identity_views.router, customers_views.console_router,
           customers_views.mobile_router, home.router, corebank_api.router,
           corebank_views.console_router, corebank_views.mobile_router,
           corebank_mobile.router,
           outreach_api.router, outreach_views.mobile_router,
           outreach_views.console_router, journeys_api.router,
           journeys_views.mobile_router, journeys_views.console_router,
           assistant_api.router, assistant_views.mobile_router,
           assistant_views.console_router, partners_api.router,
           partners_open_api.router, partners_views.console_router,
           partners_views.mobile_router, partners_views.logo_router,
           partners_views_hub.console_router, partners_views_hub.mobile_router,
           events_api.router, events_views.console_router,
           events_views_segments.console_router, risk_api.router,
           risk_views.console_router, risk_views_models.console_router,
           marketing_views.console_router, marketing_views_work.console_router,
           marketing_api.router, marketing_mobile.router)


def install_domains(kernel: Kernel) -> Kernel:
    """What domains plug into lower ones, per kernel: the core's executors for approved
    four-eyes items, and the bus events that become behaviour data. The app, the demo and the
    tests' kernels call it."""
    corebank_approvals.install(kernel)
    events_domain.install(kernel.bus)
    partners_service.install_webhooks(kernel.bus)
    events_service.install_profiles(kernel.bus)
    risk.install(kernel)
    risk.register_kinds(kernel, [journey.key for journey in default_catalog().all()]
                        + [partners_service.PARTNER_START, partners_service.CONSENT_GRANT,
                           partners_service.DATA_READ])
    marketing_service.subscribe(kernel.bus)
    return kernel


def create_app(settings: Settings | None = None, *, kernel: Kernel | None = None) -> FastAPI:
    kernel = install_domains(kernel or build_kernel(settings or Settings()))
    configure_logging(json_lines=kernel.settings.json_logs)
    install_parts(kernel)
    refuse_unfit_production(kernel)
    app = bare_app(kernel.settings)
    app.state.kernel = kernel
    app.state.templates = build_environment()
    app.state.metrics = HttpMetrics()
    install_error_handlers(app)
    install_openapi(app)

    for router in ROUTERS:
        app.include_router(router)
    outreach_views.install(app)
    journeys_views.install(app)
    assistant_service.install(kernel)
    assistant_views.install(app)
    partners_views.install(app)
    risk_views.install(app)
    marketing_views.install(app)
    events_views.install(app)
    # added last, so outermost: every middleware above (the lean scan path too) runs inside
    # the request's id, metrics and logs
    app.add_middleware(BodyLimit, max_bytes=kernel.settings.max_body_bytes,
                       max_upload_bytes=kernel.settings.max_upload_bytes,
                       upload_paths=journeys_api.UPLOAD_PATHS)
    health = HealthCheck(kernel.db)
    app.add_middleware(HealthProbe, health=health)
    app.add_middleware(RequestContext)
    install_compaction(app, kernel)
    install_static(app)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/console", status_code=303)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> Response:
        """The last database check (at most a second old): 200 with the database's kind, or
        503 when it cannot be reached."""
        return health.response(health.fresh() or health.check())

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def metrics(request: Request) -> Response:
        """Prometheus text, for ``Authorization: Bearer <CONTACTLESS_METRICS_TOKEN>`` only."""
        check_metrics_token(kernel, request.headers.get("authorization", ""))
        return Response(generate_latest(app.state.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    route_index.install(app)
    return app


def install_static(app: FastAPI) -> None:
    """Static files under content-hashed names (``asset()`` in templates) and the favicon."""
    assets = StaticAssets(STATIC_DIR)
    app.state.templates.globals["asset"] = assets.url
    app.mount("/static", assets, name="static")
    favicon = assets.files["favicon.ico"]

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon_ico() -> Response:
        return Response(favicon.body, media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


def install_compaction(app: FastAPI, kernel: Kernel) -> None:
    """Behaviour events move from the log into the lake in the background while the app
    runs, and all of them when it stops."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        compactor = events_service.start_compactor(kernel)
        try:
            async with inner(application) as state:
                settle_start_up_heap()
                # no more request threads than pooled database connections: a thread more
                # would wait for a connection, or open and close one of its own per request
                limiter = anyio.to_thread.current_default_thread_limiter()
                limiter.total_tokens = kernel.db.pool_size
                yield state
        finally:
            if compactor is not None:
                await anyio.to_thread.run_sync(compactor.stop)
            await anyio.to_thread.run_sync(risk.close, kernel)  # the decisions still queued

    app.router.lifespan_context = lifespan


def bare_app(settings: Settings) -> FastAPI:
    """The application object; the OpenAPI document and its pages only when turned on."""
    on = settings.api_docs
    # no OpenTelemetry (metrics are Prometheus'): FastAPI then asks nothing per request
    off: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
    return FastAPI(title="Contactless", version=__version__, telemetry=off,
                   description="Contactless banking platform (非接触金融服务)",
                   docs_url="/docs" if on else None, redoc_url="/redoc" if on else None,
                   openapi_url="/openapi.json" if on else None)


def app_factory() -> FastAPI:
    """What ``contactless serve`` gives each uvicorn worker process: an app on the settings
    of the environment."""
    return create_app(Settings())


def register_jobs(huey: Any, kernel: Kernel) -> dict[str, Any]:
    """Every domain's jobs and schedules, for the worker."""
    tasks = register_platform(huey, kernel)
    for domain in (corebank_tasks, journeys_tasks, outreach_tasks, partners_tasks,
                   events_tasks, marketing_tasks, risk_tasks):
        tasks.update(domain.register(huey, kernel))
    return tasks


def install_parts(kernel: Kernel) -> None:
    """Plug in what the settings name: the bank's identity check and risk policy."""
    settings = kernel.settings
    if settings.identity_verifier != "embedded":
        journey_plugins.use_verifier(kernel, load_part(
            settings.identity_verifier, setting="identity_verifier", settings=settings))
    if settings.risk_policy == "approve_all":
        risk.install_policy(kernel, ApproveAll())
    elif settings.risk_policy != "engine":
        risk.install_policy(kernel, load_part(settings.risk_policy, setting="risk_policy",
                                              settings=settings))


def production_refusals(kernel: Kernel) -> list[str]:
    """What production will not run with, each naming the setting that changes it."""
    settings = kernel.settings
    if settings.mode is not Mode.PRODUCTION:
        return []
    problems = settings.production_problems()
    # the parts actually installed, which a deployment may have swapped in code
    if kernel.channel.name == OutboxChannel.name:
        problems.append(SMS_OUTBOX_REFUSED)
    if journey_plugins.verifier_of(kernel).name == EmbeddedVerifier.name:
        problems.append(VERIFIER_REFUSED)
    if risk.approves_everything(kernel) and not settings.risk_allow_approve_all:
        problems.append(APPROVE_ALL_REFUSED)
    if risk.decides_without_model(kernel) and not settings.risk_rules_only:
        problems.append(RULES_ONLY_REFUSED)
    problems = list(dict.fromkeys(problems))
    return problems


def refuse_unfit_production(kernel: Kernel) -> None:
    problems = production_refusals(kernel)
    if problems:
        raise InsecureSettings(problems)


def check_metrics_token(kernel: Kernel, authorization: str) -> None:
    expected = kernel.settings.metrics_token
    if not authorization.lower().startswith("bearer "):
        raise Unauthorized("send Authorization: Bearer with the metrics token")
    sent = authorization[7:].strip().encode()
    if expected is None or not secrets.compare_digest(
            sent, expected.get_secret_value().encode()):
        raise Forbidden("this token may not read the metrics", code="metrics_forbidden")


_EVERY_RESPONSE = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
_PAGES = [(b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]
_CSP = [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode())]
_HSTS = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


def _with_headers(headers: Any, added: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers and ours: its own win, except the request id, which is ours."""
    out = [(name, value) for name, value in headers if name.lower() != b"x-request-id"]
    present = {name.lower() for name, _ in out}
    out += [(name, value) for name, value in added if name not in present]
    return out


class RequestContext:
    """Pure ASGI: the request id (kept from X-Request-ID or new) in every log line and
    response, metrics by route, security headers, and a 500 rendered inside the context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        incoming = request_headers.get("x-request-id", "")
        valid = 8 <= len(incoming) <= 64 and incoming.isalnum()
        request_id = incoming if valid else new_request_id()
        token = request_id_var.set(request_id)
        origin_token = origin_var.set(origin_of(scope, request_headers))
        structlog.contextvars.bind_contextvars(request_id=request_id)
        path: str = scope["path"]
        added = [(b"x-request-id", request_id.encode()), *_EVERY_RESPONSE]
        if path.startswith(("/console", "/m")):
            added += _PAGES
        if not path.startswith(("/docs", "/redoc")):  # FastAPI's API pages run inline script
            added += _CSP
        if scope["app"].state.kernel.settings.mode is Mode.PRODUCTION:
            added += _HSTS
        state = {"status": 500, "started": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                state["status"] = message["status"]
                message["headers"] = _with_headers(message.get("headers", ()), added)
            await send(message)

        started = time.perf_counter()
        try:
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:
                if state["started"]:
                    raise
                # rendered here, inside the request's context, so the page carries its id
                log.exception("unhandled_error", path=path)
                response = problem_response(Request(scope), ContactlessError(
                    "something went wrong on our side; it has been logged", status=500,
                    code="internal_error"))
                await response(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            label = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            metrics: HttpMetrics = scope["app"].state.metrics
            metrics.record(method, label, state["status"], elapsed)
            access_log(method=method, route=label, status=state["status"],
                       ms=round(elapsed * 1000, 2))
            structlog.contextvars.clear_contextvars()
            origin_var.reset(origin_token)
            request_id_var.reset(token)


DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def origin_of(scope: Scope, headers: Headers) -> Origin:
    """The request's network and device: an app's ``X-Device-ID`` header (or the
    ``cl_device`` cookie), else the browser's user agent within its network."""
    client = scope.get("client")
    address = client[0] if client else "0.0.0.0"  # noqa: S104 - a label only
    device = headers.get("x-device-id") or _cookie(headers.get("cookie", ""), "cl_device")
    if device and not DEVICE_ID.fullmatch(device):
        device = None
    return Origin.of(address, device_id=device, user_agent=headers.get("user-agent"))


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
