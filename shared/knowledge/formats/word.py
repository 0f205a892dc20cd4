"""DOCX through python-docx: Title/Heading styles start sections, table rows become rows."""

import io
import re

import docx
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from shared.knowledge.document import ExtractionError, Limits, Section
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.archive import check_archive
from shared.knowledge.formats.sections import SectionWriter, row_text

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def read_docx(data: bytes, limits: Limits) -> list[Section]:
    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        writer = SectionWriter(limits.max_rows)
        tables = 0
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                _read_paragraph(writer, block)
            else:
                tables += 1
                _read_table(writer, block, tables)
        return writer.finish()
    except ExtractionError:
        raise
    except Exception as error:  # python-docx and lxml raise many types on damaged files
        raise ExtractionError(FailureCode.WORD_DAMAGED) from error


def _read_paragraph(writer: SectionWriter, paragraph: Paragraph) -> None:
    level = _heading_level(paragraph)
    if level is None:
        writer.paragraph(paragraph.text)
    else:
        writer.set_heading(level, paragraph.text)


def _heading_level(paragraph: Paragraph) -> int | None:
    name = (paragraph.style.name if paragraph.style is not None else None) or ""
    if name.lower() == "title":
        return 0
    match = _HEADING_STYLE.match(name.strip())
    return int(match.group(1)) if match else None


def _read_table(writer: SectionWriter, table: Table, number: int) -> None:
    """The first row names the columns; a one-row or one-column table is only text."""
    rows = [(index, _row_cells(row.cells)) for index, row in enumerate(table.rows, start=1)]
    rows = [(index, cells) for index, cells in rows if any(cells)]
    if len(rows) < 2 or max(len(cells) for _, cells in rows) < 2:
        for _, cells in rows:
            writer.paragraph("\n".join(cell for cell in cells if cell))
        return
    (_, header), *body = rows
    for index, values in body:
        writer.row(row_text(header, values), f"table {number}, row {index}")


def _row_cells(cells: list[_Cell]) -> list[str]:
    """Cell texts, a merged cell once (python-docx repeats it for every grid column it spans)."""
    texts: list[str] = []
    previous: object = None
    for cell in cells:
        if cell._tc is not previous:
            texts.append(cell.text.strip())
        previous = cell._tc
    return texts
