"""The pieces of the knowledge library that need no server: names, bounded reads, event ids."""

import io

import pytest

from shared.events import knowledge_event_id
from shared.knowledge.library import clean_filename, read_limited


class CountingSource:
    """Bytes read like an UploadFile, counting what was read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.read_bytes = 0

    async def read(self, size: int = -1) -> bytes:
        part = self._data.read(size)
        self.read_bytes += len(part)
        return part

    async def seek(self, offset: int) -> int:
        return self._data.seek(offset)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("faq.md", "faq.md"),
        ("C:\\Users\\budi\\harga.xlsx", "harga.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("kata\x00log\n.pdf", "katalog.pdf"),
        ("", "document"),
        ("x" * 500, "x" * 200),
    ],
)
def test_a_filename_keeps_only_its_last_part_printable_and_short(given: str, kept: str) -> None:
    assert clean_filename(given) == kept


async def test_a_bounded_read_stops_soon_after_the_limit() -> None:
    source = CountingSource(b"a" * 10_000_000)

    assert await read_limited(source, 1000) is None
    assert source.read_bytes < 1_000_000  # a piece past the limit, not the whole file


async def test_a_bounded_read_reads_from_the_start_up_to_the_limit() -> None:
    source = CountingSource(b"abc" * 10)
    await source.read(5)

    assert await read_limited(source, 30) == b"abc" * 10


def test_each_version_and_action_of_a_document_is_its_own_stable_event() -> None:
    ids = {
        knowledge_event_id("d1", 1, "upload"),
        knowledge_event_id("d1", 2, "upload"),
        knowledge_event_id("d1", 2, "delete"),
        knowledge_event_id("d2", 1, "upload"),
    }

    assert len(ids) == 4
    assert knowledge_event_id("d1", 1, "upload") == knowledge_event_id("d1", 1, "upload")
