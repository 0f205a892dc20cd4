"""The offline engine on fixed examples (Indonesian, English, code-mixed), entities, language."""

import pytest

from services.enricher.classification import build_classifier
from services.enricher.classification.entities import find_entities
from services.enricher.classification.labels import Intent, Language, Sentiment
from services.enricher.classification.language import detect_language
from services.enricher.classification.offline import OfflineClassifier, shared_model
from shared.settings import LlmSettings, Settings

EXAMPLES: dict[Intent, list[str]] = {
    Intent.ORDER_STATUS: [
        "Kak, pesanan saya #1042 sudah dikirim belum?",
        "Where is my order 5521? I ordered last week",
        "min resi order aku udah ada? mau tracking",
    ],
    Intent.SHIPPING: [
        "Ongkir ke Medan berapa ya kak?",
        "Do you ship to Surabaya with JNE?",
        "bisa same day delivery ke Depok ga?",
    ],
    Intent.PAYMENT: [
        "Bisa bayar pakai transfer BRI kak?",
        "Can I pay with GoPay or a credit card?",
        "udh transfer ya kak, please cek payment nya",
    ],
    Intent.PRODUCT_QUESTION: [
        "Bahan kemeja batik ini katun bukan?",
        "Is the denim jacket true to size?",
        "hoodie nya waterproof ga kak?",
    ],
    Intent.STOCK_AVAILABILITY: [
        "Sepatu ukuran 41 masih ada stoknya?",
        "Is the red dress still in stock?",
        "warna navy masih ready stock ga min?",
    ],
    Intent.PRICING_PROMO: [
        "Harga tas selempang berapa kak? ada diskon?",
        "Do you have a voucher code for new customers?",
        "ada promo flash sale ga minggu ini?",
    ],
    Intent.RETURN_REFUND: [
        "Barangnya rusak, saya mau retur dan minta uang kembali",
        "How do I return this and get a refund?",
        "mau exchange size dong kak, kekecilan",
    ],
    Intent.COMPLAINT: [
        "Pelayanan kalian lambat sekali, saya kecewa",
        "Your service is terrible and nobody answers",
        "admin nya slow response parah, kecewa banget",
    ],
    Intent.ACCOUNT: [
        "Saya lupa password akun, gimana cara reset?",
        "I can't log in to my account",
        "OTP nya ga masuk2 kak",
    ],
    Intent.GREETING_THANKS: [
        "Terima kasih banyak kak",
        "Thank you so much!",
        "oke noted, thanks min 🙏",
    ],
    Intent.HUMAN_REQUEST: [
        "Saya mau bicara dengan admin, bukan bot",
        "Can I talk to a real person please?",
        "please connect ke CS manusia dong",
    ],
    Intent.OTHER: [
        "Ada lowongan kerja di toko ini?",
        "Sorry, wrong number",
        "mau collab endorse kak, bisa?",
    ],
}
CASES = [(intent, text) for intent, texts in EXAMPLES.items() for text in texts]


@pytest.fixture(scope="module")
def offline() -> OfflineClassifier:
    return OfflineClassifier(shared_model())


@pytest.mark.parametrize(("intent", "text"), CASES)
def test_each_intent_is_recognised_in_both_languages_and_mixed(
    offline: OfflineClassifier, intent: Intent, text: str
) -> None:
    [labels] = offline.classify_now([text])

    assert labels.intent is intent
    assert labels.engine == "offline"
    assert 0 < labels.intent_score <= 1


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Barangnya jelek, kecewa banget", Sentiment.NEGATIVE),
        ("This is the worst service ever", Sentiment.NEGATIVE),
        ("Ongkir ke Bandung berapa kak?", Sentiment.NEUTRAL),
        ("How long does delivery take?", Sentiment.NEUTRAL),
        ("Makasih banyak kak, mantap!", Sentiment.POSITIVE),
        ("Thanks a lot, great service 😊", Sentiment.POSITIVE),
        # negation, stretched letters and emoji as customers write them (cues.py)
        ("barangnya gak bagus", Sentiment.NEGATIVE),
        ("kainnya kurang bagus", Sentiment.NEGATIVE),
        ("ga nyesel beli disini", Sentiment.POSITIVE),
        ("Sepatunya bagusss bgt kak", Sentiment.POSITIVE),
        ("paketnya cepet sampe 🥳", Sentiment.POSITIVE),  # an emoji no training line has
    ],
)
def test_sentiment_has_a_label_and_a_score(
    offline: OfflineClassifier, text: str, sentiment: Sentiment
) -> None:
    [labels] = offline.classify_now([text])

    assert labels.sentiment.label is sentiment
    assert 1 / 3 < labels.sentiment.score <= 1


async def test_a_batch_gives_one_result_per_message_in_order(offline: OfflineClassifier) -> None:
    texts = ["Terima kasih kak", "", "Where is my order #7781?"]

    labels = await offline.classify(texts)

    assert [label.intent for label in labels][0::2] == [
        Intent.GREETING_THANKS,
        Intent.ORDER_STATUS,
    ]
    assert len(labels) == 3
    assert await offline.classify(texts) == labels  # the same text, the same labels


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("pesanan #1042 belum sampai", ["1042"]),
        ("status order 1042 gimana", ["1042"]),
        ("pesanan no 1042 dan pesanan nomor 20481", ["1042", "20481"]),
        ("Order saya: 88120 kak", ["88120"]),
        ("invoice #INV-1 ukuran 42 harga 150rb", []),
    ],
)
def test_order_numbers_are_found_in_the_ways_customers_write_them(
    text: str, orders: list[str]
) -> None:
    assert find_entities(text).order_numbers == orders


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("sudah transfer Rp 150.000 ya", [(150_000, "IDR")]),
        ("harganya Rp150.000,- kak", [(150_000, "IDR")]),
        ("budget 150rb aja", [(150_000, "IDR")]),
        ("kalau 1,5jt dapat berapa?", [(1_500_000, "IDR")]),
        ("about $20 or 25 USD", [(20, "USD"), (25, "USD")]),
        ("ongkir 20k, total IDR 320.000", [(20_000, "IDR"), (320_000, "IDR")]),
        ("ukuran 42 warna hitam", []),
    ],
)
def test_amounts_are_read_as_numbers_with_their_currency(
    text: str, amounts: list[tuple[float, str]]
) -> None:
    found = find_entities(text).amounts

    assert [(amount.value, amount.currency) for amount in found] == amounts


def test_product_names_are_found_on_a_best_effort_basis() -> None:
    assert find_entities("Kemeja batik ukuran L masih ada?").products == ["kemeja batik"]
    assert find_entities("do you have black running shoes?").products == ["black running shoes"]
    assert find_entities("Ongkir ke Medan berapa?").products == []


@pytest.mark.parametrize(
    ("text", "language", "code_mixed"),
    [
        ("Kak, pesanan saya sudah dikirim belum?", Language.ID, False),
        ("Has my order been shipped yet?", Language.EN, False),
        ("Kak, order aku udah di-ship belum? thanks", Language.ID, True),
        ("Thank you so much kak!", Language.EN, True),
        ("👍👍", Language.OTHER, False),
    ],
)
def test_language_is_indonesian_english_or_other_and_mixing_is_noticed(
    text: str, language: Language, code_mixed: bool
) -> None:
    assert detect_language(text) == (language, code_mixed)


async def test_without_an_llm_the_offline_engine_is_chosen() -> None:
    classifier = await build_classifier(Settings(llm=LlmSettings(api_key=None)))

    assert classifier.name == "offline"


async def test_with_an_llm_configured_the_llm_engine_is_chosen_unless_offline_is_asked() -> None:
    settings = Settings(llm=LlmSettings(api_key="sk-test", base_url="http://127.0.0.1:9/v1"))

    assert (await build_classifier(settings)).name == "llm"
    assert (await build_classifier(settings, "offline")).name == "offline"


async def test_a_keyless_local_server_is_an_llm_for_the_classifier_too() -> None:
    settings = Settings(llm=LlmSettings(base_url="http://127.0.0.1:11434/v1", model="qwen2.5"))

    assert (await build_classifier(settings)).name == "llm"
