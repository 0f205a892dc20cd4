"""Text from an uploaded knowledge document: bytes in, ordered sections out.

`extract` is synchronous and pure (no network, no database); it blocks for seconds on OCR, so
async callers run it in a thread. Every failure is an `ExtractionError` whose message is the
reason shown to admins as "failed: <reason>". The per-format readers live in `formats/`.
"""

import importlib
from collections.abc import Callable
from types import ModuleType

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
    EmptyFile,
    ExtractedDocument,
    ExtractionError,
    Limits,
    Section,
    UnsupportedType,
    full_text,
)
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.html import read_html
from shared.knowledge.formats.text import read_markdown, read_plain

__all__ = [
    "EmptyFile",
    "ExtractedDocument",
    "ExtractionError",
    "Limits",
    "Section",
    "UnsupportedType",
    "detect_type",
    "extract",
    "full_text",
]


def _format(name: str) -> ModuleType:
    """A format's reader module, imported with the first document of its kind: its library
    (pypdf, python-docx, openpyxl, Pillow) is heavy, and most processes that import this module
    (the responder, the console) never extract one."""
    return importlib.import_module(f"shared.knowledge.formats.{name}")


_Reader = Callable[[bytes, Limits], list[Section]]
_READERS: dict[str, _Reader] = {
    DOCX: lambda data, limits: _format("word").read_docx(data, limits),
    XLSX: lambda data, limits: _format("spreadsheet").read_xlsx(data, limits),
    PNG: lambda data, limits: _format("image").read_image(data, limits),
    JPEG: lambda data, limits: _format("image").read_image(data, limits),
    WEBP: lambda data, limits: _format("image").read_image(data, limits),
    CSV: lambda data, limits: _format("spreadsheet").read_csv(decode_text(data), limits),
    HTML: lambda data, limits: read_html(decode_text(data), limits),
    MARKDOWN: lambda data, limits: read_markdown(decode_text(data), limits),
    PLAIN: lambda data, limits: read_plain(decode_text(data)),
}


def extract(data: bytes, limits: Limits = Limits()) -> ExtractedDocument:  # noqa: B008 (frozen)
    """The document's sections in reading order, or `ExtractionError` with the reason."""
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            FailureCode.FILE_TOO_LARGE, size_bytes=len(data), limit_bytes=limits.max_bytes
        )
    content_type = detect_type(data)
    pages = None
    if content_type == PDF:
        sections, pages = _format("pdf").read_pdf(data, limits)
    else:
        sections = _READERS[content_type](data, limits)
    if not sections:
        raise ExtractionError(FailureCode.NO_TEXT)
    return ExtractedDocument(content_type=content_type, sections=sections, pages=pages)
