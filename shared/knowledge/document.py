"""What extraction produces: a document as ordered sections, the limits, and the failure types.

Kept apart from `extraction.py` so the per-format readers in `formats/` can build sections
without importing the dispatcher; `extraction.py` re-exports every name here.
"""

from dataclasses import dataclass, field
from typing import Literal

from shared.knowledge.failures import Failure, FailureCode, FailureValue

SectionKind = Literal["text", "row"]


class ExtractionError(Exception):
    """A file that cannot be turned into text: `failure` is the reason shown to admins (in their
    language), the message its English text."""

    def __init__(self, code: FailureCode, **values: FailureValue) -> None:
        self.failure = Failure(code=code, values=values)
        super().__init__(self.failure.english())


class UnsupportedType(ExtractionError):
    """The content is none of the supported document, spreadsheet, web page or image types."""


class EmptyFile(UnsupportedType):
    """No bytes, or only white space: told apart so an admin is not sent looking for a type."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or careless upload from eating the worker's memory and time."""

    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 200
    max_rows: int = 20_000
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    # A ZIP-based file (DOCX, XLSX) that expands more than this many times is refused once it
    # also expands past 10 MiB: ordinary Office files stay far below, zip bombs far above.
    max_compression_ratio: int = 100
    # Pixels of one image (or one rendered PDF page) handed to OCR: a 48-megapixel photo fits.
    max_image_pixels: int = 64_000_000


@dataclass(frozen=True)
class Section:
    """One piece of a document in reading order.

    `kind="row"` is one spreadsheet or table row written as "Column: value; Column: value";
    `heading` is the path of headings above the text ("Pengiriman > Ongkos kirim");
    `locator` says where it is, for admins and citations: "page 3", "row 12", "§ Ongkos kirim".
    """

    text: str
    heading: str | None
    kind: SectionKind
    locator: str


@dataclass(frozen=True)
class ExtractedDocument:
    """The text of one uploaded file; `pages` is the page count of a PDF, else None."""

    content_type: str
    sections: list[Section] = field(default_factory=list)
    pages: int | None = None


def full_text(doc: ExtractedDocument) -> str:
    """The document as plain text, headings on their own lines, one line per row."""
    blocks: list[str] = []
    heading: str | None = None
    previous_kind: SectionKind | None = None
    for section in doc.sections:
        if section.heading != heading:
            heading = section.heading
            if heading:
                blocks.append(f"# {heading}")
            previous_kind = None
        if section.kind == "row" and previous_kind == "row":
            blocks[-1] = f"{blocks[-1]}\n{section.text}"
        else:
            blocks.append(section.text)
        previous_kind = section.kind
    return "\n\n".join(blocks)
