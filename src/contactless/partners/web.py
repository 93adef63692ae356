"""The partner caller as a web dependency: the request's signature first, then its token.
Every refusal on /open/v1 is logged with the client id it claimed and, once the signature
holds, the partner's id (``PartnerRoute``), so the bank sees who is knocking."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from contactless.partners import service as partners
from contactless.partners.service import PartnerCaller, SignedClient, SignedRequest
from contactless.platform.errors import ContactlessError
from contactless.web.deps import DbSession, IdempotencyKey, bearer_token, client_ip

log = structlog.get_logger("contactless.partners")


class PartnerRoute(APIRoute):
    """A route of the partner API: a refused call is logged with who made it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def logged(request: Request) -> Response:
            try:
                return await handler(request)
            except (ContactlessError, RequestValidationError) as error:
                code = getattr(error, "code", "request_invalid")
                log.warning("partner_call_refused", code=code, path=request.url.path,
                            client_id=(request.headers.get("x-client-id") or "")[:40],
                            partner_id=getattr(request.state, "partner_id", None))
                raise

        return logged


async def raw_body(request: Request) -> bytes:
    # read here (async) so the signature covers the bytes exactly as they came
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def signed_client(request: Request, response: Response, session: DbSession,
                  body: RawBody) -> SignedClient:
    """The verified client, its call counted against the endpoint's limit (the
    X-RateLimit-* headers go on the answer)."""
    query = request.url.query
    headers = request.headers
    signed = SignedRequest(
        method=request.method, target=request.url.path + (f"?{query}" if query else ""),
        body=body, client_id=headers.get("x-client-id"), timestamp=headers.get("x-timestamp"),
        nonce=headers.get("x-nonce"), signature=headers.get("x-signature"),
        address=client_ip(request))
    endpoint = request.method + " " + getattr(request.scope.get("route"), "path",
                                              request.url.path)
    client = partners.verify_signed(session, signed)
    request.state.partner_id = str(client.partner_id)
    window = partners.count_call(session, client, endpoint=endpoint)
    response.headers.update(window.headers())
    return client


SignedPartner = Annotated[SignedClient, Depends(signed_client)]


def partner_caller(request: Request, session: DbSession, client: SignedPartner) -> PartnerCaller:
    caller = partners.authenticate(session, client, token=bearer_token(request))
    request.state.partner = caller
    return caller


PartnerClient = Annotated[PartnerCaller, Depends(partner_caller)]


def idempotent(request: Request, response: Response, session: DbSession,
               caller: PartnerCaller, *, key: str, body: bytes, status_code: int,
               run: Callable[[], Any]) -> Any:
    """Answer a POST once per Idempotency-Key: the kept answer for a retry of the same
    request (``Idempotent-Replayed: true``), else ``run()``'s answer, kept."""
    endpoint = request.method + " " + getattr(request.scope.get("route"), "path",
                                              request.url.path)
    kept = partners.kept_answer(session, caller.partner_id, key=key, endpoint=endpoint,
                                body=body)
    if kept is not None:
        response.status_code = kept.status_code
        response.headers["Idempotent-Replayed"] = "true"
        return kept.content
    content = jsonable_encoder(run())
    partners.keep_answer(session, caller.partner_id, key=key, endpoint=endpoint, body=body,
                         status_code=status_code, content=content)
    response.status_code = status_code
    return content


__all__ = ["IdempotencyKey", "PartnerClient", "PartnerRoute", "RawBody", "SignedPartner",
           "idempotent", "raw_body"]
