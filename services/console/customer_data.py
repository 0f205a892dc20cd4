"""A conversation's customer: their data exported, or erased (owners only; docs/privacy.md).

The erasure asks for the customer's number typed again (`confirm`), as a form field so the
conversation page's button posts it as it is; API clients post the same form.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request, Response
from pydantic import BaseModel

from services.console.deps import Authorized, Context, ExistingStore, OwnerOnly
from shared.identity import customer_number, masked
from shared.phones import normalise
from shared.privacy import export as exports
from shared.privacy.customer import Customer, find_customer
from shared.privacy.erasure import erase
from shared.stores.directory import Store

router = APIRouter(
    prefix="/stores/{store_id}/conversations/{conversation_id}",
    tags=["customer data"],
    dependencies=[OwnerOnly],
)


class Erased(BaseModel):
    removed: dict[str, int]  # collection -> documents, as the erasure ledger keeps them


async def _customer(context: Context, store: Store, conversation_id: str) -> Customer:
    if not conversation_id.startswith(f"{store.id}:"):
        raise HTTPException(status_code=404, detail="no such conversation")
    return await find_customer(context.db, store.id, customer_number(conversation_id))


@router.get("/export")
async def export_customer(
    conversation_id: str,
    store: ExistingStore,
    context: Context,
    format: Literal["json", "html"] = "json",
) -> Response:
    """Everything Balas holds about the conversation's customer, as a download."""
    exported = await exports.export(context.db, await _customer(context, store, conversation_id))
    name = f"customer-{masked(exported['phone']).removeprefix('h:')}.{format}"
    body, media_type = (
        (exports.as_html(exported), "text/html")
        if format == "html"
        else (exports.as_json(exported), "application/json")
    )
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/erasure")
async def erase_customer(
    conversation_id: str,
    confirm: Annotated[str, Form(description="The customer's number, typed again.")],
    request: Request,
    response: Response,
    store: ExistingStore,
    context: Context,
    caller: Authorized,
) -> Erased:
    """Erase the conversation's customer everywhere; the KPI totals stay."""
    customer = await _customer(context, store, conversation_id)
    if normalise(confirm, customer.country) != customer.phone:
        raise HTTPException(status_code=422, detail="type the customer's number to confirm")
    requested_by = f"console:{caller.user.id}" if caller.user else "admin token"
    record = await erase(context.db, context.broker, customer, requested_by)
    if request.headers.get("HX-Request"):  # the conversation page: it is gone, back to the inbox
        response.headers["HX-Redirect"] = f"/stores/{store.id}/inbox"
    return Erased(removed=record.removed)
