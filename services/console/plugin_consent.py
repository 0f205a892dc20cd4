"""Consent collected by the store's WordPress plugin at checkout: the plugin calls
`POST /api/stores/{id}/consent` with the store's plugin token (wordpress.py) and the boxes the
customer ticked, with their exact wording (docs/notifications.md)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from pydantic import AwareDatetime, BaseModel, Field

from services.console.deps import Context
from services.console.wordpress import PluginStore, plugin_body
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State, Wording
from shared.events import utcnow
from shared.phones import normalise, store_country

CONSENT_PATH = "/api/stores/{store_id}/consent"

router = APIRouter(tags=["wordpress"])  # on the app: the plugin token only


class CheckoutConsent(BaseModel):
    """The plugin's report of one checkout's consent boxes. `reference` names the checkout
    (the order's number), so a repeated call records nothing twice."""

    phone: Annotated[str, Field(min_length=3, max_length=40)]
    purposes: list[Purpose] = Field(min_length=1)
    state: State = State.GRANTED
    wording: Wording
    reference: Annotated[str, Field(pattern=r"^[0-9A-Za-z._:-]{1,64}$")]
    at: AwareDatetime | None = None  # when the customer ticked; default: now


class RecordedConsent(BaseModel):
    phone: str  # E.164
    recorded: int  # records made now; 0 when this checkout was reported before
    at: datetime


@router.post(CONSENT_PATH)
async def record_checkout_consent(
    request: Request, store: PluginStore, context: Context
) -> RecordedConsent:
    """Record the consent a customer gave at the store's checkout."""
    body = await plugin_body(request, CheckoutConsent)
    phone = normalise(body.phone, store_country(store))
    if phone is None:
        raise HTTPException(status_code=422, detail="phone is not a valid phone number")
    change = Change(
        purposes=body.purposes, state=body.state, source=Source.CHECKOUT, wording=body.wording
    )
    at = body.at or utcnow()
    made = await records.apply(
        context.db, store.id, phone, change, key=f"checkout:{body.reference}", at=at
    )
    return RecordedConsent(phone=phone, recorded=len(made), at=at)
