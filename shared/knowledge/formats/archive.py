"""The zip-bomb guard for DOCX and XLSX, which are ZIP archives of XML parts.

The sizes checked are the ones the archive declares. That is enough: Python's `zipfile` (used
by python-docx and openpyxl) never inflates a member past its declared size (it fails the
CRC check instead), so an archive cannot lie its way past this guard.
"""

import io
import zipfile

from shared.knowledge.document import ExtractionError, Limits
from shared.knowledge.failures import FailureCode

_RATIO_FLOOR = 10 * 1024 * 1024  # below this expanded size no ratio is suspicious
# bzip2 and LZMA inflate a whole read at once, without the size bound deflate gets.
_OFFICE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def check_archive(data: bytes, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as error:  # zipfile raises many types on damaged archives
        raise ExtractionError(FailureCode.ZIP_DAMAGED) from error
    if any(member.compress_type not in _OFFICE_METHODS for member in members):
        raise ExtractionError(FailureCode.ZIP_METHOD)
    expanded = sum(member.file_size for member in members)
    if expanded > limits.max_uncompressed_bytes:
        raise ExtractionError(FailureCode.ZIP_TOO_LARGE, limit_bytes=limits.max_uncompressed_bytes)
    if expanded > _RATIO_FLOOR and expanded > limits.max_compression_ratio * len(data):
        raise ExtractionError(
            FailureCode.ZIP_RATIO, ratio=expanded // max(len(data), 1), expanded_bytes=expanded
        )
