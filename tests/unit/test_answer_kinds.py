"""The kind of fact a customer asks for (a duration, an amount, a time of day, a contact), in
the words customers write, and the sentences that state one."""

import pytest

from shared.knowledge.answer_kinds import AnswerKind, asked_kinds, states, topic

DURATION = frozenset({AnswerKind.DURATION})


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long does a repair usually take?", AnswerKind.DURATION),
        ("brp lama pengirimanya klo udh bayar?", AnswerKind.DURATION),
        ("servis brp hr min?", AnswerKind.DURATION),
        ("paketnya kpn nyampe? lama ga?", AnswerKind.DURATION),
        ("Berapa harga kemeja batik parang?", AnswerKind.AMOUNT),
        ("ongkir ke medan brp kak", AnswerKind.AMOUNT),
        ("How much is shipping to Bali?", AnswerKind.AMOUNT),
        ("bisa telpon cs jam berapa aja?", AnswerKind.CLOCK),
        ("What are your opening hours?", AnswerKind.CLOCK),
        ("no wa adminya brapa ya?", AnswerKind.CONTACT),
        ("What's your phone number?", AnswerKind.CONTACT),
    ],
)
def test_a_question_asks_for_its_kind_of_fact(question: str, kind: AnswerKind) -> None:
    assert kind in asked_kinds(question)


@pytest.mark.parametrize(
    "question",
    ["Bisa COD?", "Do you ship to Indonesia?", "kaktus boleh kena ujan gak?", "resi dicek dmn?"],
)
def test_a_question_asking_for_no_particular_kind_asks_none(question: str) -> None:
    assert asked_kinds(question) == frozenset()


def test_a_sentence_states_a_duration_about_the_question_s_topic() -> None:
    about = topic("pengembalian barang maksimal brp hari")

    assert "hari" not in about  # the words that ask are not the topic
    assert states("Retur diajukan paling lambat 7 hari setelah barang diterima.", DURATION, about)
    assert not states("Konfirmasi paling lambat 1x24 jam pada hari kerja.", DURATION, about)
    assert not states("Barang cacat kami tukar gratis.", DURATION, about)
