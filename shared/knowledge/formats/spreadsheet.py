"""CSV and XLSX: every row a section "Column: value; Column: value" under its header.

Rows are located as a spreadsheet program numbers them (the header is row 1), so an admin can
open the file and find "row 12" where it says.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl

from shared.knowledge.detection import sniff_csv
from shared.knowledge.document import ExtractionError, Limits, Section
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.archive import check_archive
from shared.knowledge.formats.sections import SectionWriter, row_text


def read_csv(text: str, limits: Limits) -> list[Section]:
    dialect = sniff_csv(text)
    if dialect is None:
        raise ExtractionError(FailureCode.CSV_NO_HEADER)
    writer = SectionWriter(limits.max_rows)
    try:
        rows = csv.reader(io.StringIO(text, newline=""), dialect)
        _write_rows(writer, rows, heading=None, locator_prefix="")
    except csv.Error as error:
        raise ExtractionError(FailureCode.CSV_MALFORMED, detail=str(error)) from error
    return writer.finish()


def read_xlsx(data: bytes, limits: Limits) -> list[Section]:
    """Every sheet in order, its first non-empty row the header; formulas give cached values."""
    check_archive(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types on damaged files
        raise ExtractionError(FailureCode.EXCEL_DAMAGED) from error
    writer = SectionWriter(limits.max_rows)
    try:
        for sheet in workbook.worksheets:
            # The <dimension> a file declares can claim millions of empty cells: ignore it.
            sheet.reset_dimensions()
            values = (
                [_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
            )
            _write_rows(writer, values, heading=sheet.title, locator_prefix=f"{sheet.title}, ")
    except ExtractionError:
        raise
    except Exception as error:
        raise ExtractionError(FailureCode.EXCEL_DAMAGED) from error
    finally:
        workbook.close()
    return writer.finish()


def _write_rows(
    writer: SectionWriter,
    rows: Iterable[Sequence[str]],
    heading: str | None,
    locator_prefix: str,
) -> None:
    header: Sequence[str] | None = None
    for number, row in enumerate(rows, start=1):
        if not any(value.strip() for value in row):
            continue
        if header is None:
            header = row
            continue
        writer.row(row_text(header, row), f"{locator_prefix}row {number}", heading)


def _cell_text(value: object) -> str:
    """A cell as a person would type it: 150000 not 150000.0, dates without midnight."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
