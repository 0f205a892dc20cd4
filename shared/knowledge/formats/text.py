"""Markdown (headings, paragraphs, pipe tables) and plain text (paragraphs)."""

import re

from shared.knowledge.document import Limits, Section
from shared.knowledge.formats.sections import SectionWriter, row_text, tidy

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\S")
_TABLE_DELIMITER = re.compile(r"^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def read_plain(text: str) -> list[Section]:
    """One section per paragraph (blank-line separated), located as "paragraph N"."""
    paragraphs = [tidy(block) for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))]
    return [
        Section(paragraph, None, "text", f"paragraph {number}")
        for number, paragraph in enumerate((p for p in paragraphs if p), start=1)
    ]


def read_markdown(text: str, limits: Limits) -> list[Section]:
    """Sections under ATX (#) and setext headings; pipe-table rows become row sections."""
    writer = SectionWriter(limits.max_rows)
    lines = _COMMENT.sub("", text).replace("\r\n", "\n").split("\n")
    paragraph: list[str] = []
    fence: str | None = None
    tables = 0
    index = 0

    def end_paragraph() -> None:
        if paragraph:
            writer.paragraph(_inline(_unwrapped(paragraph)))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        index += 1
        if fence is not None:
            paragraph.append(line)
            if line.strip().startswith(fence):
                fence = None
                end_paragraph()
            continue
        if match := _FENCE.match(line):
            end_paragraph()
            fence = match.group(1)
            paragraph.append(line)
            continue
        if match := _ATX.match(line):
            end_paragraph()
            writer.set_heading(len(match.group(1)), _inline(match.group(2)))
            continue
        if line.strip() and not paragraph and (setext := _SETEXT.match(next_line)):
            writer.set_heading(1 if setext.group(1)[0] == "=" else 2, _inline(line))
            index += 1
            continue
        if "|" in line and _TABLE_DELIMITER.match(next_line) and "-" in next_line:
            end_paragraph()
            tables += 1
            header = _cells(line)
            index += 1
            number = 1  # the header is row 1, as in spreadsheets
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                number += 1
                values = [_inline(cell) for cell in _cells(lines[index])]
                writer.row(row_text(header, values), f"table {tables}, row {number}")
                index += 1
            continue
        if line.strip():
            paragraph.append(line)
        else:
            end_paragraph()
    end_paragraph()
    return writer.finish()


def _unwrapped(lines: list[str]) -> str:
    """Soft-wrapped lines joined with spaces; list items and code keep their own lines."""
    if _FENCE.match(lines[0]):
        return "\n".join(lines)
    text = lines[0]
    for line in lines[1:]:
        text += ("\n" if _LIST_ITEM.match(line) else " ") + line.strip()
    return text


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|")
    line = line.removesuffix("|")
    return [cell.strip() for cell in line.split("|")]


def _inline(text: str) -> str:
    """Markdown markup that only gets in the way of reading: images, link targets, bold."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1 (\2)", text)
    return _EMPHASIS.sub(r"\2", text)
