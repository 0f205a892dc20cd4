"""The learned order of relevant passages (shared/knowledge/ranker.py, bench/train_ranker.py):
the shipped weights are what the script trains, the right passage comes first on real chat
forms where BM25 alone puts another first, and the order never makes a passage relevant."""

import json

import numpy as np
import pytest

from bench.knowledge_eval import Question
from bench.train_ranker import Indexes, candidates, fit, stores_and_questions
from shared.knowledge.lexical import EXACT, HINT, TYPO, LexicalIndex
from shared.knowledge.ranker import FEATURES, MODEL, Ranker, shipped
from shared.knowledge.retrieval import KnowledgeIndex, Passage
from shared.text.normalise import terms
from tests.support.faq import faq_chunks


@pytest.fixture(scope="module")
def stores() -> tuple[dict[str, KnowledgeIndex], list[Question]]:
    """The sample store (OCR included: a few seconds) and the development shops, once."""
    return stores_and_questions()


@pytest.fixture(scope="module")
def indexes(stores: tuple[dict[str, KnowledgeIndex], list[Question]]) -> Indexes:
    """By shop; the sample store is ""."""
    return stores[0]


def test_the_shipped_weights_are_what_the_training_script_fits(
    stores: tuple[dict[str, KnowledgeIndex], list[Question]],
) -> None:
    recorded = Ranker.from_json(MODEL.read_text())
    penalty = float(json.loads(MODEL.read_text())["penalty"])

    trained = fit(candidates(*stores), penalty)

    assert np.allclose(trained.mean, recorded.mean, atol=1e-4)
    assert np.allclose(trained.scale, recorded.scale, atol=1e-4)
    assert np.allclose(trained.weights, recorded.weights, atol=1e-4)


def _rank(found: list[Passage], source: str, phrase: str) -> int:
    """1-based rank of the first passage of `source` holding `phrase` (casefolded); 99 if none."""
    right = (p.filename == source and phrase in p.text.casefold() for p in found)
    return next((n for n, ok in enumerate(right, 1) if ok), 99)


@pytest.mark.parametrize(
    ("shop", "question", "source", "phrase", "rank"),
    [
        # formal Indonesian to the sample store: the couriers' page before the FAQ
        ("", "Kurir apa saja yang tersedia?", "kebijakan-pengiriman.pdf", "kurir", 1),
        ("", "Apakah tersedia kemeja batik untuk anak?", "faq.docx", "anak", 1),
        # casual Indonesian: the buying steps above the payment confirmation
        ("keluargacactus", "gimana sih cara belinya kak?", "cara-membeli.md", "pilih kaktus", 1),
        ("keluargacactus", "kak gmn cara order nya?", "cara-membeli.md", "pilih kaktus", 1),
        # casual Indonesian: how much water, in the care tips, above the delivery times
        (
            "keluargacactus",
            "aq siram tiap hari boleh ga sih?",
            "tips-merawat.md",
            "tidak membutuhkan terlalu banyak air",
            1,
        ),
        # English: who pays the shipping of a return, above the processing times
        (
            "system76",
            "Do you pay the shipping for returns?",
            "shipping-your-computer.md",
            "shipping is not covered for any returns",
            1,
        ),
    ],
)
def test_the_answering_passage_moves_up_where_bm25_alone_ranks_others_above_it(
    indexes: Indexes, shop: str, question: str, source: str, phrase: str, rank: int
) -> None:
    index = indexes[shop]

    assert _rank(index.search(question, k=10), source, phrase) == rank
    assert _rank(index.search(question, k=10, ranker=None), source, phrase) > rank


@pytest.mark.parametrize(
    ("shop", "question"),
    [
        ("keluargacactus", "kak ada tanaman monstera ga?"),
        ("keluargacactus", "Can I pay with PayPal?"),
        ("system76", "bisa cicilan 0% ga?"),
        ("system76", "Do you sell gaming mice?"),
        ("", "Apakah toko menjual perlengkapan bayi?"),
    ],
)
def test_the_order_never_makes_an_unanswerable_question_answered(
    indexes: Indexes, shop: str, question: str
) -> None:
    assert indexes[shop].search(question) == []


def test_the_ranker_reorders_only_the_relevant_passages(indexes: Indexes) -> None:
    index = indexes["system76"]
    question = "how long do repiars take?"

    with_ranker = index.search(question, k=20)
    without = index.search(question, k=20, ranker=None)

    assert {p.chunk_id for p in with_ranker} == {p.chunk_id for p in without}
    assert [p.chunk_id for p in with_ranker] != [p.chunk_id for p in without]


def test_coverage_is_split_by_how_each_word_is_held() -> None:
    index = LexicalIndex(["Garansi jahitan 30 hari", "Pengiriman ke Medan dan Sumatra"])

    typo = index.search("garnsi jahitan", 5)  # a misspelling found by its nearest term
    place = index.search("ongkir ke Palembang", 5)  # held by its island, a related term

    assert typo.split[0, TYPO] > 0
    assert typo.split[0, EXACT] > 0
    assert place.split[0, HINT] > 0
    for found in (typo, place):
        assert np.allclose(found.split.sum(axis=1), found.coverage)


def test_a_file_trained_on_other_features_is_refused() -> None:
    text = shipped().to_json().replace('"length"', '"words"')

    with pytest.raises(ValueError, match="other features"):
        Ranker.from_json(text)
    assert len(shipped().weights) == len(FEATURES)


@pytest.mark.parametrize(
    ("question", "answering", "other"),
    [
        (
            "ongkir retur ditanggung siapa kak?",
            "Ongkos kirim retur ditanggung pembeli.",
            "Retur paling lambat 7 hari setelah barang diterima.",
        ),
        (
            "who pays return shipping?",
            "Return shipping is paid by the customer.",
            "Returns are accepted within 30 days of delivery.",
        ),
    ],
)
def test_a_sentence_holding_the_whole_question_covers_more_than_one_holding_a_word(
    question: str, answering: str, other: str
) -> None:
    index = LexicalIndex([f"{other} {answering}"])
    matches = index.search(question, 5)

    def held_by(sentence: str) -> float:
        return index.best_coverage(matches, [set(terms(sentence))])

    assert held_by(answering) > held_by(other) > 0
    assert held_by(f"{other} {answering}") == pytest.approx(float(matches.coverage[0]))


def test_the_best_sentence_feature_is_lower_where_the_words_are_spread_over_sentences() -> None:
    together = "Pengiriman kaktus setiap hari kerja. Kaktus disiram seminggu sekali."
    spread = "Kaktus kami pilih sendiri. Pengiriman tersedia ke seluruh Indonesia setiap hari."
    index = KnowledgeIndex("s", 1, faq_chunks("s", [together, spread]))
    question = "kaktusnya dikirim tiap hari ga kak?"

    matches = index.lexical.search(question, 5)
    rows = index.candidates(question, matches)
    sentence = rows[:, FEATURES.index("sentence")]
    texts = [index.chunks[p].text for p in matches.positions.tolist()]
    by_text = dict(zip(texts, sentence, strict=True))

    assert by_text[together] > by_text[spread]


@pytest.mark.parametrize(
    ("question", "passages"),
    [
        (
            "how long do repiars take?",
            [
                "Repairs are covered under warranty, except for damage.",
                "Typical repairs are 3-5 business days.",
            ],
        ),
        (
            "brp lama garnsi nya kak?",
            ["Garansi berlaku untuk cacat jahitan.", "Masa garansi 30 hari sejak barang diterima."],
        ),
    ],
)
def test_a_misspelt_topic_still_finds_the_passage_stating_the_kind_of_fact_asked(
    question: str, passages: list[str]
) -> None:
    index = KnowledgeIndex("s", 1, faq_chunks("s", passages))

    assert index.search(question, ranker=None)[0].text == passages[1]


def test_a_candidates_features_are_its_own_whichever_others_are_computed(indexes: Indexes) -> None:
    # a search computes the rows of the relevant candidates alone; training computes all ten
    index = indexes["system76"]
    question = "kalo laptop rusak pas dikirim, siapa yg tanggung?"
    matches = index.lexical.search(question, 50)

    everything = index.candidates(question, matches)
    some = index.candidates(question, matches, [1, 3])

    assert len(everything) == 10
    assert np.allclose(some, everything[[1, 3]])
