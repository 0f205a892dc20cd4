"""Stores as admins see and onboard them: never a secret, only whether one is set.

POST onboards (or onboards again), PATCH changes some fields and re-runs the wiring they touch;
both answer the steps taken (shared/stores/onboarding.py) or 422 with the failed step.
"""

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Body, HTTPException, Response
from pydantic import BaseModel, ValidationError

from services.console.deps import Authorized, Context, ExistingStore, OwnerOnly, TokenOnly
from shared.stores.collections import STORES
from shared.stores.directory import Store, WordPressConnection
from shared.stores.fields import Onboarding, StoreChange
from shared.stores.onboarding import (
    OnboardingFailed,
    Outcome,
    Step,
    StoreNotFound,
    StoreOnboarding,
)

router = APIRouter(prefix="/stores", tags=["stores"])


class StoreView(BaseModel):
    id: str
    name: str
    whatsapp_number: str
    timezone: str
    currency: str
    default_country: str
    woocommerce_url: str | None
    woocommerce_connected: bool
    twilio: Literal["store", "global"]  # whose Twilio account serves the store
    plugin_token_created_at: datetime | None  # when the WordPress plugin's token was made
    wordpress: WordPressConnection | None  # the plugin's last connect call

    @classmethod
    def of(cls, store: Store) -> "StoreView":
        return cls(
            id=store.id,
            name=store.name,
            whatsapp_number=store.whatsapp_number,
            timezone=store.timezone,
            currency=store.currency,
            default_country=store.default_country,
            woocommerce_url=store.woocommerce.url if store.woocommerce else None,
            woocommerce_connected=store.woocommerce is not None,
            twilio="store" if store.twilio else "global",
            plugin_token_created_at=store.plugin_token.created_at if store.plugin_token else None,
            wordpress=store.wordpress,
        )


class OnboardingView(BaseModel):
    store: StoreView
    created: bool
    steps: list[Step]

    @classmethod
    def of(cls, outcome: Outcome) -> "OnboardingView":
        return cls(store=StoreView.of(outcome.store), created=outcome.created, steps=outcome.steps)


def _onboarding(context: Context) -> StoreOnboarding:
    return StoreOnboarding(context.settings, context.db, context.secrets)


JsonBody = Annotated[dict[str, Any], Body()]
M = TypeVar("M", bound=BaseModel)


def _parsed(model: type[M], body: dict[str, Any]) -> M:
    """Validated like FastAPI does, but a refused field's value is never echoed back: it may be
    a secret given in the wrong place."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = error.errors(include_input=False, include_url=False, include_context=False)
        detail = [{**problem, "loc": ("body", *problem["loc"])} for problem in problems]
        raise HTTPException(status_code=422, detail=detail) from None


def _refused(failure: OnboardingFailed) -> HTTPException:
    detail = {
        "step": failure.step.step,
        "reason": failure.step.detail,
        "steps": [step.model_dump() for step in failure.steps],
    }
    return HTTPException(status_code=422, detail=detail)


@router.get("")
async def list_stores(context: Context, caller: Authorized) -> list[StoreView]:
    """Every store for the admin token; a console user's own stores only."""
    mine = {} if caller.user is None else {"_id": {"$in": caller.user.store_ids}}
    documents = context.db[STORES].find(mine).sort("_id")
    return [StoreView.of(Store.model_validate(document)) async for document in documents]


@router.post("", status_code=201, dependencies=[TokenOnly])
async def onboard_store(body: JsonBody, context: Context, response: Response) -> OnboardingView:
    """Create the store (201) or onboard it again (200); nothing is saved when a step fails."""
    try:
        outcome = await _onboarding(context).onboard(_parsed(Onboarding, body))
    except OnboardingFailed as failure:
        raise _refused(failure) from failure
    if not outcome.created:
        response.status_code = 200
    return OnboardingView.of(outcome)


@router.get("/{store_id}")
async def get_store(store: ExistingStore) -> StoreView:
    return StoreView.of(store)


@router.patch("/{store_id}", dependencies=[OwnerOnly])
async def update_store(store_id: str, body: JsonBody, context: Context) -> OnboardingView:
    try:
        outcome = await _onboarding(context).update(store_id, _parsed(StoreChange, body))
    except StoreNotFound:
        raise HTTPException(status_code=404, detail=f"no store {store_id!r}") from None
    except OnboardingFailed as failure:
        raise _refused(failure) from failure
    return OnboardingView.of(outcome)
