"""A message of several questions answered offline by the responder's own Answerer, over an
in-memory index of a store's FAQ: each part in its own language, and every part's answer
within WhatsApp's length."""

from shared.answering.answerer import Answerer, Question
from shared.answering.draft import WHATSAPP_MAX_CHARS, Draft
from shared.events import HandOverReason, utcnow
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store
from tests.support.faq import faq_answerer

STORE = "toko-batik"
FAQ = [
    "Apakah bisa bayar pakai kartu kredit? Bisa. Pembayaran kartu kredit Visa dan Mastercard "
    "diterima lewat halaman checkout.",
    "Berapa ongkir ke Bandung? Ongkir ke Bandung Rp 12.000 per paket dengan JNE REG, estimasi "
    "2-3 hari kerja.",
]


def answerer(texts: list[str]) -> Answerer:
    return faq_answerer(STORE, texts)


async def drafted(texts: list[str], message: str, greeting: str | None = None) -> Draft:
    question = Question(
        store=Store(id=STORE, name="Toko Batik", whatsapp_number="+6281100000000"),
        settings=BotSettings(greeting=greeting),
        text=message,
        asked_at=utcnow(),
        history=[{"direction": "inbound", "text": message}],
        new_conversation=greeting is not None,
    )
    return await answerer(texts).answer(question)


async def ask(texts: list[str], message: str, greeting: str | None = None) -> tuple[str, object]:
    draft = await drafted(texts, message, greeting)
    return draft.text, draft.hand_over


async def test_a_part_written_in_the_other_language_is_answered_in_it() -> None:
    text, hand_over = await ask(
        FAQ, "Kak ongkir ke Bandung berapa ya? sekalian, can I pay with a credit card?"
    )

    ongkir, card = text.split("\n\n")
    assert ongkir == (
        "Ongkir ke Bandung Rp 12.000 per paket dengan JNE REG, estimasi 2-3 hari kerja."
    )
    assert card.startswith("Yes. Our information on this is written in Indonesian: Pembayaran")
    assert hand_over is None


async def test_one_english_word_does_not_switch_a_parts_language() -> None:
    text, _ = await ask(FAQ, "Ongkir ke Bandung berapa? Terus bisa bayar pakai credit card?")

    assert "Bisa, kak." in text
    assert "Indonesian" not in text


TOPICS = ["ongkir", "retur", "garansi", "reseller", "grosir"]
LONG_FAQ = [
    f"{topic.capitalize()} pertama kami berlaku untuk semua produk batik tulis dan cap yang "
    f"dibeli langsung di toko. {topic.capitalize()} kedua berlaku untuk pembelian lewat "
    f"marketplace dengan syarat yang sama seperti di toko. {topic.capitalize()} ketiga berlaku "
    "untuk pesanan khusus, dengan konfirmasi admin lebih dulu lewat WhatsApp kami."
    for topic in TOPICS
]


async def test_a_long_reply_keeps_every_parts_first_sentence_and_the_part_left_to_the_team() -> (
    None
):
    message = "\n".join(f"{n}. {topic} gimana?" for n, topic in enumerate(TOPICS, 1))
    message += "\n6. bisa kirim ke luar negeri?"
    greeting = "Halo kak, selamat datang di Toko Batik Sari! " * 4

    text, hand_over = await ask(LONG_FAQ, message, greeting=greeting)

    assert len(text) <= WHATSAPP_MAX_CHARS
    for topic in TOPICS:
        assert f"{topic.capitalize()} pertama kami berlaku" in text
    assert text.rstrip().endswith("tim kami akan menjawabnya di sini.")
    assert "“bisa kirim ke luar negeri?”" in text
    assert hand_over is HandOverReason.MISSING_KNOWLEDGE


PAYMENTS = [
    "Metode pembayaran apa saja? Kami menerima transfer bank BCA dan Mandiri, QRIS, kartu "
    "kredit, GoPay, ShopeePay, OVO dan DANA.",
    "Kapan dana refund masuk? Dana refund ditransfer ke rekening pembeli dalam 3 hari kerja.",
]


async def test_an_elliptic_follow_up_is_searched_with_the_question_before_it() -> None:
    text, hand_over = await ask(PAYMENTS, "Bisa bayar pakai OVO kak? kalau Dana?")

    assert "refund" not in text  # alone, "Dana" finds the refund's "dana"
    assert text.count("OVO dan DANA") == 1  # the first answer says it: said once
    assert hand_over is None


async def test_an_elliptic_follow_up_the_earlier_topic_does_not_answer_keeps_its_own_search() -> (
    None
):
    text, hand_over = await ask(PAYMENTS, "Bisa bayar pakai OVO kak? kalau Singapore?")

    assert "OVO dan DANA" in text
    assert "“kalau Singapore?”" in text
    assert hand_over is HandOverReason.MISSING_KNOWLEDGE


async def test_an_unanswered_elliptic_follow_up_is_recorded_with_the_question_it_follows() -> None:
    draft = await drafted(PAYMENTS, "Bisa bayar pakai OVO kak? klo ke Singapore?")

    # the customer reads their own words; the store's team, what they follow
    assert "“klo ke Singapore?”" in draft.text
    assert draft.unanswered == ["Bisa bayar pakai OVO kak? klo ke Singapore?"]


async def test_an_unanswered_question_that_stands_alone_is_recorded_as_written() -> None:
    draft = await drafted(PAYMENTS, "Bisa bayar pakai OVO kak? ada toko offline di Singapore?")

    assert draft.unanswered == ["ada toko offline di Singapore?"]


REPAIRS = [
    "Berapa lama perbaikan? Perbaikan biasa selesai dalam 3-5 hari kerja.",
    "Berapa lama pengembalian dana? Pengembalian dana diproses 7 hari kerja setelah barang "
    "kami terima.",
    "Ada garansi servis? Garansi servis berlaku 30 hari, biaya ongkir ditanggung pembeli.",
]
REPAIRS_EN = [
    "How long do repairs take? Typical repairs are 3-5 business days.",
    "What is your support phone number? Call us at (720) 226-9269.",
    "When are you open? Our team is open from 8am to 5pm on weekdays.",
    "What if a part is defective? We send you a new one before you return the old one.",
]


async def test_a_follow_up_is_answered_by_a_passage_holding_what_it_adds() -> None:
    text, hand_over = await ask(REPAIRS, "Berapa lama perbaikan kak? klo pengembalian dana?")

    assert "3-5 hari kerja" in text
    assert "Pengembalian dana diproses 7 hari kerja" in text
    assert hand_over is None


async def test_a_follow_up_pointing_back_is_answered_in_english() -> None:
    text, hand_over = await ask(
        REPAIRS_EN, "What's your support phone number? what hours is it open?"
    )

    assert "(720) 226-9269" in text
    assert "8am to 5pm" in text
    assert hand_over is None


async def test_an_unanswerable_follow_up_pointing_back_is_handed_over_with_its_topic() -> None:
    draft = await drafted(REPAIRS, "Berapa lama perbaikan kak? itu gratis ga?")

    assert "3-5 hari kerja" in draft.text
    assert "“itu gratis ga?”" in draft.text
    # the store's team reads what "itu" is
    assert draft.unanswered == ["Berapa lama perbaikan kak? itu gratis ga?"]
    assert draft.hand_over is HandOverReason.MISSING_KNOWLEDGE


async def test_a_follow_up_is_not_answered_by_a_passage_holding_only_its_pointing_word() -> None:
    draft = await drafted(REPAIRS_EN, "How long do repairs take? what about an express one?")

    assert "3-5 business days" in draft.text
    assert "new one" not in draft.text  # alone, "express one" finds "a new one"
    assert draft.unanswered == ["How long do repairs take? what about an express one?"]
    assert draft.hand_over is HandOverReason.MISSING_KNOWLEDGE


async def test_a_follow_up_is_not_answered_through_one_of_its_words_alone() -> None:
    draft = await drafted(REPAIRS, "Berapa lama perbaikan kak? kalau ada lowongan kerja?")

    # "kerja" is in "3-5 hari kerja", "lowongan" in no passage
    assert draft.unanswered == ["Berapa lama perbaikan kak? kalau ada lowongan kerja?"]
    assert draft.hand_over is HandOverReason.MISSING_KNOWLEDGE
