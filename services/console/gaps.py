"""What customers asked that the knowledge could not answer, as suggested FAQ entries."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from services.console.deps import Context, ExistingStore
from services.console.gap_clusters import Gap, SuggestedEntry, suggest_entries
from shared.events import utcnow
from shared.knowledge.collections import KNOWLEDGE_GAPS

router = APIRouter(prefix="/stores/{store_id}/knowledge-gaps", tags=["knowledge"])

MOST_GAPS = 2000  # the newest ones; clustering is quadratic in their number


@router.get("")
async def suggested_entries(
    store: ExistingStore,
    context: Context,
    days: Annotated[int, Query(ge=1, le=365, description="How far back to look.")] = 30,
) -> list[SuggestedEntry]:
    since = utcnow() - timedelta(days=days)
    documents = (
        context.db[KNOWLEDGE_GAPS]
        .find({"store_id": store.id, "created_at": {"$gte": since}})
        .sort("created_at", -1)
        .limit(MOST_GAPS)
    )
    gaps = [
        Gap(
            question=document["question"],
            conversation_id=document["conversation_id"],
            asked_at=document["created_at"],
        )
        async for document in documents
    ]
    return suggest_entries(gaps)
