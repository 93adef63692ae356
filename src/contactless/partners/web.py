"""The partner caller as a web dependency: the request's signature first, then its token.
A refusal is logged with the client id it claimed, so the bank sees who is knocking."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request, Response

from contactless.partners import service as partners
from contactless.partners.service import PartnerCaller, SignedClient, SignedRequest
from contactless.platform.errors import ContactlessError
from contactless.web.deps import DbSession, bearer_token, client_ip

log = structlog.get_logger("contactless.partners")


async def raw_body(request: Request) -> bytes:
    # read here (async) so the signature covers the bytes exactly as they came
    return await request.body()


def signed_client(request: Request, response: Response, session: DbSession,
                  body: Annotated[bytes, Depends(raw_body)]) -> SignedClient:
    """The verified client, its call counted against the endpoint's per-minute limit (the
    X-RateLimit-* headers go on the answer)."""
    query = request.url.query
    headers = request.headers
    signed = SignedRequest(
        method=request.method, target=request.url.path + (f"?{query}" if query else ""),
        body=body, client_id=headers.get("x-client-id"), timestamp=headers.get("x-timestamp"),
        nonce=headers.get("x-nonce"), signature=headers.get("x-signature"),
        address=client_ip(request))
    endpoint = getattr(request.scope.get("route"), "path", request.url.path)
    try:
        client = partners.verify_signed(session, signed)
        window = partners.count_call(session, client, endpoint=endpoint)
    except ContactlessError as error:
        log.warning("partner_call_refused", client_id=(signed.client_id or "")[:40],
                    code=error.code, path=request.url.path)
        raise
    response.headers.update(window.headers())
    return client


SignedPartner = Annotated[SignedClient, Depends(signed_client)]


def partner_caller(request: Request, session: DbSession, client: SignedPartner) -> PartnerCaller:
    try:
        caller = partners.authenticate(session, client, token=bearer_token(request))
    except ContactlessError as error:
        log.warning("partner_call_refused", client_id=client.client_id,
                    partner_id=str(client.partner_id), code=error.code, path=request.url.path)
        raise
    request.state.partner = caller
    return caller


PartnerClient = Annotated[PartnerCaller, Depends(partner_caller)]
