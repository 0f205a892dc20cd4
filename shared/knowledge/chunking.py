"""Chunks for retrieval: passages of at most `max_chars` that never cross a heading.

- Consecutive text sections under the same heading (paragraphs of a text file, pages of a PDF)
  are packed together; a new heading always starts a new chunk, and every chunk carries its
  heading in `heading` (the text itself does not repeat it; retrieval indexes both).
- A section too long for one chunk is cut at paragraph, then line, then sentence, then word
  boundaries, and each following chunk starts with the last `overlap` characters' worth of
  whole sentences of the previous one, so a fact on the cut is whole in one of them.
- Each table row is one chunk, never split, never merged with prose or with other rows, so a
  citation "row 12" points at exactly one product. A row longer than four chunks is cut short.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby

from shared.knowledge.document import ExtractedDocument, Section
from shared.text.sentences import sentences


@dataclass(frozen=True)
class ChunkDraft:
    """A passage before it is embedded and stored; `locator` as "page 2-3" or "§ Ongkos kirim"."""

    text: str
    heading: str | None
    locator: str


@dataclass(frozen=True)
class _Piece:
    """A unit that is packed whole: a paragraph, line, sentence or word run, and its joint."""

    text: str
    joint: str  # what joins it to the piece before it in the same chunk
    locator: str


_ROW_CHUNKS = 4


def chunk(doc: ExtractedDocument, max_chars: int = 1200, overlap: int = 150) -> list[ChunkDraft]:
    """The document's chunks in reading order; `overlap` applies only within a cut section."""
    if max_chars < 100 or not 0 <= overlap < max_chars // 2:
        raise ValueError("max_chars must be at least 100 and overlap below half of it")
    drafts: list[ChunkDraft] = []
    for (kind, heading), group in groupby(doc.sections, key=lambda s: (s.kind, s.heading)):
        sections = list(group)
        if kind == "row":
            drafts.extend(_row_chunk(section, max_chars) for section in sections)
        else:
            drafts.extend(_text_chunks(sections, heading, max_chars, overlap))
    return drafts


def _row_chunk(section: Section, max_chars: int) -> ChunkDraft:
    text = section.text
    if len(text) > _ROW_CHUNKS * max_chars:
        text = text[: _ROW_CHUNKS * max_chars - 1].rstrip() + "…"
    return ChunkDraft(text, section.heading, section.locator)


def _text_chunks(
    sections: list[Section], heading: str | None, max_chars: int, overlap: int
) -> Iterator[ChunkDraft]:
    pieces = [
        piece for section in sections for piece in _pieces(section.text, section.locator, max_chars)
    ]
    current: list[_Piece] = []
    size = 0  # _length(current), kept as pieces come so packing stays linear
    carried = 0  # leading pieces of `current` repeated from the previous chunk
    for piece in pieces:
        if current and size + len(piece.joint) + len(piece.text) > max_chars:
            yield _draft(current[carried:], current, heading)
            current = _tail(current, overlap, max_chars - len(piece.text) - len(piece.joint))
            size, carried = _length(current), len(current)
        size += (len(piece.joint) if current else 0) + len(piece.text)
        current.append(piece)
    if len(current) > carried:
        yield _draft(current[carried:], current, heading)


def _pieces(
    text: str, locator: str, max_chars: int, level: int = 0, first_joint: str = "\n\n"
) -> Iterator[_Piece]:
    """`text` cut into pieces of at most `max_chars`, at the coarsest boundary that fits."""
    split, joint = _LEVELS[level]
    for index, part in enumerate(split(text, max_chars)):
        part_joint = joint if index else first_joint
        if len(part) <= max_chars:
            yield _Piece(part, part_joint, locator)
        else:
            yield from _pieces(part, locator, max_chars, level + 1, part_joint)


def _paragraphs(text: str, _: int) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _lines(text: str, _: int) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _sentences(text: str, _: int) -> list[str]:
    return sentences(text)


def _words(text: str, _: int) -> list[str]:
    return text.split()


def _slices(text: str, max_chars: int) -> list[str]:
    """A single word longer than a chunk (a URL, a hash), hard-cut."""
    return [text[start : start + max_chars] for start in range(0, len(text), max_chars)]


_LEVELS: tuple[tuple[Callable[[str, int], list[str]], str], ...] = (
    (_paragraphs, "\n\n"),
    (_lines, "\n"),
    (_sentences, " "),
    (_words, " "),
    (_slices, ""),
)


def _length(pieces: list[_Piece]) -> int:
    return sum(len(piece.text) for piece in pieces) + sum(len(p.joint) for p in pieces[1:])


def _tail(pieces: list[_Piece], overlap: int, room: int) -> list[_Piece]:
    """The end of `pieces` repeated at the start of the next chunk: whole pieces, or the last
    sentences of a piece too long to repeat whole, within `overlap` (and `room`) characters."""
    budget = min(overlap, room)
    tail: list[_Piece] = []
    for piece in reversed(pieces):
        if _length([piece, *tail]) <= budget:
            tail.insert(0, piece)
            continue
        for sentence in reversed(sentences(piece.text)):
            candidate = _Piece(sentence, " ", piece.locator)
            if _length([candidate, *tail]) > budget:
                break
            tail.insert(0, candidate)
        break
    return tail


def _draft(new: list[_Piece], pieces: list[_Piece], heading: str | None) -> ChunkDraft:
    text = pieces[0].text + "".join(piece.joint + piece.text for piece in pieces[1:])
    return ChunkDraft(text, heading, _span(new[0].locator, new[-1].locator))


def _span(first: str, last: str) -> str:
    """Locators "page 2" and "page 3" as "page 2-3"; equal locators once."""
    if first == last:
        return first
    head, _, start = first.rpartition(" ")
    tail_head, _, end = last.rpartition(" ")
    if head == tail_head and start.isdigit() and end.isdigit():
        return f"{head} {start}-{end}"
    return f"{first} to {last}"
