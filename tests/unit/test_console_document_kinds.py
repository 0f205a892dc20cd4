"""The knowledge page's list of accepted types and the detection from bytes agree: every type
the detection accepts has a badge and a file-name ending in the picker."""

import io
import zipfile

import pytest

from services.console.document_kinds import BADGES, KINDS, PICKER_ACCEPT
from services.console.pages.formatting import byte_size
from shared.knowledge.detection import detect_type


def _office(member: str) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return packed.getvalue()


SAMPLES = [
    b"%PDF-1.7\n1 0 obj\n",
    _office("word/document.xml"),
    _office("xl/workbook.xml"),
    b"produk,harga\nKaos,75000\nBatik,180000\n",
    b"<!doctype html><html><body><p>Halo</p></body></html>",
    b"# Pengiriman\n\nKe Bandung dua hari.\n",
    b"Toko buka setiap hari.\n",
    b"\x89PNG\r\n\x1a\n" + bytes(16),
    b"\xff\xd8\xff\xe0" + bytes(16),
    b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(16),
]


@pytest.mark.parametrize("data", SAMPLES)
def test_every_type_the_detection_accepts_is_on_the_page(data: bytes) -> None:
    content_type = detect_type(data)
    assert content_type in BADGES
    assert all(ending in PICKER_ACCEPT.split(",") for ending in KINDS[content_type][1])


def test_the_page_lists_no_type_the_detection_never_accepts() -> None:
    assert {detect_type(data) for data in SAMPLES} == set(KINDS)


@pytest.mark.parametrize(
    ("size", "lang", "shown"),
    [
        (500, "en", "500 B"),
        (4096, "id", "4 KB"),
        (1536, "id", "1,5 KB"),
        (20 * 2**20, "en", "20 MB"),
    ],
)
def test_sizes_are_shown_in_the_unit_that_keeps_them_short(
    size: int, lang: str, shown: str
) -> None:
    assert byte_size(size, lang) == shown  # type: ignore[arg-type]
