"""Retrieval quality on the sample store and the development shops (bench/knowledge_eval.py), with
floors a regression breaks, and the frozen external set's shape (docs/evaluation.md: no floors,
nobody tunes on it).

The floors sit below what the current analyser and threshold reach (docs/knowledge.md,
"Retrieval and evaluation"), with room for a question or two to change rank.
"""

from pathlib import Path

import pytest

from bench.knowledge_eval import (
    DEV_QUESTIONS,
    DEV_QUESTIONS_4,
    DEV_SHOPS,
    EXTERNAL,
    EXTERNAL_QUESTIONS,
    SAMPLE_QUESTIONS,
    SAMPLE_STORE,
    Evaluation,
    Question,
    document_files,
    evaluate,
    evaluate_chunks,
    evaluate_stores,
    load_stores,
    read_questions,
)
from shared.knowledge.models import Chunk

# Paraphrases, English and near-miss unanswerable questions on the same store (docs/knowledge.md,
# "Meaning without an embeddings API"): no word of the sample set's wording to lean on.
PARAPHRASES = SAMPLE_QUESTIONS.with_name("sample_store_paraphrases.csv")


@pytest.fixture(scope="module")
async def sample_store() -> Evaluation:
    """Extracting the sample store (OCR included) takes a second or two: once per module."""
    return await evaluate()


def test_the_sample_store_questions_find_their_sources(sample_store: Evaluation) -> None:
    evaluation = sample_store

    assert evaluation.documents == 6
    assert evaluation.overall.questions >= 40
    assert (evaluation.overall.hit_at_k or 0) >= 0.9
    assert (evaluation.overall.hit_at_1 or 0) >= 0.8
    assert (evaluation.overall.mrr or 0) >= 0.85
    assert evaluation.overall.section_hit_at_k is not None
    assert evaluation.overall.section_hit_at_k >= 0.85
    assert set(evaluation.by_language) == {"id", "en", "mixed"}
    for language, scores in evaluation.by_language.items():
        assert (scores.hit_at_k or 0) >= 0.8, language
    assert evaluation.silent <= 3


def test_the_threshold_rejects_most_unanswerable_questions(sample_store: Evaluation) -> None:
    evaluation = sample_store

    assert evaluation.unanswerable >= 8
    assert evaluation.rejected >= evaluation.unanswerable - 4


def test_the_paraphrase_set_asks_about_the_sample_store_documents() -> None:
    questions = read_questions(PARAPHRASES)
    documents = {path.name for path in document_files(SAMPLE_STORE)}

    answerable = [question for question in questions if question.source]
    assert len(answerable) >= 30
    assert len(questions) - len(answerable) >= 10
    assert {question.source for question in answerable} == documents
    assert sum(question.language == "en" for question in questions) > len(questions) / 2


async def test_the_threshold_rejects_the_unanswerable_paraphrases() -> None:
    """8 of 10. "What is the capital of Indonesia?" is rejected (a place counts half) and
    "instan" keeps its -an, but two remain answered, each sharing a shop word with a passage:
    "Do you repair phones?" (the warranty repairs seams: "repair" is "servis", which carries
    the development set's Indonesian repair questions) and "Bisa kirim pakai Gojek instan?"
    ("kirim" and "pakai", which the return conditions say as "dipakai"). Dropping "pakai" as a
    preposition rejects the latter but answers "Bisa bayar pakai kripto?" on the answering
    tests' FAQ instead: a one-known-word question is where a lexical relevance decision ends
    (docs/knowledge.md, honest limits). The floor allows those two."""
    evaluation = await evaluate(questions=PARAPHRASES)

    assert evaluation.rejected >= evaluation.unanswerable - 2


def chunk(name: str, text: str, n: int = 0, store: str = "evaluation") -> Chunk:
    return Chunk(
        id=f"{name}:1:{n}",
        store_id=store,
        document_id=name,
        version=1,
        n=n,
        text=text,
        locator="page 1",
        filename=name,
    )


async def test_scores_count_ranks_per_language_and_rejections() -> None:
    chunks = [chunk("a.md", "kaos polos kaos polos"), chunk("b.md", "kaos polos lengan panjang")]
    questions = [
        Question("kaos polos", "id", "a.md", "page 1"),  # rank 1
        Question("kaos polos?", "en", "b.md", "page 2"),  # rank 2, wrong section
        Question("jual mobil bekas?", "id", None, None),
        Question("kaos", "id", None, None),  # answered although it should not be
    ]

    evaluation = await evaluate_chunks(chunks, questions, k=5)

    assert evaluation.overall.hit_at_1 == 0.5
    assert evaluation.overall.hit_at_k == 1.0
    assert evaluation.overall.mrr == 0.75
    assert evaluation.overall.section_hit_at_k == 0.5
    assert evaluation.by_language["en"].mrr == 0.5
    assert (evaluation.unanswerable, evaluation.rejected) == (2, 1)
    assert evaluation.wrongly_answered == ["kaos"]
    assert evaluation.misses == []


async def test_each_question_is_asked_in_its_shop_and_scored_by_style() -> None:
    stores = {
        "toko": [
            chunk("faq.md", "ongkir ditanggung pembeli", 0, "toko"),
            chunk("faq.md", "retur ditanggung penjual, ongkir retur gratis", 1, "toko"),
            chunk("faq.md", "jam buka toko senin sampai sabtu", 2, "toko"),
        ],
        "shop": [
            chunk("policy.md", "returns within 30 days of receipt", 0, "shop"),
            chunk("policy.md", "we ship from california", 1, "shop"),
        ],
    }
    questions = [
        # the right file, but its other passage comes first: not a hit at 1
        Question(
            "ongkir ditanggung siapa kalo retur",
            "id",
            "faq.md",
            None,
            "ongkir ditanggung pembeli",
            "toko",
            "slang",
        ),
        Question("returns days", "en", "policy.md", None, "30 days", "shop", "english"),
        Question("warranty days", "en", None, None, None, "toko", "english"),  # asked in toko
        Question("jam tangan?", "id", None, None, None, "toko", "slang"),  # answered: wrong
    ]

    evaluation = await evaluate_stores(stores, questions)

    assert evaluation.documents == 2
    assert (evaluation.overall.hit_at_1, evaluation.overall.hit_at_k) == (0.5, 1.0)
    assert evaluation.by_style["english"].hit_at_1 == 1.0
    assert evaluation.by_style["english"].abstention == 1.0
    assert evaluation.by_style["slang"].hit_at_1 == 0.0
    assert evaluation.by_style["slang"].abstention == 0.0
    assert evaluation.overall.abstention == 0.5
    assert evaluation.wrongly_answered == ["jam tangan?"]


async def test_a_question_of_a_shop_without_documents_is_an_error() -> None:
    stores = {"toko": [chunk("faq.md", "ongkir ditanggung pembeli", 0, "toko")]}

    with pytest.raises(ValueError, match="lain"):
        await evaluate_stores(stores, [Question("ongkir", "id", None, None, shop="lain")])


@pytest.mark.parametrize(
    ("path", "answerable_floor", "unanswerable_floor"),
    [(DEV_QUESTIONS, 60, 15), (DEV_QUESTIONS_4, 40, 12)],
)
def test_the_development_set_has_its_shops_styles_and_unanswerable_questions(
    path: Path, answerable_floor: int, unanswerable_floor: int
) -> None:
    questions = read_questions(path)
    answerable = [q for q in questions if q.source]

    assert len(answerable) >= answerable_floor
    assert len(questions) - len(answerable) >= unanswerable_floor
    assert {q.style for q in answerable} == {
        "formal",
        "casual",
        "slang",
        "typos",
        "code-mixed",
        "english",
    }
    assert {q.shop for q in questions} == {"keluargacactus", "system76"}
    # across languages both ways: Indonesian to the English shop, English to the Indonesian one
    assert any(q.language == "id" and q.shop == "system76" for q in answerable)
    assert any(q.language == "en" and q.shop == "keluargacactus" for q in answerable)


@pytest.mark.parametrize("path", [DEV_QUESTIONS, DEV_QUESTIONS_4])
def test_every_development_answer_phrase_lies_in_one_passage_of_its_source(path: Path) -> None:
    stores = load_stores(DEV_SHOPS)
    for question in read_questions(path):
        if question.source and question.passage:
            phrase = question.passage.casefold()
            holding = [c.filename for c in stores[question.shop] if phrase in c.text.casefold()]
            assert holding == [question.source], question.text


async def test_rules_carry_over_to_the_development_shops() -> None:
    """Floors below what the pipeline reaches on shops it was not written for (docs/evaluation.md,
    "The development set"): hit@1 0.67, hit@5 0.78, abstention 0.94 when the floors were set."""
    evaluation = await evaluate(DEV_SHOPS, DEV_QUESTIONS)

    assert (evaluation.overall.hit_at_1 or 0) >= 0.6
    assert (evaluation.overall.hit_at_k or 0) >= 0.7
    assert (evaluation.overall.abstention or 0) >= 0.9


def test_the_frozen_set_has_its_shops_styles_and_unanswerable_questions() -> None:
    questions = read_questions(EXTERNAL_QUESTIONS)
    answerable = [q for q in questions if q.source]
    styles = {"formal", "casual", "slang", "typos", "code-mixed", "english"}

    assert len(answerable) >= 100
    assert len(questions) - len(answerable) >= 20
    assert {q.style for q in questions} == styles
    for style in styles:
        assert sum(q.style == style for q in answerable) >= 12, style
    assert {q.shop for q in questions} == {"sabda-literasi", "makerspet", "3mdeb"}
    assert {q.language for q in questions} == {"id", "en", "mixed"}


def test_every_frozen_answer_phrase_lies_in_one_passage_of_its_source() -> None:
    """The phrase names the right passage; a chunking change that splits it breaks the set."""
    stores = load_stores(EXTERNAL)
    for question in read_questions(EXTERNAL_QUESTIONS):
        if question.source and question.passage:
            phrase = question.passage.casefold()
            holding = {c.filename for c in stores[question.shop] if phrase in c.text.casefold()}
            assert holding == {question.source}, question.text


async def test_the_frozen_set_is_scored_per_style_with_abstention() -> None:
    evaluation = await evaluate(EXTERNAL, EXTERNAL_QUESTIONS)

    assert evaluation.documents == 6
    assert set(evaluation.by_style) == {
        "formal",
        "casual",
        "slang",
        "typos",
        "code-mixed",
        "english",
    }
    for scores in evaluation.by_style.values():
        assert scores.hit_at_1 is not None
        assert scores.abstention is not None
