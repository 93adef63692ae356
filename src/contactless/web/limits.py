"""Request bodies have a size cap: 1 MiB by default, the upload limit for uploads (multipart
forms, and JSON on the routes that carry files as base64). Pure ASGI: a declared length over
the cap is answered at once, before anything is read; a body that grows past it while being
read stops there, and the route never sees it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contactless.platform.errors import ContactlessError


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its cap; rendered as 413 problem+json by
    the app's handler (or here, if nothing else answered)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail="the request body is too large")
        self.limit = limit


def too_large(limit: int) -> ContactlessError:
    return ContactlessError("the request body is too large", status=413,
                            code="request_too_large", limit_bytes=limit)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int,
                 upload_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = [re.compile(pattern) for pattern in upload_paths]

    def limit_for(self, scope: Scope, headers: Headers) -> int:
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data") or any(
                pattern.fullmatch(scope["path"]) for pattern in self.upload_paths):
            return self.max_upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(scope, headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        state = {"read": 0, "started": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watching_send)
        except BodyTooLarge:
            if state["started"]:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from contactless.web.errors import problem_response

        response = problem_response(Request(scope), too_large(limit))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
