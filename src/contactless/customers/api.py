"""Customer sign-in by one-time code, and the staff view of customers (scoped)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from contactless.customers import schemas
from contactless.customers import service as customers
from contactless.customers.web import CurrentCustomer
from contactless.identity.web import CurrentStaff, sign_in_refusal
from contactless.platform.errors import ContactlessError
from contactless.web.deps import DbSession, KernelDep
from contactless.web.errors import problem_response
from contactless.web.params import Offset

router = APIRouter(prefix="/api/v1", tags=["customers"])


@router.post("/customer-auth/otp", response_model=schemas.OtpSent, status_code=202)
def send_code(body: schemas.OtpRequest, session: DbSession) -> Any:
    """Send a sign-in code by text; answers the same whether or not the number is a customer."""
    return schemas.OtpSent(resend_after=customers.request_sign_in_code(session, mobile=body.mobile))


@router.post("/customer-auth/verify", response_model=schemas.CustomerToken)
def verify_code(request: Request, body: schemas.OtpVerify, session: DbSession,
                kernel: KernelDep) -> Any:
    try:
        actor = customers.complete_sign_in(session, mobile=body.mobile, code=body.code,
                                           channel="api", anonymous_id=body.anonymous_id)
    except ContactlessError as error:
        return problem_response(request, sign_in_refusal(error))
    token = customers.issue_customer_token(session, actor)
    return schemas.CustomerToken(access_token=token,
                                 expires_in=kernel.settings.access_token_seconds,
                                 customer_id=uuid.UUID(actor.id))


@router.post("/customer-auth/logout", status_code=204)
def sign_out(session: DbSession, actor: CurrentCustomer) -> Response:
    """End this customer's tokens and sessions on every device."""
    customers.sign_out(session, actor)
    return Response(status_code=204)


@router.get("/customers/me", response_model=schemas.Customer)
def my_profile(session: DbSession, actor: CurrentCustomer) -> Any:
    return customers.get_customer(session, actor, customer_id=uuid.UUID(actor.id))


@router.get("/customers", response_model=schemas.CustomerPage)
def list_customers(
    session: DbSession, actor: CurrentStaff,
    mobile: Annotated[str | None, Query(json_schema_extra={"pattern": schemas.MOBILE})] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0,
) -> Any:
    items, total = customers.list_customers(session, actor, mobile=mobile, limit=limit,
                                            offset=offset)
    return schemas.CustomerPage(items=[schemas.Customer.model_validate(i) for i in items],
                                total=total)


@router.post("/customers", response_model=schemas.Customer, status_code=201)
def create_customer(body: schemas.CustomerCreate, session: DbSession, actor: CurrentStaff) -> Any:
    return customers.create_customer(session, actor, name=body.name, mobile=body.mobile,
                                     id_number=body.id_number, primary_rm_id=body.primary_rm_id)


@router.get("/customers/{customer_id}", response_model=schemas.Customer)
def get_customer(customer_id: uuid.UUID, session: DbSession, actor: CurrentStaff) -> Any:
    return customers.get_customer(session, actor, customer_id=customer_id)
