"""What the customer said in a voice note, for the labels of their message.

A `message.received` event carries a voice note's caption only (none, on WhatsApp): the
transcript is made later, by the responder, before it answers (docs/answering.md#voice-notes),
and stored on the message as the attachment's `media_text`. The bot's reply (`reply.sent`) is
published after that, on the same conversation's key: when the enricher handles the reply, the
transcript of the message it answers is in MongoDB, and the customer's turn is labelled then.
"""

from collections.abc import Sequence

from shared.conversations.collections import MESSAGES
from shared.events import Author, ReplySent
from shared.mongo import Database


async def heard(db: Database, replies: Sequence[ReplySent]) -> dict[str, str]:
    """The transcript of the customer message each bot reply answers, by the reply's event id;
    replies to messages without a transcribed voice note are left out."""
    answering = {r.in_reply_to: r.event_id for r in replies if r.author is Author.BOT}
    if not answering:
        return {}
    found = db[MESSAGES].find(
        {"_id": {"$in": list(answering)}, "media.media_text": {"$type": "string"}},
        {"text": 1, "media": 1},
    )
    transcripts: dict[str, str] = {}
    async for message in found:
        words = [
            str(media["media_text"])
            for media in message.get("media") or []
            # an audio attachment's media_text is its transcript (a photo's is its OCR text)
            if str(media.get("detected_type")).startswith("audio/") and media.get("media_text")
        ]
        if words:
            said = " ".join([message.get("text") or "", *words]).strip()
            transcripts[answering[message["_id"]]] = said
    return transcripts
