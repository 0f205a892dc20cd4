"""Building sections in reading order: heading paths, paragraphs under them, and table rows."""

import re
from collections.abc import Sequence

from shared.knowledge.document import ExtractionError, Section
from shared.knowledge.failures import FailureCode

HEADING_SEPARATOR = " > "
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def tidy(text: str) -> str:
    """Runs of spaces to one, trailing spaces and extra blank lines gone."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def row_text(header: Sequence[str], values: Sequence[str]) -> str:
    """'Column: value; Column: value' over the non-empty values; unnamed columns get a number."""
    pairs = []
    for index, value in enumerate(values):
        value = " ".join(value.split())
        if not value:
            continue
        name = header[index].strip() if index < len(header) else ""
        pairs.append(f"{name or f'Column {index + 1}'}: {value}")
    return "; ".join(pairs)


class SectionWriter:
    """Collects paragraphs under the current heading path and rows as their own sections.

    Paragraphs under one heading become one text section, flushed when the heading changes or a
    row comes; rows past `max_rows` stop the extraction with a reason.
    """

    def __init__(self, max_rows: int) -> None:
        self._max_rows = max_rows
        self._rows = 0
        self._trail: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self.sections: list[Section] = []

    @property
    def heading(self) -> str | None:
        return HEADING_SEPARATOR.join(text for _, text in self._trail) or None

    def _locator(self) -> str:
        return f"§ {self._trail[-1][1]}" if self._trail else "start"

    def set_heading(self, level: int, text: str) -> None:
        """A heading of `level` (1 = top) replaces those at its level and below."""
        text = " ".join(text.split())
        if not text:
            return
        self.flush()
        self._trail = [(lvl, title) for lvl, title in self._trail if lvl < level]
        self._trail.append((level, text))

    def paragraph(self, text: str) -> None:
        text = tidy(text)
        if text:
            self._paragraphs.append(text)

    def row(self, text: str, locator: str, heading: str | None = None) -> None:
        """One table row; `heading` defaults to the current heading path."""
        if not text:
            return
        self._rows += 1
        if self._rows > self._max_rows:
            raise ExtractionError(FailureCode.TOO_MANY_ROWS, limit=self._max_rows)
        self.flush()
        self.sections.append(Section(text, heading or self.heading, "row", locator))

    def flush(self) -> None:
        if self._paragraphs:
            text = "\n\n".join(self._paragraphs)
            self.sections.append(Section(text, self.heading, "text", self._locator()))
            self._paragraphs = []

    def finish(self) -> list[Section]:
        self.flush()
        return self.sections
