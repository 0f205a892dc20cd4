"""The Indonesian + English analyser and BM25 ranking of shared/knowledge/lexical.py."""

import math

import pytest

from shared.knowledge.lexical import K1, TITLE, TITLE_B, B, LexicalIndex
from shared.text.normalise import terms
from shared.text.stemming import stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp150.000", ["150000"]),
        ("Rp 150.000", ["150000"]),
        ("IDR 150.000,00", ["150000"]),
        ("150,000", ["150000"]),
        ("150rb", ["150000"]),
        ("150 ribu", ["150000"]),
        ("150k", ["150000"]),
        ("1,5jt", ["1500000"]),
        ("diskon 20%", ["diskon", "20%"]),
        ("20 persen", ["20%"]),
        ("20 percent", ["20%"]),
        ("1,5 kg", ["1.5", "kg"]),
        ("jam 10.00", ["jam", "10"]),
        ("08.00-17.00", ["8", "17"]),
        ("pukul 08.00-17.00", ["jam", "8", "17"]),
        ("We are open 8am-5pm", ["buka", "jam", "8", "17"]),  # English hours meet "pukul"
        ("from 9:30am", ["jam", "9"]),
        ("500ml", ["500", "ml"]),
        # a range or a rate of an amount is no code: its unit meets the chat's "brp cc"
        ("pupuk organik 2-3cc/L air", ["pupuk", "organik", "2", "3", "cc", "air"]),
        ("NPK 5-8kg", ["npk", "5", "8", "kg"]),
    ],
)
def test_numbers_are_written_one_way(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SKU-1234", ["sku1234"]),
        ("sku1234", ["sku1234"]),
        ("INV/2024/001", ["inv2024001"]),
        ("pesanan #12345", ["pesan", "12345"]),
        ("BTK_001", ["btk001"]),
        ("versi 1.2.3", ["versi", "123"]),
    ],
)
def test_codes_keep_together_without_separators(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_stop_words_fillers_and_question_framing_are_dropped() -> None:
    assert terms("Halo kak, mau tanya dong, apakah bisa?") == []
    assert terms("Hi, what is the price please?") == ["harga"]
    assert terms("Terima kasih ya kak") == []  # thanks, not "received"
    assert terms("sudah diterima") == ["terima"]


@pytest.mark.parametrize(
    ("words", "root"),
    [
        ("kirim dikirim terkirim kiriman pengiriman mengirim mengirimkan dikirimkan", "kirim"),
        ("kembali dikembalikan mengembalikan pengembalian", "kembali"),
        ("pesan memesan pesanan pemesanan pesanannya dipesan", "pesan"),
        ("bayar membayar dibayar pembayaran", "bayar"),
        ("tukar menukar ditukar penukaran", "tukar"),
        ("terima menerima diterima penerimaan", "terima"),
        ("cek dicek mengecek pengecekan", "cek"),
        ("ambil mengambil diambil", "ambil"),
        ("beli membeli pembeli pembelian dibeli", "beli"),
        ("lambat terlambat keterlambatan", "lambat"),
        ("simpan menyimpan simpanan", "simpan"),
    ],
)
def test_indonesian_affixes_meet_at_one_stem(words: str, root: str) -> None:
    assert {stem(word) for word in words.split()} == {root}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("products", "product"),
        ("boxes", "box"),
        ("addresses", "address"),
        ("categories", "category"),
        ("status", "status"),  # -us is no plural
        ("harganya", "harga"),
        ("bisakah", "bisa"),
        ("masalah", "masalah"),  # its -lah is no particle
        ("kecil", "kecil"),  # ke- only goes with -an
        ("keamanan", "aman"),
        ("bersih", "bersih"),  # too short to be ber- + root
    ],
)
def test_stemming_is_conservative(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_accents_case_and_reduplication_are_folded() -> None:
    assert terms("CAFÉ Résumé barang-barang") == terms("kafe resume barang")
    # "resume" is an Indonesian root too (a summary, in the root list): no English "-e" goes
    assert terms("CAFÉ Résumé barang-barang") == ["kafe", "resume", "barang"]


def test_the_glossary_meets_english_and_shorthand_with_indonesian() -> None:
    assert terms("ongkir") == terms("ongkos kirim") == terms("biaya pengiriman")
    assert terms("ongkir") == ["biaya", "kirim"]  # "ongkos" and "biaya" are one word in shops
    assert sorted(terms("return policy")) == sorted(terms("kebijakan pengembalian"))
    assert terms("shipping") == terms("pengiriman")
    assert terms("Shoes") == terms("sepatu")


def bm25(tf: int, df: int, n: int, length: int, average: float) -> float:
    """The textbook Okapi BM25 weight of one term in one passage (Lucene's idf)."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))


def test_scores_are_okapi_bm25() -> None:
    texts = ["kaos merah kaos", "kaos biru", "celana hitam panjang"]
    index = LexicalIndex(texts)

    found = index.search("kaos", limit=10)

    average = (3 + 2 + 3) / 3
    assert found.positions.tolist() == [0, 1]
    assert found.scores.tolist() == pytest.approx(
        [bm25(2, 2, 3, 3, average), bm25(1, 2, 3, 2, average)], rel=1e-5
    )


def test_a_rare_term_outweighs_a_common_one() -> None:
    texts = [f"kaos katun ukuran {size}" for size in ["S", "M", "L", "XL"]] + ["kaos sutra"]
    index = LexicalIndex(texts)

    found = index.search("kaos sutra", limit=3)

    assert found.positions.tolist()[0] == 4
    assert found.coverage.tolist()[0] == pytest.approx(1.0)


def test_coverage_is_the_matched_share_of_the_query_idf_mass() -> None:
    index = LexicalIndex(["ongkos kirim ke bandung", "kaos polos", "kemeja batik"])

    found = index.search("kaos mobil", limit=3)  # "mobil" is in no passage

    assert found.positions.tolist() == [1]
    # An unknown term weighs as much as the rarest known one: here "kaos" itself.
    assert found.coverage.tolist() == pytest.approx([0.5])


def test_limit_keeps_the_best_and_an_empty_query_finds_nothing() -> None:
    index = LexicalIndex([f"kaos nomor {n} " + "kaos " * n for n in range(20)])

    assert index.search("kaos", limit=3).positions.tolist() == [19, 18, 17]
    assert index.search("halo kak", limit=3).positions.tolist() == []
    assert LexicalIndex([]).search("kaos", limit=3).positions.tolist() == []


# Keluarga Cactus's "cara-membeli.md" (tests/fixtures/dev_shops): three chunks of one page share
# its title words; the one-line bank account chunk has little else.
PAGE = "Bagaimana proses membeli di Keluarga Cactus?"
CARA_MEMBELI = [
    (
        "1. Pilih kaktus favorit anda melalui katalog website / social media @keluargacactus.\n"
        "2. Hubungi admin melalui kontak dibawah.\n"
        "3. Kofirmasi alamat dan kota tujuan untuk kami cek besar biaya pengiriman.\n"
        "4. Melakukan pembayaran melalui nomor rekening resmi kami.",
        f"{PAGE} > 7 Langkah Mudah beli di Keluarga Cactus\ncara-membeli",
    ),
    (
        "- Whatsapp: 085 256 404 594\n- Instagram: keluargacactus (Melalui Direct Message)",
        f"{PAGE} > Kontak Kami\ncara-membeli",
    ),
    (
        "BNI 46 A.N KHAKIM ASSIDIQI (Untuk Nomor Rekening mohon hubungi secara langsung)",
        f"{PAGE} > Rekening Resmi Keluarga Cactus\ncara-membeli",
    ),
]


@pytest.mark.parametrize("question", ["gimana sih cara belinya kak?", "kak gmn cara order nya?"])
def test_a_one_line_chunk_does_not_outrank_its_page_on_the_page_title(question: str) -> None:
    texts, titles = zip(*CARA_MEMBELI, strict=True)
    steps, one_line = 0, 2

    found = LexicalIndex(texts, titles).search(question, limit=3).positions.tolist()
    # The same words counted as the chunks' text: the one line wins on its shortness.
    as_text = LexicalIndex([f"{title}\n{text}" for text, title in CARA_MEMBELI])
    found_as_text = as_text.search(question, limit=3).positions.tolist()

    assert found.index(steps) < found.index(one_line)
    assert found_as_text.index(one_line) < found_as_text.index(steps)


def test_a_title_term_is_weighed_against_the_titles_lengths_bm25f() -> None:
    texts = ["Garansi jahitan 30 hari.", "Garansi jahitan 30 hari, kecuali bahan luntur."]
    titles = ["Garansi", "Garansi > Ketentuan garansi kain"]
    index = LexicalIndex(texts, titles)

    found = index.search("garansi", limit=2)

    # tf~ = tf in the text / its normalisation + TITLE x tf in the title / its normalisation
    text_lengths, title_lengths = [4, 7], [1, 4]
    assert [len(terms(t)) for t in texts] == text_lengths
    assert [len(terms(t)) for t in titles] == title_lengths
    idf = math.log(1 + (2 - 2 + 0.5) / (2 + 0.5))

    def weight(position: int, in_title: int) -> float:
        text_norm = 1 - B + B * text_lengths[position] / 5.5
        title_norm = 1 - TITLE_B + TITLE_B * title_lengths[position] / 2.5
        tf = 1 / text_norm + TITLE * in_title / title_norm
        return idf * tf * (K1 + 1) / (tf + K1)

    assert found.positions.tolist() == [0, 1]
    assert found.scores.tolist() == pytest.approx([weight(0, 1), weight(1, 2)], rel=1e-5)


def test_titles_leave_the_coverage_as_it_was() -> None:
    texts, titles = zip(*CARA_MEMBELI, strict=True)
    question = "nomor rekening nya brp kak"

    in_fields = LexicalIndex(texts, titles).search(question, limit=3)
    as_text = LexicalIndex([f"{title}\n{text}" for text, title in CARA_MEMBELI]).search(
        question, limit=3
    )

    assert sorted(in_fields.coverage.tolist()) == pytest.approx(sorted(as_text.coverage.tolist()))
