"""The baseline of benchmarks/web_stack.py: a bare Starlette app with one JSON route, served by
uvicorn with the same settings as ``contactless serve`` (what any web stack here costs)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/healthz", healthz)])
