"""The zip-bomb guard for DOCX and XLSX, which are ZIP archives of XML parts.

The sizes checked are the ones the archive declares. That is enough: Python's `zipfile` (used
by python-docx and openpyxl) never inflates a member past its declared size (it fails the
CRC check instead), so an archive cannot lie its way past this guard.
"""

import io
import zipfile

from shared.knowledge.document import ExtractionError, Limits

_RATIO_FLOOR = 10 * 1024 * 1024  # below this expanded size no ratio is suspicious
# bzip2 and LZMA inflate a whole read at once, without the size bound deflate gets.
_OFFICE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def check_archive(data: bytes, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as error:  # zipfile raises many types on damaged archives
        raise ExtractionError("the file is a damaged ZIP archive") from error
    if any(member.compress_type not in _OFFICE_METHODS for member in members):
        raise ExtractionError("the file uses a ZIP compression that Office files never use")
    expanded = sum(member.file_size for member in members)
    if expanded > limits.max_uncompressed_bytes:
        raise ExtractionError(
            f"the file expands to more than {_megabytes(limits.max_uncompressed_bytes)} "
            "(a zip bomb?)"
        )
    if expanded > _RATIO_FLOOR and expanded > limits.max_compression_ratio * len(data):
        raise ExtractionError(
            f"the file expands {expanded // max(len(data), 1)} times its size to "
            f"{_megabytes(expanded)} (a zip bomb?)"
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
