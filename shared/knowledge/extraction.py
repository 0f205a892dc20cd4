"""Text from an uploaded knowledge document: bytes in, ordered sections out.

`extract` is synchronous and pure (no network, no database); it blocks for seconds on OCR, so
async callers run it in a thread. Every failure is an `ExtractionError` whose message is the
reason shown to admins as "failed: <reason>". The per-format readers live in `formats/`.
"""

from collections.abc import Callable

from shared.knowledge.detection import (
    CSV,
    DOCX,
    HTML,
    JPEG,
    MARKDOWN,
    PDF,
    PLAIN,
    PNG,
    WEBP,
    XLSX,
    decode_text,
    detect_type,
)
from shared.knowledge.document import (
    ExtractedDocument,
    ExtractionError,
    Limits,
    Section,
    UnsupportedType,
    full_text,
)
from shared.knowledge.formats.html import read_html
from shared.knowledge.formats.image import read_image
from shared.knowledge.formats.pdf import read_pdf
from shared.knowledge.formats.spreadsheet import read_csv, read_xlsx
from shared.knowledge.formats.text import read_markdown, read_plain
from shared.knowledge.formats.word import read_docx

__all__ = [
    "ExtractedDocument",
    "ExtractionError",
    "Limits",
    "Section",
    "UnsupportedType",
    "detect_type",
    "extract",
    "full_text",
]

_Reader = Callable[[bytes, Limits], list[Section]]
_READERS: dict[str, _Reader] = {
    DOCX: read_docx,
    XLSX: read_xlsx,
    PNG: read_image,
    JPEG: read_image,
    WEBP: read_image,
    CSV: lambda data, limits: read_csv(decode_text(data), limits),
    HTML: lambda data, limits: read_html(decode_text(data), limits),
    MARKDOWN: lambda data, limits: read_markdown(decode_text(data), limits),
    PLAIN: lambda data, limits: read_plain(decode_text(data)),
}


def extract(data: bytes, limits: Limits = Limits()) -> ExtractedDocument:  # noqa: B008 (frozen)
    """The document's sections in reading order, or `ExtractionError` with the reason."""
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            f"the file is {_megabytes(len(data))}; the limit is {_megabytes(limits.max_bytes)}"
        )
    content_type = detect_type(data)
    pages = None
    if content_type == PDF:
        sections, pages = read_pdf(data, limits)
    else:
        sections = _READERS[content_type](data, limits)
    if not sections:
        raise ExtractionError("the file contains no text")
    return ExtractedDocument(content_type=content_type, sections=sections, pages=pages)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
