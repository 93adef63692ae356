"""Customer home on the phone: "my products" (我的产品)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contactless.customers import service as customers
from contactless.web.deps import CurrentCustomer, DbSession
from contactless.web.templating import render

router = APIRouter(prefix="/m", include_in_schema=False)


@router.get("/products")
def my_products(request: Request, session: DbSession, actor: CurrentCustomer) -> Response:
    customer = customers.get_customer(session, actor, customer_id=uuid.UUID(actor.id))
    sections: list[dict[str, Any]] = []
    return render(request, "m/products.html", {"customer": customer, "sections": sections})
