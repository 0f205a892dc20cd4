"""Which customers' audio files the transcription endpoint takes, and how long a voice note is.

WhatsApp voice notes are OGG/Opus (`audio/ogg; codecs=opus`). OpenAI's endpoint, and the Whisper
servers that copy it, take OGG, MP3, MP4/M4A, WAV, WebM and FLAC; AMR and AAC files (some older
phones) are not among them and get a clear answer instead.

An OGG/Opus file's length is cheap to read: the last page's granule position counts 48 kHz
samples, less the pre-skip that the `OpusHead` packet names. Other formats are limited by size.
"""

import struct

# Declared content type (without parameters) -> the file name's extension the endpoint expects.
TRANSCRIBABLE = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/webm": "webm",
    "audio/flac": "flac",
}
OGG_MAGIC = b"OggS"
_OPUS_HEAD = b"OpusHead"
_OPUS_RATE = 48_000


def is_audio(content_type: str) -> bool:
    return content_type.startswith("audio/")


def opus_seconds(data: bytes) -> float | None:
    """The length of an OGG/Opus file, or None when it is not one (or too damaged to tell)."""
    head = data.find(_OPUS_HEAD)
    last_page = data.rfind(OGG_MAGIC)
    if not data.startswith(OGG_MAGIC) or head < 0 or last_page < 0:
        return None
    header = data[last_page : last_page + 14]
    pre_skip_bytes = data[head + 10 : head + 12]
    if len(header) < 14 or len(pre_skip_bytes) < 2:
        return None
    granule: int = struct.unpack("<q", header[6:14])[0]
    pre_skip: int = struct.unpack("<H", pre_skip_bytes)[0]
    return max(0, granule - pre_skip) / _OPUS_RATE
