"""One store's search index (shared/knowledge/retrieval.py): fusion, threshold, isolation."""

from collections.abc import Callable, Sequence

import pytest

from shared.knowledge.models import Chunk
from shared.knowledge.retrieval import RRF_K, KnowledgeIndex

STORE = "toko-batik"
MODEL = "text-embedding-3-small"

FAQ = {
    "kirim": ("Pengiriman", "Ongkos kirim ke Surabaya Rp15.000, sampai dalam 2 hari kerja."),
    "retur": ("Pengembalian", "Barang cacat dapat dikembalikan dalam 7 hari setelah diterima."),
    "bayar": ("Pembayaran", "Pembayaran lewat transfer BCA, QRIS atau COD di Jakarta."),
    "batik": (None, "Nama: Kemeja Batik Parang; SKU: BTK-001; Harga: Rp250.000; Ukuran: M, L"),
}

MakeChunk = Callable[..., Chunk]


@pytest.fixture
def make_chunk() -> MakeChunk:
    def build(
        name: str,
        text: str,
        heading: str | None = None,
        store_id: str = STORE,
        embedding: Sequence[float] | None = None,
        embedding_model: str | None = MODEL,
    ) -> Chunk:
        return Chunk(
            id=f"{name}:1:0",
            store_id=store_id,
            document_id=name,
            version=1,
            n=0,
            text=text,
            heading=heading,
            locator="§ " + (heading or name),
            filename=f"{name}.md",
            embedding=list(embedding) if embedding is not None else None,
            embedding_model=embedding_model if embedding is not None else None,
        )

    return build


@pytest.fixture
def faq(make_chunk: MakeChunk) -> list[Chunk]:
    return [make_chunk(name, text, heading) for name, (heading, text) in FAQ.items()]


@pytest.mark.parametrize(
    ("question", "document"),
    [
        ("Berapa ongkir ke Surabaya kak?", "kirim"),
        ("bisa COD?", "bayar"),
        ("harga BTK001 berapa", "batik"),
        ("how much is the batik parang shirt?", "batik"),
        ("gimana cara return barang cacat?", "retur"),
    ],
)
def test_a_question_finds_the_passage_that_answers_it(
    faq: list[Chunk], question: str, document: str
) -> None:
    index = KnowledgeIndex(STORE, 1, faq)

    passages = index.search(question, k=5)

    assert passages[0].document_id == document
    assert passages[0].locator.startswith("§ ")
    assert 0.5 <= passages[0].score <= 1.0


@pytest.mark.parametrize(
    "question",
    ["Do you sell used cars?", "jual mobil bekas?", "halo kak", "", "cuaca Jakarta hari ini?"],
)
def test_an_unrelated_question_returns_nothing(faq: list[Chunk], question: str) -> None:
    assert KnowledgeIndex(STORE, 1, faq).search(question) == []


def test_a_passage_covering_too_little_of_the_question_is_left_out(faq: list[Chunk]) -> None:
    index = KnowledgeIndex(STORE, 1, faq)
    question = "apakah ada kemeja flanel motif kotak"  # only "kemeja" is in the knowledge

    assert index.search(question) == []
    assert index.search(question, min_score=0.2)[0].document_id == "batik"


def test_another_stores_chunks_are_never_returned(make_chunk: MakeChunk) -> None:
    mine = make_chunk("mine", "Ongkos kirim ke Bandung Rp10.000")
    theirs = make_chunk("theirs", "Ongkos kirim ke Bandung Rp10.000", store_id="toko-lain")

    passages = KnowledgeIndex(STORE, 1, [theirs, mine]).search("ongkir ke Bandung")

    assert [p.document_id for p in passages] == ["mine"]


def unit(*values: float) -> list[float]:
    norm = sum(v * v for v in values) ** 0.5
    return [v / norm for v in values]


def test_rankings_are_fused_by_reciprocal_rank(make_chunk: MakeChunk) -> None:
    # Lexical order: a, b (c has no query word); vector order: b, c, a.
    a = make_chunk("a", "kaos polos kaos katun kaos", embedding=unit(0.2, 1.0))
    b = make_chunk("b", "kaos lengan panjang bahan tebal", embedding=unit(1.0, 0.0))
    c = make_chunk("c", "jaket hoodie", embedding=unit(1.0, 0.5))
    index = KnowledgeIndex(STORE, 1, [a, b, c], MODEL)

    passages = index.search("kaos", k=3, query_vector=[1.0, 0.0], min_similarity=0.0)

    fused = {
        "a": 1 / (RRF_K + 1) + 1 / (RRF_K + 3),
        "b": 1 / (RRF_K + 2) + 1 / (RRF_K + 1),
        "c": 1 / (RRF_K + 2),
    }
    assert [p.document_id for p in passages] == sorted(fused, key=lambda name: -fused[name])
    assert [p.document_id for p in passages] == ["b", "a", "c"]


def test_a_near_vector_answers_without_a_shared_word(make_chunk: MakeChunk) -> None:
    near = make_chunk("near", "Kemeja batik tulis", embedding=unit(1.0, 0.1))
    far = make_chunk("far", "Ongkos kirim", embedding=unit(0.0, 1.0))
    index = KnowledgeIndex(STORE, 1, [near, far], MODEL)

    passages = index.search("traditional garment", query_vector=unit(1.0, 0.0))

    assert [p.document_id for p in passages] == ["near"]
    assert passages[0].score == pytest.approx(unit(1.0, 0.1)[0], abs=1e-4)


def test_far_vectors_do_not_make_an_unrelated_question_relevant(make_chunk: MakeChunk) -> None:
    chunks = [
        make_chunk("x", "Kemeja batik tulis", embedding=unit(1.0, 0.2, 0.0)),
        make_chunk("y", "Ongkos kirim", embedding=unit(0.0, 1.0, 0.1)),
    ]
    index = KnowledgeIndex(STORE, 1, chunks, MODEL)

    assert index.search("used cars", query_vector=unit(0.1, 0.1, 1.0)) == []


def test_vectors_of_another_model_are_not_compared(make_chunk: MakeChunk) -> None:
    old = make_chunk("old", "Kemeja batik", embedding=unit(1.0, 0.0), embedding_model="ada-002")
    index = KnowledgeIndex(STORE, 1, [old], MODEL)

    assert not index.has_vectors
    assert index.search("traditional garment", query_vector=unit(1.0, 0.0)) == []
    assert [p.document_id for p in index.search("kemeja batik")] == ["old"]


def test_a_query_vector_of_another_width_is_ignored(make_chunk: MakeChunk) -> None:
    chunk = make_chunk("a", "Kemeja batik", embedding=unit(1.0, 0.0))
    index = KnowledgeIndex(STORE, 1, [chunk], MODEL)

    assert index.search("traditional garment", query_vector=unit(1.0, 0.0, 0.0)) == []


def test_k_limits_the_passages_best_first(make_chunk: MakeChunk) -> None:
    # Equal lengths: the more "kaos", the higher BM25's score (the learned order, which weighs
    # more than the score, is left out: it has its own tests).
    chunks = [
        make_chunk(f"p{n}", "kaos " * (n + 1) + "motif " * (8 - n) + "polos") for n in range(8)
    ]

    passages = KnowledgeIndex(STORE, 1, chunks).search("kaos polos", k=3, ranker=None)

    assert [p.document_id for p in passages] == ["p7", "p6", "p5"]


def test_of_the_relevant_passages_the_one_stating_the_kind_of_fact_asked_comes_first(
    make_chunk: MakeChunk,
) -> None:
    chunks = [
        make_chunk("servis", "Repairs under warranty are free, except for accidental damage."),
        make_chunk("bengkel", "We repair laptops at our workshop in Denver."),
        make_chunk("waktu", "Typical repairs take 3-5 business days from receipt."),
    ]
    index = KnowledgeIndex(STORE, 1, chunks)

    plain = index.search("repair warranty laptop workshop", k=3)
    timed = index.search("How long does a repair take?", k=3)
    costed = index.search("servisnya brp hari kak?", k=3)

    assert plain[0].document_id != "waktu"
    assert timed[0].document_id == "waktu"
    assert costed[0].document_id == "waktu"
    assert index.search("How long does shipping to Bali take?", k=3) == []  # never relevant
