"""Why a knowledge document could not be read: a stable code and the values its text needs.

The code and values are stored on the document, so the console shows the reason in the admin's
language (its catalogues hold `kb.failure.<code>` in every language); `english()` is the text
for the CLI and the logs. Values are ints or short strings: a name ending in `_bytes` is a size
in bytes, other ints are counts, strings are shown as they are (a library's own message).
"""

import string
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

FailureValue = int | str


class FailureCode(StrEnum):
    FILE_TOO_LARGE = "file_too_large"
    EMPTY = "empty"
    NO_TEXT = "no_text"
    OLD_OFFICE = "old_office"
    EXECUTABLE = "executable"
    GIF = "gif"
    ARCHIVE = "archive"
    BINARY = "binary"
    ZIP_NOT_OFFICE = "zip_not_office"
    ZIP_DAMAGED = "zip_damaged"
    ZIP_METHOD = "zip_method"
    ZIP_TOO_LARGE = "zip_too_large"
    ZIP_RATIO = "zip_ratio"
    PDF_DAMAGED = "pdf_damaged"
    PDF_PASSWORD = "pdf_password"
    PDF_TOO_MANY_PAGES = "pdf_too_many_pages"
    PDF_NOT_RENDERED = "pdf_not_rendered"
    PDF_PAGE_NOT_RENDERED = "pdf_page_not_rendered"
    OCR_MISSING = "ocr_missing"
    OCR_TIMEOUT = "ocr_timeout"
    OCR_FAILED = "ocr_failed"
    IMAGE_NO_TEXT = "image_no_text"
    IMAGE_DAMAGED = "image_damaged"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    WORD_DAMAGED = "word_damaged"
    EXCEL_DAMAGED = "excel_damaged"
    CSV_NO_HEADER = "csv_no_header"
    CSV_MALFORMED = "csv_malformed"
    TOO_MANY_ROWS = "too_many_rows"
    FILE_MISSING = "file_missing"
    UPLOAD_INCOMPLETE = "upload_incomplete"
    CRASHED = "crashed"


# The English text of each code; its placeholders are the values the code takes.
ENGLISH: dict[FailureCode, str] = {
    FailureCode.FILE_TOO_LARGE: "the file is {size_bytes}; the limit is {limit_bytes}",
    FailureCode.EMPTY: "the file is empty",
    FailureCode.NO_TEXT: "the file contains no text",
    FailureCode.OLD_OFFICE: (
        "unsupported file type: an old Word/Excel file (.doc/.xls): save it as .docx/.xlsx"
    ),
    FailureCode.EXECUTABLE: "unsupported file type: a program ({kind} executable), not a document",
    FailureCode.GIF: "unsupported file type: a GIF image: use PNG, JPEG or WEBP",
    FailureCode.ARCHIVE: "unsupported file type: a {kind} archive, not a document",
    FailureCode.BINARY: "unsupported file type: binary data, not text or a known document",
    FailureCode.ZIP_NOT_OFFICE: (
        "unsupported file type: a ZIP archive that is neither a Word (.docx) "
        "nor an Excel (.xlsx) file"
    ),
    FailureCode.ZIP_DAMAGED: "the file is a damaged ZIP archive",
    FailureCode.ZIP_METHOD: "the file uses a ZIP compression that Office files never use",
    FailureCode.ZIP_TOO_LARGE: "the file expands to more than {limit_bytes} (a zip bomb?)",
    FailureCode.ZIP_RATIO: (
        "the file expands {ratio} times its size to {expanded_bytes} (a zip bomb?)"
    ),
    FailureCode.PDF_DAMAGED: "the PDF is damaged and cannot be read",
    FailureCode.PDF_PASSWORD: "password-protected PDF",
    FailureCode.PDF_TOO_MANY_PAGES: "the PDF has {pages} pages; the limit is {limit}",
    FailureCode.PDF_NOT_RENDERED: "the PDF's scanned pages cannot be rendered for OCR",
    FailureCode.PDF_PAGE_NOT_RENDERED: "page {page} cannot be rendered for OCR",
    FailureCode.OCR_MISSING: (
        "OCR is not available: install tesseract-ocr with its eng and ind language data"
    ),
    FailureCode.OCR_TIMEOUT: "OCR took longer than {seconds} seconds",
    FailureCode.OCR_FAILED: "OCR failed: {detail}",
    FailureCode.IMAGE_NO_TEXT: (
        "no text could be read from the image (is it sharp, upright and large enough?)"
    ),
    FailureCode.IMAGE_DAMAGED: "the image is damaged and cannot be read",
    FailureCode.IMAGE_TOO_LARGE: (
        "the image is too large ({width} x {height} pixels); the limit is {limit} pixels"
    ),
    FailureCode.IMAGE_TOO_MANY_PIXELS: (
        "the image is too large (too many pixels); the limit is {limit} pixels"
    ),
    FailureCode.WORD_DAMAGED: "the Word file is damaged and cannot be read",
    FailureCode.EXCEL_DAMAGED: "the Excel file is damaged and cannot be read",
    FailureCode.CSV_NO_HEADER: "the CSV file has no header row with consistent columns",
    FailureCode.CSV_MALFORMED: "the CSV file is malformed: {detail}",
    FailureCode.TOO_MANY_ROWS: "more rows than the limit of {limit}",
    FailureCode.FILE_MISSING: "the uploaded file is missing; upload it again",
    FailureCode.UPLOAD_INCOMPLETE: "the upload did not complete; upload it again",
    FailureCode.CRASHED: "the file could not be read ({error})",
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Failure(BaseModel):
    """One failure as stored on a document: `values` fill the placeholders of its code."""

    model_config = ConfigDict(frozen=True)

    code: FailureCode
    values: dict[str, FailureValue] = {}

    @model_validator(mode="after")
    def _values_fit_the_code(self) -> "Failure":
        expected = placeholders(ENGLISH[self.code])
        if set(self.values) != expected:
            raise ValueError(f"{self.code} takes {sorted(expected)}, not {sorted(self.values)}")
        return self

    def english(self) -> str:
        shown = {name: _english_value(name, value) for name, value in self.values.items()}
        return ENGLISH[self.code].format(**shown)


def _english_value(name: str, value: FailureValue) -> str:
    if isinstance(value, str):
        return value
    if name.endswith("_bytes"):
        megabytes = value / (1024 * 1024)
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{value:,}"
