"""What a model's reply is rejected for before it may go to a customer."""

from shared.answering.reply_check import problems
from shared.stores.bot_settings import Language

TWO = ["Berapa lama pengiriman ke Bandung?", "Bisa COD?"]


def test_a_reply_in_plain_sentences_answering_every_question_passes() -> None:
    reply = "Pengiriman ke Bandung 2-3 hari kerja, kak. COD juga bisa untuk Jabodetabek."

    assert problems(reply, Language.ID, TWO, []) == []


def test_a_heading_path_or_markdown_is_rejected() -> None:
    pasted = "Menurut FAQ Toko Budi > Pembayaran kami: Bisa, COD tersedia."

    assert problems(pasted, Language.ID, ["Bisa COD?"], []) != []
    assert problems("**COD** tersedia untuk Jabodetabek, kak.", Language.ID, [], []) != []


def test_a_reply_in_the_other_language_is_rejected() -> None:
    indonesian = "Pengiriman ke luar negeri belum tersedia, kak."

    assert problems(indonesian, Language.EN, ["Do you ship to Singapore?"], []) == [
        "Reply in English, the customer's language."
    ]


def test_a_question_left_unanswered_is_rejected_unless_it_is_handed_over() -> None:
    only_the_first = "Pengiriman ke Bandung 2-3 hari kerja, kak."

    [problem] = problems(only_the_first, Language.ID, TWO, [])
    assert '"Bisa COD?"' in problem
    assert problems(only_the_first, Language.ID, TWO, ["bisa cod"]) == []
