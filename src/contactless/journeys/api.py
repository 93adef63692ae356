"""The journeys JSON API (/api/v1/journeys): the mobile-banking app runs the same engine as the
/m pages. Step submissions take an Idempotency-Key header: a replay returns the first answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from contactless.customers import service as customers
from contactless.identity.web import CurrentStaff, sign_in_refusal
from contactless.journeys import schemas
from contactless.journeys import service as journeys
from contactless.journeys.web import JourneyActor
from contactless.platform.errors import ContactlessError
from contactless.platform.i18n import Translator
from contactless.web.deps import (
    DEVICE_COOKIE,
    DbSession,
    IdempotencyKey,
    KernelDep,
    locale_of,
    translator_of,
)
from contactless.web.errors import problem_response

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])
PUBLIC = frozenset({"/api/v1/journeys/catalog", "/api/v1/journeys/prospects/code",
                    "/api/v1/journeys/prospects/token"})
# step submissions carry their files as base64 JSON: they get the upload size cap
UPLOAD_PATHS = (r"/api/v1/journeys/[^/]+/steps/[^/]+",)


@router.get("/catalog", response_model=list[schemas.CatalogEntry])
def catalog(request: Request, session: DbSession) -> Any:
    """The journeys a customer can start (public: no sign-in)."""
    return journeys.journey_catalog(session, translator=translator_of(request))


@router.post("/prospects/code", status_code=202)
def prospect_code(body: schemas.ProspectCode, session: DbSession) -> dict[str, int]:
    """Send a one-time code to prove a mobile number before opening an account."""
    return {"resend_after": journeys.request_prospect_code(session, mobile=body.mobile)}


@router.post("/prospects/token", response_model=schemas.ProspectToken)
def prospect_token(request: Request, body: schemas.ProspectVerify, session: DbSession,
                   kernel: KernelDep) -> Any:
    """Exchange the code for a bearer token: a prospect token, or a customer access token when
    the number belongs to a customer."""
    try:
        actor = journeys.verify_prospect(session, mobile=body.mobile, code=body.code,
                                         channel="api")
    except ContactlessError as error:
        # answered without raising, so the refused code's audit entry is committed
        return problem_response(request, sign_in_refusal(error))
    if actor.kind == "customer":
        token = customers.issue_customer_token(session, actor)
    else:
        token = journeys.issue_prospect_token(session, actor)
    return schemas.ProspectToken(access_token=token,
                                 expires_in=kernel.settings.access_token_seconds)


@router.get("/analytics/{journey_key}", response_model=schemas.JourneyAnalytics)
def analytics(request: Request, journey_key: str, session: DbSession, actor: CurrentStaff,
              since: datetime | None = None, until: datetime | None = None) -> Any:
    """Funnel by step, median and p90 time to complete, drop-off, split by channel and QR."""
    return journeys.journey_analytics(session, actor, journey_key=journey_key,
                                      translator=translator_of(request), since=since, until=until)


@router.get("/reviews", response_model=list[schemas.ReviewView])
def reviews(request: Request, session: DbSession, actor: CurrentStaff,
            status: Annotated[str, Query(max_length=16)] = "pending") -> Any:
    return journeys.list_reviews(session, actor, status=status or None,
                                 translator=translator_of(request))


@router.post("/reviews/{review_id}/approve", response_model=schemas.ReviewView)
def approve(request: Request, review_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
            body: schemas.ReviewDecision | None = None) -> Any:
    return journeys.approve_review(session, actor, review_id=review_id,
                                   note=body.note if body else "",
                                   translator=translator_of(request))


@router.post("/reviews/{review_id}/reject", response_model=schemas.ReviewView)
def reject(request: Request, review_id: uuid.UUID, session: DbSession, actor: CurrentStaff,
           body: schemas.ReviewDecision | None = None) -> Any:
    return journeys.reject_review(session, actor, review_id=review_id,
                                  note=body.note if body else "", translator=translator_of(request))


@router.post("", response_model=schemas.JourneyView, status_code=201)
def start(request: Request, body: schemas.JourneyStart, session: DbSession,
          actor: JourneyActor) -> Any:
    """Start a journey (or resume the same one left open): the instance with its current step
    and that step's JSON Schema."""
    return journeys.start_journey(session, actor, journey_key=body.journey, params=body.params,
                                  qr_code_id=body.qr_code_id, campaign_id=body.campaign_id,
                                  translator=translator_of(request),
                                  device_id=request.cookies.get(DEVICE_COOKIE))


@router.get("", response_model=list[schemas.JourneyView])
def mine(request: Request, session: DbSession, actor: JourneyActor) -> Any:
    """Open journeys (to resume on this device) and recently finished ones."""
    return journeys.my_journeys(session, actor, translator=translator_of(request))


@router.get("/{journey_id}", response_model=schemas.JourneyView)
def get(request: Request, journey_id: uuid.UUID, session: DbSession,
        actor: JourneyActor) -> Any:
    return journeys.get_journey(session, actor, journey_id=journey_id,
                                translator=translator_of(request))


@router.post("/{journey_id}/steps/{step}", response_model=schemas.JourneyView)
def submit(request: Request, journey_id: uuid.UUID, step: str, session: DbSession,
           actor: JourneyActor, key: IdempotencyKey,
           body: Annotated[dict[str, Any] | None, Body()] = None) -> Any:
    """Submit the current step's answers (files as ``{"filename", "content_type",
    "content_base64"}``). The same Idempotency-Key with the same body returns the first answer
    and executes nothing again."""
    locale = locale_of(request)
    data = dict(body or {})
    uploads = {name: value for name, value in data.items()
               if isinstance(value, dict) and "content_base64" in value}
    for name in uploads:
        data.pop(name)
    files = journeys.decode_api_files(uploads)
    try:
        return journeys.submit_step(
            session, actor, journey_id=journey_id, step=step[:64], data=data, files=files,
            idempotency_key=key, translator=Translator.of(locale),
            ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"))
    except ContactlessError as error:
        # answered without raising: the step's own work was rolled back to its savepoint,
        # and what must stay (a refused code's audit entry) is committed
        return problem_response(request, error)


@router.post("/{journey_id}/cancel", response_model=schemas.JourneyView)
def cancel(request: Request, journey_id: uuid.UUID, session: DbSession,
           actor: JourneyActor) -> Any:
    return journeys.cancel_journey(session, actor, journey_id=journey_id,
                                   translator=translator_of(request))


@router.post("/{journey_id}/back", response_model=schemas.JourneyView)
def back(request: Request, journey_id: uuid.UUID, session: DbSession,
         actor: JourneyActor) -> Any:
    """The step before the current one, with the answers it was given."""
    return journeys.go_back(session, actor, journey_id=journey_id,
                            translator=translator_of(request))


@router.post("/{journey_id}/resend", status_code=202)
def resend(request: Request, journey_id: uuid.UUID, session: DbSession,
           actor: JourneyActor) -> dict[str, int]:
    return {"resend_after": journeys.resend_code(session, actor, journey_id=journey_id)}


@router.get("/{journey_id}/consents/{consent_id}/receipt.pdf",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def receipt(request: Request, journey_id: uuid.UUID, consent_id: uuid.UUID,
            session: DbSession, actor: JourneyActor) -> Response:
    """A PDF of exactly what was agreed to (text, version, SHA-256, time, address)."""
    found = journeys.consent_receipt(session, actor, consent_id=consent_id,
                                     journey_id=journey_id, translator=translator_of(request))
    return Response(found.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"'})
