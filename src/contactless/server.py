"""Running the house: ``serve`` (uvicorn over :func:`contactless.app.create_app`) and
``worker`` (huey with every domain's jobs, as :func:`contactless.app.register_jobs` lists them)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from contactless.platform import migrations
from contactless.platform.cli import cli_kernel
from contactless.platform.kernel import build_kernel
from contactless.settings import InsecureSettings, Mode, Settings

err = Console(stderr=True)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="processes (PostgreSQL only)")] = 1,
    migrate: Annotated[bool, typer.Option(help="apply migrations first")] = True,
) -> None:
    """Serve the console, the customer pages and the APIs. In production it refuses to start
    with anything only fit for a demo, and names the setting to change."""
    import uvicorn

    from contactless.app import production_refusals, refuse_unfit_production

    settings = Settings()
    shared_store = []
    if workers > 1 and not settings.redis_url:
        if settings.mode is Mode.PRODUCTION:
            shared_store.append(
                "CONTACTLESS_REDIS_URL must be set to run more than one worker: without it "
                "each worker keeps its own one-time codes, limits and sessions")
        else:
            err.print("one worker: several need CONTACTLESS_REDIS_URL (a shared real-time store)")
            workers = 1
    try:  # every refusal at once, so an operator fixes them in one round
        kernel = build_kernel(settings)
    except InsecureSettings as refused:
        raise InsecureSettings(refused.problems + shared_store) from None
    if shared_store:
        raise InsecureSettings(shared_store + production_refusals(kernel))
    refuse_unfit_production(kernel)
    if migrate:
        migrations.upgrade(kernel.db)
    kernel.db.dispose()
    err.print(f"Contactless on http://{host}:{port}  (console /console, customers /m)")
    uvicorn.run("contactless.app:app_factory", factory=True, host=host, port=port,
                workers=workers if settings.is_postgres else 1, log_level="warning",
                access_log=False)


def worker(
    workers: Annotated[int, typer.Option(help="worker threads")] = 2,
) -> None:
    """Run background jobs and schedules (huey on SQLite, or on Redis when REDIS_URL is set)."""
    from huey.consumer import Consumer

    from contactless.app import register_jobs
    from contactless.platform.jobs import build_huey
    from contactless.platform.kernel import settle_start_up_heap

    kernel = cli_kernel()
    huey = build_huey(kernel.settings)
    register_jobs(huey, kernel)
    settle_start_up_heap()
    err.print(f"worker on {type(huey).__name__} with {workers} threads")
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()
