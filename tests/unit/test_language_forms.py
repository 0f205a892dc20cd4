"""The chat forms bench/language_forms.py writes a question in, and the language each expects."""

from bench.answer_eval import Message, Part
from bench.language_forms import FORMS, messages_of
from bench.readability import says_it_quotes


def single(text: str, language: str) -> Message:
    return Message(text, language, "toko", (Part(text, "faq.md"),))


def written(form: str, text: str, language: str) -> Message | None:
    found = [m for name, m in messages_of([single(text, language)]) if name == form]
    return found[0] if found else None


def test_a_very_short_message_keeps_the_questions_longest_words() -> None:
    short = written("very short", "Kurir apa saja yang tersedia?", "id")

    assert short is not None
    assert short.text == "kurir tersedia?"
    assert short.language == "id"  # the store's language: it must be answered in it


def test_a_very_short_english_message_at_an_indonesian_store_accepts_either_language() -> None:
    short = written("very short", "Do you ship internationally?", "en")

    assert short is not None
    assert short.text == "ship internationally?"
    assert short.language == "mixed"


def test_indonesian_gets_the_english_shop_words_customers_use() -> None:
    mixed = written("English shop words", "Apakah stok kemeja batik masih tersedia?", "id")

    assert mixed is not None
    assert mixed.text == "Apakah stock kemeja batik masih ready?"
    assert mixed.language == "id"
    assert written("English shop words", "Jam buka toko?", "id") is None  # nothing to swap


def test_each_form_applies_to_its_language_and_keeps_the_customers() -> None:
    particles = written("particles ya kak", "How much is shipping to Bali?", "en")
    greeting = written("greeting Hi kak", "Ongkir ke Bali berapa?", "id")

    assert particles is not None
    assert particles.text == "How much is shipping to Bali ya kak?"
    assert particles.language == "en"
    assert greeting is not None
    assert greeting.text == "Hi kak, ongkir ke Bali berapa?"
    assert written("particles ya kak", "Ongkir ke Bali berapa?", "id") is None
    assert set(FORMS) >= {"all caps", "no punctuation", "emoji around"}


def test_the_notice_of_the_other_language_is_recognised_in_both() -> None:
    assert says_it_quotes("Our information on this is written in Indonesian: Semua paket …")
    assert says_it_quotes("Informasi kami tentang ini tertulis dalam bahasa Inggris: All …")
    assert not says_it_quotes("Semua paket diasuransikan.")
