"""The type of an upload from its bytes alone: magic numbers, ZIP members, then text shapes.

The file name never counts: an admin's "harga.pdf" that is really a photo is read as a photo,
and an executable renamed "faq.txt" is refused.
"""

import csv
import io
import re
import zipfile

from shared.knowledge.document import EmptyFile, UnsupportedType
from shared.knowledge.failures import Failure, FailureCode

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
HTML = "text/html"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"

# What the admin is told for a type we refuse on purpose, by magic number.
_KNOWN_BINARIES: tuple[tuple[bytes, Failure], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Failure(code=FailureCode.OLD_OFFICE)),
    (b"\x7fELF", Failure(code=FailureCode.EXECUTABLE, values={"kind": "ELF"})),
    (b"MZ", Failure(code=FailureCode.EXECUTABLE, values={"kind": "Windows"})),
    (b"GIF8", Failure(code=FailureCode.GIF)),
    (b"\x1f\x8b", Failure(code=FailureCode.ARCHIVE, values={"kind": "gzip"})),
    (b"Rar!", Failure(code=FailureCode.ARCHIVE, values={"kind": "RAR"})),
    (b"7z\xbc\xaf\x27\x1c", Failure(code=FailureCode.ARCHIVE, values={"kind": "7-Zip"})),
)

_HTML_START = re.compile(
    r"<(!doctype\s+html|html|head|body|meta|title|div|p|h[1-6]|table|ul|ol|section|article|main)\b",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_MARKDOWN_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE)
_MARKDOWN_OTHER = re.compile(
    r"^(?:```|~~~|>[ \t])|\[[^\]\n]+\]\([^)\s]+\)|^\S.*\n(?:=+|-+)[ \t]*$", re.MULTILINE
)
_CSV_DELIMITERS = ",;\t"
_CSV_SAMPLE_LINES = 50
_CSV_SAMPLE_CHARACTERS = 256 * 1024


def detect_type(data: bytes) -> str:
    """The MIME type of `data`, from its content; `UnsupportedType` names what it is instead."""
    if not data.strip():
        raise EmptyFile(FailureCode.EMPTY)
    if _is_pdf(data):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    for magic, failure in _KNOWN_BINARIES:
        if data.startswith(magic):
            raise UnsupportedType(failure.code, **failure.values)
    return text_type(decode_text(data))


def _is_pdf(data: bytes) -> bool:
    """`%PDF-` at the start, or within the first KiB after binary junk (readers allow that);
    a text that merely mentions "%PDF-" is no PDF."""
    position = data.find(b"%PDF-", 0, 1024)
    if position < 0:
        return False
    prefix = data[:position]
    return not prefix.strip() or any(byte < 9 or byte > 126 for byte in prefix)


def _office_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception as error:  # zipfile raises many types on damaged archives
        raise UnsupportedType(FailureCode.ZIP_DAMAGED) from error
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    raise UnsupportedType(FailureCode.ZIP_NOT_OFFICE)


def decode_text(data: bytes) -> str:
    """Text from UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 or Latin-1.

    Bytes that are not text at all (NULs, many control characters) raise `UnsupportedType`.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked_text(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:8192]:
        raise UnsupportedType(FailureCode.BINARY)
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return _checked_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnsupportedType(FailureCode.BINARY)  # pragma: no cover (latin-1)


def _checked_text(text: str) -> str:
    sample = text[:8192]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\n\r\f")
    if "\x00" in sample or controls > len(sample) // 100 + 2:
        raise UnsupportedType(FailureCode.BINARY)
    return text


def text_type(text: str) -> str:
    """HTML, CSV, Markdown or plain text, for text that is already decoded."""
    start = text.lstrip()[:1024]
    if start.startswith("<") and _HTML_START.search(start):
        return HTML
    if "<html" in start.lower():
        return HTML
    if sniff_csv(text) is not None:
        return CSV
    if _looks_like_markdown(text[:20_000]):
        return MARKDOWN
    return PLAIN


def _looks_like_markdown(text: str) -> bool:
    return bool(
        _MARKDOWN_HEADING.search(text)
        or _MARKDOWN_OTHER.search(text)
        or len(_MARKDOWN_LIST.findall(text)) >= 2
    )


def sniff_csv(text: str) -> type[csv.Dialect] | None:
    """The dialect when `text` reads as a header plus consistent delimited rows, else None.

    `csv.Sniffer` alone calls almost anything CSV, so its guess is checked: at least two
    columns, a header of short non-empty names, and the same column count on every sampled row.
    """
    head = text[:_CSV_SAMPLE_CHARACTERS]
    lines = [line for line in head.splitlines()[: _CSV_SAMPLE_LINES + 1] if line.strip()]
    if len(lines) < 2 or _MARKDOWN_HEADING.match(lines[0]):
        return None
    truncated = len(lines) > _CSV_SAMPLE_LINES or len(text) > len(head)
    sample = "\n".join(lines[:_CSV_SAMPLE_LINES])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS)
        rows = list(csv.reader(io.StringIO(sample), dialect))
    except csv.Error:  # no delimiter found, or a field past the csv module's size limit
        return None
    header = rows[0]
    if len(header) < 2 or any(not name.strip() or len(name) > 100 for name in header):
        return None
    # A cut sample may end inside a quoted multi-line field: its last row is not evidence.
    checked = rows[1:-1] if truncated else rows[1:]
    if not checked or any(len(row) != len(header) for row in checked if row):
        return None
    return dialect
