"""Live updates for the inbox: Server-Sent Events from MongoDB change streams.

Each open console tab holds one change stream on the database, filtered to the `messages` and
`conversations` of its store (`fullDocument.store_id`, with `updateLookup` so delivery-status
updates carry it too). Every change becomes one `change` event naming the collection and the
conversation; static/console.js refreshes the affected partials. If the server cannot open a
change stream (a standalone MongoDB), the stream falls back to a `refresh` event every
POLL_SECONDS, which makes the page reload its partials: slower, but never stale for long.
Either way the stream re-checks its session every few seconds and ends with `signed_out` when
it was logged out, expired, or lost the store. It also ends when the console stops
(`app.state.stopping`, set by SIGINT or SIGTERM): the server waits for open responses before it
exits, and a stream never finishes by itself, so an open tab would hold a Ctrl-C until the
supervisor's grace period ran out. The browser reconnects once the console is back.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pymongo.errors import PyMongoError

from services.console.auth.deps import CurrentSession, StoreAccess
from services.console.auth.sessions import SessionStore
from services.console.auth.users import UserDirectory
from services.console.deps import Context
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database
from shared.settings import Settings

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)

AWAIT_MS = 500  # how long one getMore waits: also how soon a closed tab is noticed
HEARTBEAT_SECONDS = 15.0  # keeps proxies from closing an idle stream
POLL_SECONDS = 2.0
SESSION_CHECK_SECONDS = 3.0  # how soon a logout or an expired session ends an open stream

StillSignedIn = Callable[[], Awaitable[bool]]


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _pipeline(store_id: str) -> list[dict[str, Any]]:
    return [
        {
            "$match": {
                "ns.coll": {"$in": [MESSAGES, CONVERSATIONS]},
                "operationType": {"$in": ["insert", "update", "replace"]},
                "fullDocument.store_id": store_id,
            }
        },
        {"$project": {"ns": 1, "documentKey": 1, "fullDocument.conversation_id": 1}},
    ]


def _change(change: dict[str, Any]) -> dict[str, Any]:
    collection = change["ns"]["coll"]
    if collection == CONVERSATIONS:
        conversation_id = change["documentKey"]["_id"]
    else:
        conversation_id = (change.get("fullDocument") or {}).get("conversation_id")
    return {"collection": collection, "conversation_id": conversation_id}


def still_signed_in(
    db: Database, settings: Settings, session_id: str, store_id: str
) -> StillSignedIn:
    """Whether the stream's session is still live, its user enabled and still one of the
    store's. It does not count as use: an open tab alone never keeps a session from idling out."""

    async def check() -> bool:
        session = await SessionStore(db, settings).find(session_id, touch=False)
        if session is None:
            return False
        user = await UserDirectory(db).by_id(session.user_id)
        return user is not None and not user.disabled and user.may_access(store_id)

    return check


async def live_events(
    db: Database, store_id: str, signed_in: StillSignedIn, stopping: asyncio.Event
) -> AsyncIterator[str]:
    """The stream's events; it ends with `signed_out` once `signed_in` says no (logout, expiry),
    checked every SESSION_CHECK_SECONDS, and static/console.js then goes to the login page. It
    ends without a word once `stopping` is set (the console is shutting down)."""
    yield "retry: 1000\n\n"  # the browser reconnects after a second if the stream breaks
    try:
        stream = await db.watch(
            _pipeline(store_id), full_document="updateLookup", max_await_time_ms=AWAIT_MS
        )
    except PyMongoError as error:
        log.warning("change stream unavailable, polling instead", error=str(error))
        while await signed_in():
            yield _event("refresh", {})
            if await _stopped_within(stopping, POLL_SECONDS):
                return
        yield _event("signed_out", {})
        return
    loop = asyncio.get_running_loop()
    quiet_since = checked_at = loop.time()
    async with stream:
        yield _event("ready", {})
        while not stopping.is_set():  # each getMore waits at most AWAIT_MS
            if loop.time() - checked_at >= SESSION_CHECK_SECONDS:
                if not await signed_in():
                    yield _event("signed_out", {})
                    return
                checked_at = loop.time()
            change = await stream.try_next()
            if change is not None:
                yield _event("change", _change(change))
                quiet_since = loop.time()
            elif loop.time() - quiet_since > HEARTBEAT_SECONDS:
                yield ": heartbeat\n\n"
                quiet_since = loop.time()


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


@router.get("/stores/{store_id}/stream")
async def stream(
    request: Request, store: StoreAccess, session: CurrentSession, context: Context
) -> StreamingResponse:
    signed_in = still_signed_in(context.db, context.settings, session.session_id, store.id)
    stopping: asyncio.Event = request.app.state.stopping
    return StreamingResponse(
        live_events(context.db, store.id, signed_in, stopping),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
