"""WordNet synonyms and translations (shared/text/synonyms.py) as weak hints of a search."""

import subprocess
import sys

import pytest

from shared.knowledge.lexical import LexicalIndex
from shared.knowledge.retrieval import MIN_SCORE
from shared.text.normalise import terms, words
from shared.text.stemming import stem
from shared.text.synonyms import is_general, synonyms


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        ("fertilizer", "pupuk"),
        ("cactus", "kaktus"),
        ("room", "kamar"),
        ("shirt", "kemeja"),
        ("holiday", "libur"),
        ("warranty", "garansi"),
    ],
)
def test_an_english_word_finds_its_indonesian_translations(word: str, meaning: str) -> None:
    assert meaning in synonyms(stem(word))


def test_an_english_word_finds_its_english_synonyms() -> None:
    assert "fertiliser" in synonyms(stem("fertilizer"))
    assert "alter" in synonyms(stem("change"))


def test_an_indonesian_word_finds_english_words_only() -> None:
    # Wordnet Bahasa's synsets were filled automatically: their Indonesian words are often
    # only loosely related, so an Indonesian word is not expanded into other Indonesian words.
    assert {"room", "bedroom"} <= set(synonyms("kamar"))
    assert "bilik" not in synonyms("kamar")
    assert "fertilizer" in synonyms("pupuk")
    assert "baja" not in synonyms("pupuk")  # fertilizer's other Indonesian word


def test_an_english_stem_that_is_an_indonesian_root_is_not_its_key() -> None:
    # "belie" stems to "beli" (buy): the Indonesian word keeps its own meaning.
    assert "belie" not in synonyms("beli")
    assert {"purchase", "buy"} <= set(synonyms("beli"))


@pytest.mark.parametrize(
    ("word", "translation"),
    [("rusak", "broken"), ("bayar", "pay"), ("aman", "safe"), ("jatuh", "fall")],
)
def test_an_indonesian_word_finds_the_dictionary_s_english_translation(
    word: str, translation: str
) -> None:
    # Wordnet Bahasa gives these no such word ("bayar" none at all); WikDict does.
    assert translation in synonyms(word)


def test_a_question_word_carries_its_synonyms_but_the_index_never_holds_them() -> None:
    fertilizer = words("What fertilizer do you recommend?", with_synonyms=True)[0]

    assert fertilizer.terms == ("fertilizer",)
    assert "pupuk" in fertilizer.synonyms
    assert terms("What fertilizer do you recommend?") == ["fertilizer"]


def test_glossary_words_and_places_get_no_synonyms() -> None:
    found = words("ongkirnya brp ke Medan", with_synonyms=True)

    assert [word.synonyms for word in found] == [(), ()]


CACTUS_SHOP = [
    "Pupuk: beri pupuk kaktus sebulan sekali saat musim hujan.",
    "Penyiraman: siram kaktus seminggu sekali, biarkan tanah kering.",
    "Pengiriman ke seluruh Indonesia setiap hari kerja.",
]


def test_an_english_question_reaches_an_indonesian_passage_through_a_translation() -> None:
    found = LexicalIndex(CACTUS_SHOP).search("What fertilizer do you recommend?", limit=5)

    assert found.positions.tolist() == [0]
    # Expanded matches count less than the word itself: half of it here.
    assert MIN_SCORE <= float(found.coverage[0]) < 1.0


@pytest.mark.parametrize("question", ["kak pupuknya apa ya?", "kaktusnya dipupuk ga kak?"])
def test_an_indonesian_chat_question_reaches_an_english_passage(question: str) -> None:
    index = LexicalIndex(
        [
            "Fertilizer: feed your cactus once a month in spring and summer.",
            "Watering: water once a week, less in winter.",
            "Shipping: every weekday by courier.",
        ]
    )

    found = index.search(question, limit=5)

    assert found.positions.tolist() == [0]
    assert float(found.coverage[0]) >= MIN_SCORE


def test_an_indonesian_question_reaches_an_english_passage_through_the_dictionary() -> None:
    index = LexicalIndex(
        [
            "Damage from a fall is not covered by the warranty.",
            "Shipping: every weekday by courier.",
        ]
    )

    # Wordnet Bahasa's "jatuh" is "lapse", "flunk"; the dictionary's is "fall".
    found = index.search("kalo jatuh gmn?", limit=5)

    assert found.positions.tolist() == [0]
    assert float(found.coverage[0]) >= MIN_SCORE


def test_a_passage_with_the_word_itself_outranks_one_with_a_synonym() -> None:
    index = LexicalIndex(["Fertilizer: feed once a month.", "Pupuk: sebulan sekali."])

    found = index.search("Which fertilizer?", limit=5)

    assert found.positions.tolist() == [0, 1]
    assert float(found.coverage[0]) > float(found.coverage[1])


def test_a_synonym_counts_once_at_its_highest_weight() -> None:
    # "pupuk" is the second word's own term and the first word's synonym: its full weight.
    index = LexicalIndex(CACTUS_SHOP)

    both = index.search("fertilizer pupuk", limit=5)
    alone = index.search("pupuk", limit=5)

    assert float(both.scores[0]) == pytest.approx(float(alone.scores[0]), rel=0.01)


@pytest.mark.parametrize(
    "question",
    [
        "Do you sell shoes?",
        "jual sepatu ga kak?",
        "Can you recommend a restaurant in Bali?",
        "kak ada jual tiket pesawat gak",
    ],
)
def test_unanswerable_questions_stay_below_the_relevance_decision(question: str) -> None:
    found = LexicalIndex(CACTUS_SHOP).search(question, limit=5)

    assert not len(found.coverage) or float(found.coverage.max()) < MIN_SCORE


def test_indexing_and_hand_over_keywords_never_read_the_table() -> None:
    # Only a search expands; terms() (indexing, hand-over keywords, gap clusters) stays lean.
    script = (
        "from shared.text.normalise import normalise, terms, words\n"
        "from shared.text.synonyms import _meanings\n"
        "terms('What fertilizer do you recommend?'); words('pupuknya apa'); normalise('kamar')\n"
        "assert _meanings.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


@pytest.mark.parametrize(
    ("word", "general"),
    [("place", True), ("take", True), ("answer", True), ("laptop", False), ("ticket", False)],
)
def test_english_words_of_many_meanings_are_general(word: str, general: bool) -> None:
    assert is_general(stem(word)) is general


ORDERS = [
    "How to order: choose a cactus, then order through WhatsApp.",
    "Orders paid before noon ship the same day.",
    "Cancel an order within an hour of paying.",
    "Watering: water a cactus once a week.",
    "Shipping: every weekday by courier.",
    "Pots: clay pots in three sizes.",
]


def test_an_unknown_general_word_sinks_a_question_less_than_an_unknown_thing() -> None:
    index = LexicalIndex(ORDERS)

    framed = index.search("Where do I place my order?", limit=5)
    elsewhere = index.search("Where do I order my laptop?", limit=5)

    assert framed.positions.tolist()[0] == 0
    assert float(framed.coverage[0]) >= MIN_SCORE
    assert float(elsewhere.coverage.max()) < MIN_SCORE
