"""Customers' own media: the photos and documents of a WhatsApp message, read as their words.

Each attachment whose declared type the knowledge extractors read (photos, PDFs, Word, Excel,
CSV, text) is downloaded from the channel (`shared/conversations/media_download.py`), its type
is detected again from the bytes, and its text is extracted with the knowledge extractors, OCR
included, in a thread. The text joins the customer's message as `[photo text: ...]` or
`[document text: ...]` lines, both for retrieval and for the model, and is stored on the
message (`media[i].media_text`).

With a transcription endpoint configured (TRANSCRIPTION_BASE_URL), a voice note is downloaded
the same way, checked for size, format and length (`audio.py`), and transcribed with a language
hint (`adapters/transcription.py`); the transcript joins the message as the customer's own words,
stored as the attachment's `media_text`. This happens in the message's handler, before the
answer: the bot never answers a voice note before hearing it.

Videos and other files are not downloaded at all, nor voice notes without an endpoint. A message
made only of media the bot cannot read gets a polite reply, in the customer's language, saying
what it can read, and a person takes over (no model call); otherwise the answer to the rest of
the message ends with that note. A voice note that could not be transcribed always gets a person.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import structlog

from services.responder.adapters.transcription import Transcriber, TranscriptionFailed
from services.responder.audio import OGG_MAGIC, TRANSCRIBABLE, is_audio, opus_seconds
from services.responder.metrics import VOICE_NOTES
from shared.answering.draft import Draft, fit_for_whatsapp
from shared.answering.wording import Phrase, detect_language, phrase
from shared.conversations.media_download import MediaFetcher, MediaTooLarge, MediaUnavailable
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
# Kinds without a format (Messenger's and Instagram's attachments): the type is detected from the
# downloaded file.
DETECTED = {"image/*", "application/*"}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "text/x-markdown": MARKDOWN}
MEDIA_TEXT_MAX_CHARS = 2000  # per attachment, in the prompt and on the stored message
MAX_PAGES = 20  # a customer's PDF; OCR of scanned pages takes seconds each


class MediaStatus(StrEnum):
    READ = "read"
    NO_TEXT = "no_text"  # a photo without legible text (a damaged parcel, a face)
    UNSUPPORTED = "unsupported"  # a voice note unheard, a video, a type the extractors don't read
    AUDIO_FORMAT = "audio_format"  # audio the transcription endpoint does not take (AMR, AAC)
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"  # a voice note longer than TRANSCRIPTION_MAX_SECONDS
    NOT_TRANSCRIBED = "not_transcribed"  # the endpoint refused it, timed out or heard no words
    UNREADABLE = "unreadable"  # the download failed, or the file is damaged or empty


@dataclass(frozen=True)
class MediaResult:
    url: str
    content_type: str  # as Twilio declared it
    status: MediaStatus
    text: str | None = None
    detected_type: str | None = None  # from the bytes
    media_id: str | None = None  # a Cloud API attachment's id at the Graph API

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
            if self.media_id:
                kept["id"] = self.media_id  # the console plays a Cloud API voice note by it
        return kept


def customer_words(text: str, media: Sequence[Mapping[str, Any]]) -> str:
    """The message as the bot reads it: its text, then the text of each attachment read
    (stored attachments, or `MediaResult.stored()`)."""
    lines = [text] if text.strip() else []
    for attachment in media:
        media_text = attachment.get("media_text")
        if not media_text:
            continue
        if is_audio(str(attachment.get("detected_type"))):
            lines.append(" ".join(str(media_text).split()))  # what the customer said
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
    max_minutes: int = 5  # named in the "too long" note

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
        note = self._note(language)
        return Draft(
            text=fit_for_whatsapp(f"{note}\n\n{phrase(language, Phrase.TEAM_FOLLOWS)}"),
            hand_over=self._failure or HandOverReason.MISSING_KNOWLEDGE,
        )

    def noted(self, draft: Draft, text: str, default: Language) -> Draft:
        """The answer to the rest of the message, ending with what could not be read."""
        if not self.unread:
            return draft
        note = self._note(self.language(text, default))
        update: dict[str, Any] = {"text": fit_for_whatsapp(f"{draft.text}\n\n{note}")}
        if draft.hand_over is None and self._failure is not None:
            update["hand_over"] = self._failure
        return draft.model_copy(update=update)

    @property
    def _failure(self) -> HandOverReason | None:
        """A voice note the endpoint could not transcribe: a person listens to it."""
        failed = any(r.status is MediaStatus.NOT_TRANSCRIBED for r in self.results)
        return HandOverReason.TOOL_FAILURE if failed else None

    def _note(self, language: Language) -> str:
        return cannot_read_note(self.unread, language, self.max_megabytes, self.max_minutes)


_CANNOT: dict[Language, dict[str, str]] = {
    Language.ID: {
        "audio": "Maaf, saya belum bisa mendengarkan pesan suara.",
        "video": "Maaf, saya belum bisa memutar video.",
        "other": "Maaf, saya belum bisa membuka jenis file ini.",
        MediaStatus.AUDIO_FORMAT: "Maaf, saya belum bisa mendengarkan format audio ini "
        "(pesan suara WhatsApp, MP3, M4A dan WAV bisa).",
        MediaStatus.TOO_LONG: "Maaf, pesan suara Anda terlalu panjang untuk saya dengarkan "
        "(maksimal {minutes} menit).",
        MediaStatus.NOT_TRANSCRIBED: "Maaf, pesan suara Anda tidak bisa saya dengarkan dengan "
        "jelas saat ini.",
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
        MediaStatus.AUDIO_FORMAT: "Sorry, I can't listen to this audio format yet "
        "(WhatsApp voice notes, MP3, M4A and WAV work).",
        MediaStatus.TOO_LONG: "Sorry, your voice note is too long for me to listen to "
        "(at most {minutes} minutes).",
        MediaStatus.NOT_TRANSCRIBED: "Sorry, I couldn't make out your voice note just now.",
        MediaStatus.TOO_LARGE: "Sorry, your file is too large for me to read (at most {mb} MB).",
        MediaStatus.UNREADABLE: "Sorry, I couldn't open your file.",
        MediaStatus.NO_TEXT: "I couldn't find any readable text in your photo.",
        "can_read": "I can read text messages, photos (JPG, PNG, WEBP) and documents "
        "(PDF, Word, Excel).",
    },
}


def cannot_read_note(
    unread: Sequence[MediaResult], language: Language, max_mb: int, max_minutes: int = 5
) -> str:
    """One sentence per kind of attachment not read, then what the bot can read."""
    texts = _CANNOT[language]
    kinds = dict.fromkeys(_kind(result) for result in unread)
    sentences = [texts[kind].format(mb=max_mb, minutes=max_minutes) for kind in kinds]
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
    def __init__(
        self,
        fetcher: MediaFetcher,
        max_bytes: int,
        transcriber: Transcriber | None = None,
        max_seconds: int = 300,
    ) -> None:
        self._fetcher = fetcher
        self._max_bytes = max_bytes
        self._limits = Limits(max_bytes=max_bytes, max_pages=MAX_PAGES)
        self._transcriber = transcriber  # None: voice notes are not downloaded
        self._max_seconds = max_seconds

    @property
    def max_megabytes(self) -> int:
        return max(1, round(self._max_bytes / (1024 * 1024)))

    def hears_voice(self, event: MessageReceived) -> bool:
        """Whether `event` has a voice note this reader transcribes (it then wants a language)."""
        voiced = any(is_audio(declared_type(media)) for media in event.media)
        return voiced and self._transcriber is not None

    async def read(self, event: MessageReceived, language: Language) -> SeenMedia:
        """Every attachment of `event`, voice notes heard as spoken in `language` (a hint)."""
        results = [
            replace(await self._one(event.store_id, media, language), media_id=media.id)
            for media in event.media
        ]
        if results:
            log.info(
                "customer media read",
                conversation=masked(event.conversation_id),
                statuses=[r.status.value for r in results],
            )
        return SeenMedia(tuple(results), self.max_megabytes, max(1, self._max_seconds // 60))

    async def forget(self, store_id: str, seen: SeenMedia) -> None:
        """Delete at Twilio the files whose text was read (a store keeping no media). A file
        not deleted (Twilio unreachable) is logged and left to Twilio's own retention."""
        for result in seen.results:
            if result.status is not MediaStatus.READ or not self._fetcher.at_twilio(result.url):
                # unread, a file at Meta (which deletes it itself), or an e-mail's attachment (it
                # stays in the store's mailbox, the store's to delete)
                continue
            try:
                await self._fetcher.delete(store_id, result.url)
            except MediaUnavailable as error:
                log.warning("customer media not deleted at Twilio", why=str(error))

    async def _one(self, store_id: str, media: Media, language: Language) -> MediaResult:
        declared = declared_type(media)
        if is_audio(declared) and self._transcriber is not None:
            heard = await self._hear(store_id, media, declared, language, self._transcriber)
            VOICE_NOTES.labels(heard.status.value).inc()
            return heard
        if declared not in READABLE | DETECTED:  # videos, and voice notes without an endpoint
            return MediaResult(media.url, media.content_type, MediaStatus.UNSUPPORTED)
        data = await self._download(store_id, media)
        if isinstance(data, MediaResult):
            return data
        return await asyncio.to_thread(self._extract, media, data)

    async def _download(self, store_id: str, media: Media) -> bytes | MediaResult:
        """The file's bytes, or what to say about a file not downloaded."""
        try:
            return await self._fetcher.fetch(store_id, media, self._max_bytes)
        except MediaTooLarge:
            return MediaResult(media.url, media.content_type, MediaStatus.TOO_LARGE)
        except MediaUnavailable as error:
            log.warning("customer media not downloaded", why=str(error))
            return MediaResult(media.url, media.content_type, MediaStatus.UNREADABLE)

    async def _hear(
        self,
        store_id: str,
        media: Media,
        declared: str,
        language: Language,
        transcriber: Transcriber,
    ) -> MediaResult:
        """A voice note's transcript. An endpoint that is down raises (the event waits)."""
        extension = TRANSCRIBABLE.get(declared)
        if extension is None:
            return MediaResult(media.url, media.content_type, MediaStatus.AUDIO_FORMAT)
        data = await self._download(store_id, media)
        if isinstance(data, MediaResult):
            return data
        if extension == "ogg" and not data.startswith(OGG_MAGIC):
            return MediaResult(media.url, media.content_type, MediaStatus.UNREADABLE)
        seconds = opus_seconds(data)
        if seconds is not None and seconds > self._max_seconds:
            return MediaResult(media.url, media.content_type, MediaStatus.TOO_LONG)
        try:
            text = await transcriber.transcribe(data, extension, language.value)
        except TranscriptionFailed as error:
            log.warning("voice note not transcribed", why=str(error))
            return MediaResult(media.url, media.content_type, MediaStatus.NOT_TRANSCRIBED)
        return MediaResult(
            media.url, media.content_type, MediaStatus.READ, _bounded(text), declared
        )

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
