"""Chunking: headings bound chunks, long text splits on boundaries with overlap, rows stay whole."""

import itertools
from pathlib import Path

import pytest

from shared.knowledge.chunking import ChunkDraft, chunk
from shared.knowledge.document import ExtractedDocument, Section
from shared.knowledge.extraction import extract

SAMPLE_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "sample_store"


def text(body: str, heading: str | None = None, locator: str = "start") -> Section:
    return Section(body, heading, "text", locator)


def row(body: str, locator: str, heading: str | None = None) -> Section:
    return Section(body, heading, "row", locator)


def document(*sections: Section) -> ExtractedDocument:
    return ExtractedDocument(content_type="text/markdown", sections=list(sections))


def sentences(count: int, start: int = 1) -> str:
    return " ".join(
        f"Kalimat nomor {n} menjelaskan ongkos kirim ke kota {n} dengan rinci."
        for n in range(start, start + count)
    )


def test_short_sections_under_different_headings_are_never_merged() -> None:
    doc = document(
        text("Ongkir Jawa Rp 12.000.", "Pengiriman", "§ Pengiriman"),
        text("Retur 7 hari.", "Pengembalian", "§ Pengembalian"),
    )

    assert chunk(doc) == [
        ChunkDraft("Ongkir Jawa Rp 12.000.", "Pengiriman", "§ Pengiriman"),
        ChunkDraft("Retur 7 hari.", "Pengembalian", "§ Pengembalian"),
    ]


def test_a_long_section_splits_on_sentences_with_overlap_and_keeps_its_heading() -> None:
    body = sentences(40)
    doc = document(text(body, "Pengiriman > Ongkos kirim", "§ Ongkos kirim"))

    chunks = chunk(doc, max_chars=400, overlap=120)

    assert len(chunks) > 5
    assert all(len(c.text) <= 400 for c in chunks)
    assert {c.heading for c in chunks} == {"Pengiriman > Ongkos kirim"}
    assert {c.locator for c in chunks} == {"§ Ongkos kirim"}
    for c in chunks:  # cut on sentence boundaries only
        assert c.text.startswith("Kalimat nomor ")
        assert c.text.endswith("dengan rinci.")
    for before, after in itertools.pairwise(chunks):
        last_sentence = before.text.rsplit("Kalimat", 1)[1]
        assert after.text.startswith("Kalimat" + last_sentence)  # the overlap
    for n in range(1, 41):
        assert any(f"ke kota {n} dengan" in c.text for c in chunks)


def test_without_overlap_no_sentence_repeats() -> None:
    chunks = chunk(document(text(sentences(40))), max_chars=400, overlap=0)

    assert sum(c.text.count("Kalimat nomor") for c in chunks) == 40


def test_the_overlap_after_a_whole_paragraph_is_its_last_sentence() -> None:
    paragraphs = [sentences(3, start=n) for n in (1, 4, 7)]  # about 200 characters each
    doc = document(text("\n\n".join(paragraphs)))

    first, second = chunk(doc, max_chars=450, overlap=100)

    assert first.text == "\n\n".join(paragraphs[:2])
    assert second.text.startswith("Kalimat nomor 6 ")
    assert second.text.endswith(paragraphs[2])


def test_paragraphs_are_packed_until_the_limit_and_split_between_paragraphs() -> None:
    paragraphs = [f"Paragraf {n}. " + "isi " * 40 for n in range(1, 7)]  # ~175 characters each
    doc = document(text("\n\n".join(p.strip() for p in paragraphs), "FAQ", "§ FAQ"))

    chunks = chunk(doc, max_chars=400, overlap=0)

    assert [c.text.count("Paragraf") for c in chunks] == [2, 2, 2]
    assert all("\n\n" in c.text for c in chunks)


def test_consecutive_pages_share_chunks_and_name_the_page_span() -> None:
    doc = document(
        text(sentences(3), locator="page 1"),
        text(sentences(3, start=4), locator="page 2"),
        text(sentences(6, start=7), locator="page 3"),
    )

    chunks = chunk(doc, max_chars=500, overlap=0)

    assert [c.locator for c in chunks] == ["page 1-2", "page 3"]


def test_every_row_is_its_own_chunk_and_never_joins_prose() -> None:
    doc = document(
        text("Daftar harga terbaru.", "Harga", "§ Harga"),
        row("Produk: Blangkon; Harga: 95000", "row 2", "Harga"),
        row("Produk: Masker; Harga: 45000", "row 3", "Harga"),
        text("Harga dapat berubah.", "Harga", "§ Harga"),
    )

    assert chunk(doc) == [
        ChunkDraft("Daftar harga terbaru.", "Harga", "§ Harga"),
        ChunkDraft("Produk: Blangkon; Harga: 95000", "Harga", "row 2"),
        ChunkDraft("Produk: Masker; Harga: 45000", "Harga", "row 3"),
        ChunkDraft("Harga dapat berubah.", "Harga", "§ Harga"),
    ]


def test_a_row_longer_than_a_chunk_is_not_split() -> None:
    long_row = "; ".join(f"Kolom {n}: nilai {n}" for n in range(60))  # about 1,000 characters

    chunks = chunk(document(row(long_row, "row 2")), max_chars=300, overlap=0)

    assert chunks == [ChunkDraft(long_row, None, "row 2")]


def test_a_row_longer_than_four_chunks_is_cut_short() -> None:
    huge_row = "Catatan: " + "panjang " * 1000

    (only,) = chunk(document(row(huge_row, "row 2")), max_chars=300, overlap=0)

    assert len(only.text) == 1200
    assert only.text.endswith("…")


def test_a_period_after_an_abbreviation_is_no_sentence_end() -> None:
    body = "Harga Rp. 20.000 untuk Jl. Malioboro dan sekitarnya. " * 12

    chunks = chunk(document(text(body.strip())), max_chars=120, overlap=0)

    assert all(c.text.startswith("Harga Rp. 20.000") for c in chunks)


def test_a_word_longer_than_a_chunk_is_cut_hard() -> None:
    url = "https://batiksari.example/" + "a" * 500

    chunks = chunk(document(text(f"Lihat {url} ya.")), max_chars=200, overlap=0)

    assert all(len(c.text) <= 200 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == f"Lihat{url}ya."


@pytest.mark.parametrize(("max_chars", "overlap"), [(50, 0), (400, 200), (400, -1)])
def test_nonsense_sizes_are_refused(max_chars: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk(document(text("Halo.")), max_chars=max_chars, overlap=overlap)


@pytest.mark.parametrize(
    "name",
    [
        "katalog-produk.csv",
        "faq.docx",
        "kebijakan-pengiriman.pdf",
        "kebijakan-pengembalian.md",
    ],
)
def test_the_sample_store_chunks_keep_every_word_within_the_size(name: str) -> None:
    doc = extract((SAMPLE_STORE / name).read_bytes())

    chunks = chunk(doc, max_chars=300, overlap=50)

    chunked_words = {word for c in chunks for word in c.text.split()}
    for section in doc.sections:
        assert set(section.text.split()) <= chunked_words
    assert all(len(c.text) <= 300 for c in chunks if not c.locator.startswith(("row", "table")))
    rows = [s for s in doc.sections if s.kind == "row"]
    assert [c.text for c in chunks if c.text in {r.text for r in rows}] == [r.text for r in rows]
