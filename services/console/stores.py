"""Stores as admins see them: never a secret, only whether one is set."""

from fastapi import APIRouter
from pydantic import BaseModel

from services.console.deps import Context
from shared.mongo import STORES
from shared.stores import Store

router = APIRouter(prefix="/stores", tags=["stores"])


class StoreView(BaseModel):
    id: str
    name: str
    whatsapp_number: str
    timezone: str
    woocommerce_url: str | None

    @classmethod
    def of(cls, store: Store) -> "StoreView":
        return cls(
            id=store.id,
            name=store.name,
            whatsapp_number=store.whatsapp_number,
            timezone=store.timezone,
            woocommerce_url=store.woocommerce.url if store.woocommerce else None,
        )


@router.get("")
async def list_stores(context: Context) -> list[StoreView]:
    documents = context.db[STORES].find({}).sort("_id")
    return [StoreView.of(Store.model_validate(document)) async for document in documents]
