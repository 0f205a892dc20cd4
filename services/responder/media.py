"""Customers' own media: the photos and documents of a WhatsApp message, read as their words.

Each attachment whose declared type the knowledge extractors read (photos, PDFs, Word, Excel,
CSV, text) is downloaded from Twilio (`adapters/media.py`), its type is detected again from the
bytes, and its text is extracted with the knowledge extractors, OCR included, in a thread. The
text joins the customer's message as `[photo text: ...]` or `[document text: ...]` lines, both
for retrieval and for the model, and is stored on the message (`media[i].media_text`).

Voice notes, videos and other files are not downloaded at all. A message made only of media the
bot cannot read gets a polite reply, in the customer's language, saying what it can read, and a
person takes over (no model call); otherwise the answer to the rest of the message ends with
that note.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog

from services.responder.adapters.media import MediaFetcher, MediaTooLarge, MediaUnavailable
from shared.answering.draft import Draft, fit_for_whatsapp
from shared.answering.wording import Phrase, detect_language, phrase
from shared.events import HandOverReason, Media, MessageReceived
from shared.identity import masked
from shared.knowledge.detection import (
    CSV,
    DOCX,
    JPEG,
    MARKDOWN,
    PDF,
    PLAIN,
    PNG,
    WEBP,
    XLSX,
    detect_type,
)
from shared.knowledge.extraction import ExtractionError, Limits, extract, full_text
from shared.stores.bot_settings import Language

log = structlog.get_logger(__name__)

IMAGES = frozenset({JPEG, PNG, WEBP})
READABLE = IMAGES | {PDF, DOCX, XLSX, CSV, PLAIN, MARKDOWN}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "text/x-markdown": MARKDOWN}
MEDIA_TEXT_MAX_CHARS = 2000  # per attachment, in the prompt and on the stored message
MAX_PAGES = 20  # a customer's PDF; OCR of scanned pages takes seconds each


class MediaStatus(StrEnum):
    READ = "read"
    NO_TEXT = "no_text"  # a photo without legible text (a damaged parcel, a face)
    UNSUPPORTED = "unsupported"  # a voice note, a video, a type the extractors do not read
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"  # the download failed, or the file is damaged or empty


@dataclass(frozen=True)
class MediaResult:
    url: str
    content_type: str  # as Twilio declared it
    status: MediaStatus
    text: str | None = None
    detected_type: str | None = None  # from the bytes

    def stored(self, keep_media: bool = True) -> dict[str, Any]:
        """The attachment as kept on the customer's message; without `keep_media` (a store's
        privacy setting) one whose text was read keeps that text and no link to the file."""
        kept = {
            "content_type": self.content_type,
            "status": self.status.value,
            "detected_type": self.detected_type,
            "media_text": self.text,
        }
        if keep_media or self.status is not MediaStatus.READ:
            kept["url"] = self.url
        return kept


def customer_words(text: str, media: Sequence[Mapping[str, Any]]) -> str:
    """The message as the bot reads it: its text, then the text of each attachment read
    (stored attachments, or `MediaResult.stored()`)."""
    lines = [text] if text.strip() else []
    for attachment in media:
        media_text = attachment.get("media_text")
        if not media_text:
            continue
        kind = "photo" if attachment.get("detected_type") in IMAGES else "document"
        # Brackets belong to the label alone, so a file cannot close it and write after it.
        clean = " ".join(str(media_text).split()).replace("[", "(").replace("]", ")")
        lines.append(f"[{kind} text: {clean}]")
    return "\n".join(lines)


def with_media_text(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored messages with the text of their attachments joined to their own."""
    return [
        {**message, "text": customer_words(message.get("text") or "", message.get("media") or [])}
        for message in history
    ]


@dataclass(frozen=True)
class SeenMedia:
    """What was read of one message's attachments."""

    results: tuple[MediaResult, ...] = ()
    max_megabytes: int = 10  # named in the "too large" note

    def stored(self, keep_media: bool = True) -> list[dict[str, Any]]:
        return [result.stored(keep_media) for result in self.results]

    def question_text(self, text: str) -> str:
        return customer_words(text, self.stored())

    def language(self, text: str, default: Language) -> Language:
        return detect_language(self.question_text(text), default)

    @property
    def unread(self) -> list[MediaResult]:
        return [r for r in self.results if r.status is not MediaStatus.READ]

    def reply_alone(self, text: str, default: Language) -> Draft | None:
        """The reply when nothing in the message can be read (no text, no media text): say
        what the bot reads and let a person look at the media. None when there is more."""
        if not self.unread or self.question_text(text).strip():
            return None
        language = self.language(text, default)
        note = cannot_read_note(self.unread, language, self.max_megabytes)
        return Draft(
            text=fit_for_whatsapp(f"{note}\n\n{phrase(language, Phrase.TEAM_FOLLOWS)}"),
            hand_over=HandOverReason.MISSING_KNOWLEDGE,
        )

    def noted(self, draft: Draft, text: str, default: Language) -> Draft:
        """The answer to the rest of the message, ending with what could not be read."""
        if not self.unread:
            return draft
        note = cannot_read_note(self.unread, self.language(text, default), self.max_megabytes)
        return draft.model_copy(update={"text": fit_for_whatsapp(f"{draft.text}\n\n{note}")})


_CANNOT: dict[Language, dict[str, str]] = {
    Language.ID: {
        "audio": "Maaf, saya belum bisa mendengarkan pesan suara.",
        "video": "Maaf, saya belum bisa memutar video.",
        "other": "Maaf, saya belum bisa membuka jenis file ini.",
        MediaStatus.TOO_LARGE: "Maaf, file Anda terlalu besar untuk saya baca (maksimal {mb} MB).",
        MediaStatus.UNREADABLE: "Maaf, file Anda tidak bisa saya buka.",
        MediaStatus.NO_TEXT: "Saya tidak menemukan tulisan yang bisa dibaca di foto Anda.",
        "can_read": "Saya bisa membaca pesan teks, foto (JPG, PNG, WEBP) dan dokumen "
        "(PDF, Word, Excel).",
    },
    Language.EN: {
        "audio": "Sorry, I can't listen to voice messages yet.",
        "video": "Sorry, I can't play videos yet.",
        "other": "Sorry, I can't open this type of file yet.",
        MediaStatus.TOO_LARGE: "Sorry, your file is too large for me to read (at most {mb} MB).",
        MediaStatus.UNREADABLE: "Sorry, I couldn't open your file.",
        MediaStatus.NO_TEXT: "I couldn't find any readable text in your photo.",
        "can_read": "I can read text messages, photos (JPG, PNG, WEBP) and documents "
        "(PDF, Word, Excel).",
    },
}


def cannot_read_note(unread: Sequence[MediaResult], language: Language, max_mb: int) -> str:
    """One sentence per kind of attachment not read, then what the bot can read."""
    texts = _CANNOT[language]
    kinds = dict.fromkeys(_kind(result) for result in unread)
    sentences = [texts[kind].format(mb=max_mb) for kind in kinds]
    return " ".join([*sentences, texts["can_read"]])


def _kind(result: MediaResult) -> str:
    if result.status is not MediaStatus.UNSUPPORTED:
        return result.status
    family = result.content_type.split("/", 1)[0]
    return family if family in ("audio", "video") else "other"


def declared_type(media: Media) -> str:
    """Twilio's MediaContentType without parameters, with common aliases resolved."""
    base = media.content_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


class MediaReader:
    def __init__(self, fetcher: MediaFetcher, max_bytes: int) -> None:
        self._fetcher = fetcher
        self._max_bytes = max_bytes
        self._limits = Limits(max_bytes=max_bytes, max_pages=MAX_PAGES)

    @property
    def max_megabytes(self) -> int:
        return max(1, round(self._max_bytes / (1024 * 1024)))

    async def read(self, event: MessageReceived) -> SeenMedia:
        results = [await self._one(event.store_id, media) for media in event.media]
        if results:
            log.info(
                "customer media read",
                conversation=masked(event.conversation_id),
                statuses=[r.status.value for r in results],
            )
        return SeenMedia(tuple(results), self.max_megabytes)

    async def forget(self, store_id: str, seen: SeenMedia) -> None:
        """Delete at Twilio the files whose text was read (a store keeping no media). A file
        not deleted (Twilio unreachable) is logged and left to Twilio's own retention."""
        for result in seen.results:
            if result.status is not MediaStatus.READ or not result.url:
                continue  # unread, or a Cloud API file (a media id: Meta deletes it in 30 days)
            try:
                await self._fetcher.delete(store_id, result.url)
            except MediaUnavailable as error:
                log.warning("customer media not deleted at Twilio", why=str(error))

    async def _one(self, store_id: str, media: Media) -> MediaResult:
        declared = declared_type(media)
        if declared not in READABLE:  # voice notes and videos are never downloaded
            return MediaResult(media.url, media.content_type, MediaStatus.UNSUPPORTED)
        try:
            data = await self._fetcher.fetch(store_id, media, self._max_bytes)
        except MediaTooLarge:
            return MediaResult(media.url, media.content_type, MediaStatus.TOO_LARGE)
        except MediaUnavailable as error:
            log.warning("customer media not downloaded", why=str(error))
            return MediaResult(media.url, media.content_type, MediaStatus.UNREADABLE)
        return await asyncio.to_thread(self._extract, media, data)

    def _extract(self, media: Media, data: bytes) -> MediaResult:
        """Blocking: type detection, parsing and OCR."""
        try:
            detected = detect_type(data)
        except ExtractionError:
            return MediaResult(media.url, media.content_type, MediaStatus.UNREADABLE)
        if detected not in READABLE:
            status = MediaStatus.UNSUPPORTED
            return MediaResult(media.url, media.content_type, status, None, detected)
        try:
            text = " ".join(full_text(extract(data, self._limits)).split())
        except ExtractionError as error:
            status = MediaStatus.NO_TEXT if detected in IMAGES else MediaStatus.UNREADABLE
            log.info("customer media has no readable text", why=str(error))
            return MediaResult(media.url, media.content_type, status, None, detected)
        return MediaResult(
            media.url,
            media.content_type,
            MediaStatus.READ,
            _bounded(text),
            detected,
        )


def _bounded(text: str) -> str:
    if len(text) <= MEDIA_TEXT_MAX_CHARS:
        return text
    cut = text[: MEDIA_TEXT_MAX_CHARS - 1]
    return cut[: cut.rfind(" ")] + "…" if " " in cut else cut + "…"
