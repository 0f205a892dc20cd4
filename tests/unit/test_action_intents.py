"""What a customer's message asks of an order action (shared/actions/intents.py): the action,
a yes or a no to the bot's proposal, the order number, an address."""

import pytest

from shared.actions.intents import (
    ActionKind,
    Answer,
    answer_of,
    clean_address,
    looks_like_address,
    names_another_country,
    order_number_in,
    postcode_in,
    split_address,
    wanted_action,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("batalin pesanan 1234", ActionKind.CANCEL),
        ("Batalkan order #1234 ya kak", ActionKind.CANCEL),
        ("tlg batalin ordernya", ActionKind.CANCEL),
        ("mohon dibatalkan pesanan 1234", ActionKind.CANCEL),
        ("kak pesanan 1234 dibatalin aja", ActionKind.CANCEL),  # an imperative particle
        ("apakah pesanan saya nomor 1234 bisa dibatalkan?", ActionKind.CANCEL),  # a named order
        ("kak link pembayaranku ilang, bisa kirim ulang?", ActionKind.PAYMENT_LINK),  # "-ku"
        ("Please cancel my order 1234", ActionKind.CANCEL),
        ("alamatnya salah kak, pesanan #1234", ActionKind.CHANGE_ADDRESS),
        ("My shipping address is wrong, order #1234", ActionKind.CHANGE_ADDRESS),
        ("mau ganti alamat pengiriman", ActionKind.CHANGE_ADDRESS),
        ("gimana cara batalin pesanan 1234?", ActionKind.CANCEL),  # names the order
        ("minta link bayarnya lagi 1234", ActionKind.PAYMENT_LINK),
        ("I need the payment link again for order 1234", ActionKind.PAYMENT_LINK),
    ],
)
def test_requests_for_an_action_in_both_languages(text: str, kind: ActionKind) -> None:
    assert wanted_action(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "kenapa pesanan saya dibatalkan?",  # asks why, requests nothing
        "pesanan saya sudah dibatalkan",  # says what happened
        "berapa ongkir ke bandung",
        "alamat tokonya di mana kak?",
        "Why was my order cancelled?",
        "kalau batal bisa refund kak?",  # asks about the policy
        "How do I cancel an order?",
        "alamat toko yang baru di mana kak?",  # the shop's address
        "Where is your new shop address?",
        "pesanan yang sudah dibayar bisa dibatalkan?",  # no order named: the policy
    ],
)
def test_questions_and_other_messages_request_no_action(text: str) -> None:
    assert wanted_action(text) is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("YA", Answer.YES),
        ("yaa kak", Answer.YES),
        ("iya betul", Answer.YES),
        ("Yes please", Answer.YES),
        ("ok lanjut", Answer.YES),
        ("Yes, do it", Answer.YES),
        ("gak jadi", Answer.NO),
        ("tidak kak, terima kasih", Answer.NO),
        ("no thanks", Answer.NO),
        ("ya?", Answer.OTHER),  # a question confirms nothing
        ("ya tapi ganti warna", Answer.OTHER),
        ("jangan dulu kak", Answer.NO),
        ("1234", Answer.OTHER),
        ("terima kasih kak", Answer.OTHER),
    ],
)
def test_only_a_whole_yes_confirms(text: str, answer: Answer) -> None:
    assert answer_of(text) is answer


@pytest.mark.parametrize(
    ("text", "kind", "answer"),
    [
        ("Ya, saya setuju.", ActionKind.CANCEL, Answer.YES),  # who agrees
        ("Yes, cancel it", ActionKind.CANCEL, Answer.YES),  # the action proposed
        ("ya batalin aja kak", ActionKind.CANCEL, Answer.YES),
        ("ok kirim linknya", ActionKind.PAYMENT_LINK, Answer.YES),
        ("Yes, please proceed with the cancellation.", ActionKind.CANCEL, Answer.YES),
        ("yep thats right", ActionKind.CHANGE_ADDRESS, Answer.YES),
        ("iya min gas", ActionKind.CANCEL, Answer.YES),
        ("Baik, saya konfirmasi pembatalannya.", ActionKind.CANCEL, Answer.YES),  # formal
        ("Yes, that is correct.", ActionKind.CHANGE_ADDRESS, Answer.YES),
        ("Benar, mohon diproses.", ActionKind.CHANGE_ADDRESS, Answer.YES),
        ("Ya, silakan dilanjutkan.", ActionKind.PAYMENT_LINK, Answer.YES),
        ("baik kak, terima kasih", ActionKind.CANCEL, Answer.OTHER),  # an acknowledgement
        ("right, thanks", ActionKind.CANCEL, Answer.OTHER),
        ("Yes, cancel it", ActionKind.PAYMENT_LINK, Answer.OTHER),  # another action
        ("ya kirim linknya", ActionKind.CANCEL, Answer.OTHER),
        ("ya tapi ganti warna", ActionKind.CHANGE_ADDRESS, Answer.OTHER),
        ("ya, jangan dibatalkan", ActionKind.CANCEL, Answer.NO),
        ("tidak jadi batal kak", ActionKind.CANCEL, Answer.NO),
    ],
)
def test_a_yes_may_name_who_agrees_and_the_action_proposed(
    text: str, kind: ActionKind, answer: Answer
) -> None:
    assert answer_of(text, kind) is answer


@pytest.mark.parametrize(
    "text",
    [
        "hmm nanti dulu deh kak, aku pikir2 lagi",
        "tunggu dulu kak",
        "tidak usah kak",
        "Actually, let me think about it first.",
        "No, I changed my mind",
        "never mind",
        "hmm nah leave it, i'll pay it tonight",
    ],
)
def test_putting_it_off_is_a_no(text: str) -> None:
    assert answer_of(text, ActionKind.CANCEL) is Answer.NO


@pytest.mark.parametrize(
    "text",
    [
        "nanti dikirim kapan kak?",  # a question
        "nanti aja, minta link bayarnya 1234",  # another request
        "Jl. Merdeka No. 5, Bandung 40115",  # "No." in an address is no no
    ],
)
def test_a_question_another_request_or_an_address_is_no_no(text: str) -> None:
    assert answer_of(text, ActionKind.CANCEL) is Answer.OTHER


@pytest.mark.parametrize(
    ("text", "asked", "address"),
    [
        (
            "Mohon ubah alamat kirim pesanan 6205 ke Jl. Jenderal Sudirman No. 99, Palembang 30126",
            "Mohon ubah alamat kirim pesanan 6205 ",
            "Jl. Jenderal Sudirman No. 99, Palembang 30126",
        ),
        (
            "please change the address of my order to 45 Braga Street, Bandung 40111",
            "please change the address of my order ",
            "45 Braga Street, Bandung 40111",
        ),
        ("alamat baru: Perum Griya Blok C5, Bekasi", "alamat baru", "Perum Griya Blok C5, Bekasi"),
        (
            "Alamat yang benar: Jl. Pemuda No. 150, Semarang 50132.",  # the end stop left out
            "Alamat yang benar",
            "Jl. Pemuda No. 150, Semarang 50132",
        ),
        ("ganti alamat ke pesanan 1234", "ganti alamat ke pesanan 1234", None),  # no street
        (
            "alamat order 6206 ganti ke Jl. Ijen 7 bisa?",
            "alamat order 6206 ganti ke Jl. Ijen 7 bisa?",
            None,
        ),
        ("alamatnya salah kak, pesanan #1234", "alamatnya salah kak, pesanan #1234", None),
    ],
)
def test_a_request_may_carry_the_new_address(text: str, asked: str, address: str | None) -> None:
    assert split_address(text) == (asked, address)


def test_the_postcode_of_the_new_address_is_no_order_number() -> None:
    asked, address = split_address("change the address of my order to 45 Braga St, Bandung 40111")

    assert address == "45 Braga St, Bandung 40111"
    assert order_number_in(asked) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("batalin pesanan #1234", "1234"),
        ("minta link bayarnya lagi 1234", "1234"),
        ("1235", "1235"),
        ("no 1234 kak", "1234"),
        ("batalin yg 150rb", None),  # a price
        ("batalkan pesanan saya 08123456789", None),  # a phone number
        ("batalin pesanan saya", None),
    ],
)
def test_the_order_number_of_a_request(text: str, number: str | None) -> None:
    assert order_number_in(text) == number


def test_an_address_is_read_and_kept_in_the_stores_country() -> None:
    address = "Jl. Merdeka No. 5\nBandung 40115"

    assert looks_like_address(address)
    assert not looks_like_address("ya kak")
    assert not looks_like_address("alamatnya di mana ya?")
    assert clean_address(address) == "Jl. Merdeka No. 5, Bandung 40115"
    assert postcode_in(address) == "40115"
    assert not names_another_country("Jl. Merdeka 5, Bandung, Indonesia", "ID")
    assert names_another_country("12 Orchard Road, Singapore 238801", "ID")
