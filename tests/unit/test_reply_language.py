"""The customer's language, told from the chat forms that blur it (bench/language_forms.py):
greetings, thanks, the address and particles of the other language, chat spellings, English
shop words inside Indonesian, very short messages; and a reply quoting the other language's
document says so, end to end through the offline Answerer."""

import pytest

from shared.answering.answerer import Question
from shared.answering.compose import compose, language_of
from shared.answering.wording import detect_language, part_language
from shared.events import utcnow
from shared.knowledge.retrieval import Passage
from shared.stores.bot_settings import BotSettings, Language, Tone
from shared.stores.directory import Store
from tests.support.faq import faq_answerer

STORE = "toko-batik"


@pytest.mark.parametrize(
    ("message", "language"),
    [
        # Indonesian particles and the address in English
        ("The package got lost in transit, what now ya kak?", Language.EN),
        ("Is the Outer Tenun Lurik in stock ya kak?", Language.EN),
        ("how much ya?", Language.EN),
        ("can COD kak?", Language.EN),
        ("Halo kak, how long is shipping to Bandung?", Language.EN),
        ("do you ship to Bali makasih", Language.EN),
        # English greetings, thanks and shop words in Indonesian
        ("Hi kak, ongkir ke Bandung berapa?", Language.ID),
        ("kalo datanya ilang pas diservis tanggung jawab ga? thanks", Language.ID),
        ("perlu backup data dlu sblm hubungin suport? thanks", Language.ID),
        ("ready stock kak?", Language.ID),
        ("bisa refund?", Language.ID),
        ("free ongkir?", Language.ID),
        ("mau order dong", Language.ID),
        ("ORDER SAYA BELUM SAMPAI", Language.ID),
        ("makasih kak", Language.ID),
        ("thank you", Language.EN),
    ],
)
def test_the_language_is_told_by_what_the_message_says_not_how_it_is_framed(
    message: str, language: Language
) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is language


@pytest.mark.parametrize(
    ("message", "language"),
    [
        # Indonesian told by its closed-class words and the "-nya" suffix, not a chat question's
        ("Pengirimannya cepat sekali.", Language.ID),
        ("Pelayanan admin sangat ramah, packing rapi", Language.ID),
        ("Kaktusnya datang segar semua", Language.ID),
        ("Mengecewakan, paketnya rusak", Language.ID),
        ("Kurirnya telat tapi barangnya aman", Language.ID),
        # English reviews and complaints without a question word
        ("Very neat packing but slow courier", Language.EN),
        ("Arrived in two days, all good", Language.EN),
        ("Not as described", Language.EN),
        ("Been waiting two weeks already", Language.EN),
    ],
)
def test_statements_are_told_apart_without_a_question_word(
    message: str, language: Language
) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is language


@pytest.mark.parametrize(
    ("message", "language"),
    [
        # a few everyday words, no function word (bench.language_short: short public texts)
        ("makanan nya enak", Language.ID),
        ("pengen beli kaktus", Language.ID),
        ("tempat jauh", Language.ID),
        ("need help", Language.EN),
        ("great value", Language.EN),
        # English chat spellings the lexicon also translates ("wanna" -> "mau") stay English
        ("wanna check ur status", Language.EN),
        ("im waiting", Language.EN),
        # the shop words Indonesian chat borrows tell no English
        ("order kemarin blm sampe", Language.ID),
        ("cancel order aja", Language.ID),
        # no function word at all: two more words that only one language writes (WordNet)
        ("tanaman hias kaktus", Language.ID),
        ("delivery time estimate", Language.EN),
    ],
)
def test_short_texts_are_told_by_everyday_words_and_chat_spellings(
    message: str, language: Language
) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is language


@pytest.mark.parametrize(
    "message",
    [
        # English words only, two of them English shop words Indonesian chat does not write as
        # its own: the words a very short English question is made of
        "return policy? warranty?",
        "opening hours? weekend?",
        "shipping cost? insurance?",
        "payment methods?",
    ],
)
def test_a_very_short_english_question_of_shop_words_is_english(message: str) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is Language.EN


@pytest.mark.parametrize(
    "message",
    [
        # the English words Indonesian chat borrows tell no English, nor does a review's
        "ready stock? cod?",
        "packing bubble wrap?",
        "Positive seller, fast respon",
    ],
)
def test_words_indonesian_chat_borrows_tell_no_english(message: str) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is store_language


@pytest.mark.parametrize(
    "message", ["COD?", "size?", "👍🙏", "Hi kak", "QRIS", "refund policy", "ready stock"]
)
def test_a_message_that_tells_no_language_gets_the_stores(message: str) -> None:
    for store_language in Language:
        assert detect_language(message, store_language) is store_language


def test_a_sentence_too_short_to_tell_is_quoted_as_its_documents_language() -> None:
    # "Pilih kaktus favorit anda melalui katalog." has no function word of either language.
    how_to_order = Passage(
        chunk_id="faq:1:0",
        document_id="faq",
        filename="faq.md",
        locator="§ 0",
        heading=None,
        text=(
            "Bagaimana cara memesan? Pilih kaktus favorit anda melalui katalog.\n\n"
            "Apakah bisa COD? Belum bisa, pembayaran hanya dengan transfer bank."
        ),
        score=0.8,
    )

    composed = compose("How do I order?", [how_to_order], Language.EN, Tone.FRIENDLY)

    assert composed is not None
    assert composed.text == (
        "Our information on this is written in Indonesian: Pilih kaktus favorit anda melalui "
        "katalog."
    )


FAQ = [
    "Bagaimana jika paket hilang? Semua paket diasuransikan. Jika paket hilang di perjalanan, "
    "kami kirim barang pengganti.",
    "Do you repair laptops? We repair laptops bought from us; the repair takes 5 business days.",
]


async def ask(message: str) -> str:
    answerer = faq_answerer(STORE, FAQ)
    question = Question(
        store=Store(id=STORE, name="Toko Batik", whatsapp_number="+6281100000000"),
        settings=BotSettings(),
        text=message,
        asked_at=utcnow(),
        history=[{"direction": "inbound", "text": message}],
    )
    return (await answerer.answer(question)).text


async def test_english_with_indonesian_particles_hears_that_the_policy_is_in_indonesian() -> None:
    text = await ask("The package got lost, what now ya kak?")

    assert text.startswith("Our information on this is written in Indonesian: ")
    assert "diasuransikan" in text


async def test_a_very_short_english_question_hears_that_the_policy_is_in_indonesian() -> None:
    # the store's language is Indonesian: before, "lost package? insurance?" was answered with
    # the Indonesian sentence alone
    text = await ask("lost package? insurance?")

    assert text.startswith("Our information on this is written in Indonesian: ")
    assert "diasuransikan" in text


@pytest.mark.parametrize(
    ("part", "message_language", "language"),
    [
        # its own function words switch a part
        ("sekalian, can I pay by card?", Language.ID, Language.EN),
        ("ongkirnya brp ya?", Language.EN, Language.ID),
        # the address, particles and a short part's shop words do not
        ("gotta send the power adapter w/ it ya kak?", Language.EN, Language.EN),
        ("u guys answer on weekends ya kak?", Language.EN, Language.EN),
        ("delivery time?", Language.ID, Language.ID),
        ("Hi kak", Language.EN, Language.EN),
    ],
)
def test_a_part_is_answered_in_the_messages_language_unless_its_own_words_say_otherwise(
    part: str, message_language: Language, language: Language
) -> None:
    assert part_language(part, message_language) is language


async def test_english_ending_in_ya_kak_is_answered_in_english_without_a_notice() -> None:
    # before, the part was told Indonesian by "ya kak" alone, and the English passage came
    # with an Indonesian notice the customer cannot read
    text = await ask("do u guys repair laptops ya kak?")

    assert text.startswith("We repair laptops bought from us")


async def in_conversation(earlier: str, message: str, store_language: Language) -> str:
    answerer = faq_answerer(STORE, FAQ)
    question = Question(
        store=Store(id=STORE, name="Toko Batik", whatsapp_number="+6281100000000"),
        settings=BotSettings(default_language=store_language),
        text=message,
        asked_at=utcnow(),
        history=[
            {"direction": "inbound", "text": earlier},
            {"direction": "outbound", "text": "🙂"},
            {"direction": "inbound", "text": message},
        ],
    )
    return (await answerer.answer(question)).text


async def test_a_message_that_tells_no_language_takes_the_conversations() -> None:
    # "insurance?" alone tells nothing: the store's Indonesian before, the customer's English now
    english = await in_conversation(
        "Hi, I ordered a batik shirt last week.", "insurance?", Language.ID
    )
    indonesian = await in_conversation(
        "kak aku udah pesen kemeja batik minggu lalu", "insurance?", Language.EN
    )

    assert english == "Our information on this is written in Indonesian: Semua paket diasuransikan."
    assert indonesian == "Semua paket diasuransikan."


async def test_indonesian_with_an_english_thanks_is_answered_in_indonesian() -> None:
    text = await ask("kalo laptopnya rusak bisa repair ga? thanks")

    assert text.startswith("Informasi kami tentang ini tertulis dalam bahasa Inggris: ")
    assert "Sama-sama" in text


def test_a_shops_sentence_naming_its_channels_in_english_keeps_no_english_of_its_own() -> None:
    # content words tell a customer's short message, not a document's list of channels: the
    # sentence takes its passage's language, and the reply says no "written in English"
    assert language_of("Instagram: keluargacactus (Melalui Direct Message)") is None
    assert detect_language("delivery time estimate", Language.ID) is Language.EN


def test_what_a_photo_or_document_says_tells_not_the_customers_language() -> None:
    # the label and an invoice's words are no words of the customer's
    for store_language in Language:
        said = "[document text: Invoice INV-2024-0042 total Rp 450000]"
        assert detect_language(said, store_language) is store_language
