"""A customer's voice note, played in the console: the file stays at the channel (Twilio, or
Meta's Graph API), and the console fetches it with the store's credentials when an agent presses
play, so the browser never sees a credential and Balas keeps no copy of the recording."""

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.conversations import find_conversation
from services.console.deps import Context
from shared.conversations.collections import MESSAGES
from shared.conversations.media_download import MediaFetcher, MediaTooLarge, MediaUnavailable
from shared.events import Media
from shared.stores.directory import StoreDirectory

router = APIRouter(include_in_schema=False)


@router.get("/stores/{store_id}/conversations/{conversation_id}/voice/{message_id}/{index}")
async def voice_note(
    conversation_id: str,
    message_id: str,
    index: int,
    store: StoreAccess,
    user: CurrentUser,
    context: Context,
) -> Response:
    if await find_conversation(context.db, store.id, conversation_id) is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    message = await context.db[MESSAGES].find_one(
        {"_id": message_id, "conversation_id": conversation_id, "direction": "inbound"},
        {"media": 1},
    )
    attachments = (message or {}).get("media") or []
    if not 0 <= index < len(attachments):
        raise HTTPException(status_code=404, detail="no such voice note")
    attachment = attachments[index]
    content_type = str(attachment.get("content_type") or "")
    if not content_type.lower().startswith("audio/"):
        raise HTTPException(status_code=404, detail="no such voice note")
    if not attachment.get("url") and not attachment.get("id"):
        # a store keeping no customers' media: the file was deleted once transcribed
        raise HTTPException(status_code=410, detail="the recording is no longer kept")
    media = Media(
        url=attachment.get("url") or "", content_type=content_type, id=attachment.get("id")
    )
    fetcher = MediaFetcher(context.settings, StoreDirectory(context.db), context.secrets)
    try:
        data = await fetcher.fetch(
            store.id, media, context.settings.limits.customer_media_max_bytes
        )
    except MediaTooLarge:
        raise HTTPException(status_code=413, detail="the recording is too large to play") from None
    except MediaUnavailable as error:
        raise HTTPException(
            status_code=502, detail=f"the recording could not be fetched: {error}"
        ) from None
    return Response(
        data,
        media_type=content_type,
        # private: one agent's browser may keep it for a replay, no shared cache may
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
