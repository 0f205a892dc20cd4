"""Whether an interrupted send went out: the recovery of a send intent (a bot's or an agent's
reply, a CSAT survey or its thanks) whose earlier attempt failed or was cut short.

Twilio may have accepted that attempt although we saw an error, and may list the message only
seconds later, still queued. So its listing is read a few times, with pauses, before the intent
is taken as never sent. A message counts as this intent's when it went from the store's number
to the customer, Twilio created it since the intent was recorded (less the clock skew), it has
the intent's text (a template's text is Twilio's rendering: any text), and no stored message
already owns its SID: an earlier reply with the same text is someone else's. Of several, the
oldest is taken. docs/operations.md#a-reply-goes-out-once
"""

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel

from services.responder.adapters.twilio_sender import ListedMessage, TwilioSender
from shared.channels import Channel
from shared.conversations.collections import CSAT_SURVEYS, MESSAGES
from shared.mongo import Database

# Every place a sent message's SID is recorded: replies, surveys and their thanks.
SID_FIELDS = ((MESSAGES, "twilio_sid"), (CSAT_SURVEYS, "twilio_sid"), (CSAT_SURVEYS, "thanks_sid"))


class SendIntent(BaseModel):
    customer_number: str
    store_number: str
    text: str | None  # None: a template, whose text is Twilio's
    recorded_at: datetime


def sends_listed(channel: Channel) -> bool:
    """Whether an earlier attempt on `channel` can be looked up: Twilio lists what it sent; the
    Graph API and SMTP cannot be asked."""
    return channel is Channel.WHATSAPP


async def earlier_send(intent: SendIntent, twilio: TwilioSender, db: Database) -> str | None:
    """The SID of the message an earlier attempt of `intent` got to Twilio; None when Twilio
    has not listed one after its last look."""
    pacing = twilio.settings
    since = intent.recorded_at - timedelta(seconds=pacing.recovery_clock_skew_seconds)
    for look in range(pacing.recovery_listings):
        if look:
            await asyncio.sleep(pacing.recovery_pause_seconds)
        listed = await twilio.listed_since(
            to=intent.customer_number, sender=intent.store_number, since=since
        )
        matching = [m for m in listed if intent.text is None or m.body == intent.text]
        owned = await owned_sids(db, [m.sid for m in matching])
        unowned = [m for m in matching if m.sid not in owned]
        if unowned:
            return _oldest(unowned).sid
    return None


async def owned_sids(db: Database, sids: list[str]) -> set[str]:
    """Which of these Twilio SIDs a stored message, survey or thanks already carries."""
    if not sids:
        return set()
    owned: set[str] = set()
    for collection, field in SID_FIELDS:
        found = db[collection].find({field: {"$in": sids}}, {field: 1})
        owned |= {document[field] async for document in found}
    return owned


def _oldest(messages: list[ListedMessage]) -> ListedMessage:
    return min(messages, key=lambda message: message.created_at)
