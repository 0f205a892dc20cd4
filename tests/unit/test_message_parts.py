"""A customer's message cut into its questions, as customers write them on WhatsApp."""

import pytest

from shared.answering.message_parts import (
    MAX_QUESTIONS,
    Part,
    is_elliptic,
    is_upset,
    parts_of,
    questions_of,
)
from shared.answering.small_talk import Kind, kind_of


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        ("Bisa COD?", ["Bisa COD?"]),
        (
            "ongkir dihitung dari apa? trs ditanggung siapa?",
            ["ongkir dihitung dari apa?", "ditanggung siapa?"],
        ),
        (
            "1. ekspedisinya apa aja 2. buka jam brp 3. resi diliat dmn",
            ["ekspedisinya apa aja", "buka jam brp", "resi diliat dmn"],
        ),
        (
            "Berapa lama pengiriman ke Bandung? Bisa COD?",
            ["Berapa lama pengiriman ke Bandung?", "Bisa COD?"],
        ),
        (
            "kak mau tanya\n- ongkir ke medan berapa\n- bisa bayar pakai ovo",
            ["kak mau tanya ongkir ke medan berapa", "bisa bayar pakai ovo"],
        ),
        ("ongkir ke jogja berapa sama bisa cod ga", ["ongkir ke jogja berapa", "bisa cod ga"]),
        (
            "What are your opening hours and where is the showroom?",
            ["What are your opening hours", "where is the showroom?"],
        ),
        (
            "Do you ship to Bali, and also can I pay by QRIS?",
            ["Do you ship to Bali", "can I pay by QRIS?"],
        ),
        (
            "bisa COD ga kak? sama kirim ke luar pulau bisa?",
            ["bisa COD ga kak?", "kirim ke luar pulau bisa?"],
        ),
        (
            "refund kapan diproses? Terus bea cukai siapa yang bayar?",
            ["refund kapan diproses?", "bea cukai siapa yang bayar?"],
        ),
        ("Bisa COD? & bisa kirim ke Bali?", ["Bisa COD?", "bisa kirim ke Bali?"]),
        (
            "ongkir ke medan berapa? sekalian mau tanya bisa bayar pakai ovo?",
            ["ongkir ke medan berapa?", "bisa bayar pakai ovo?"],
        ),
        (
            "resi dikirim kapan sekalian mau nanya ongkir ke bali berapa",
            ["resi dikirim kapan", "ongkir ke bali berapa"],
        ),
        ("Bisa COD? satu lagi, no wa admin brp?", ["Bisa COD?", "no wa admin brp?"]),
        (
            "a. How long does delivery to Papua take b. Bisa bayar pakai OVO",
            ["How long does delivery to Papua take", "Bisa bayar pakai OVO"],
        ),
        ("a) kurirnya apa aja\nb) resi dicek dmn", ["kurirnya apa aja", "resi dicek dmn"]),
    ],
)
def test_a_message_is_cut_into_its_questions_in_order(message: str, questions: list[str]) -> None:
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    "message",
    [
        "Do you sell shirts and dresses?",
        "bisa bayar sama kurir?",
        "Kemeja dan celana batik ada ukuran XXL?",
        "Kirim ke Bandung 2-3 hari?",
        "Rp 2.000.000 bisa cod?",
        "Bisa kirim sekalian 2 paket?",
        "Beli satu lagi dapat diskon?",
    ],
)
def test_a_question_that_merely_contains_a_joiner_stays_whole(message: str) -> None:
    assert questions_of(message) == [message]


def test_words_without_a_question_of_their_own_stay_with_their_question() -> None:
    assert questions_of("Kalau ongkir, berapa?") == ["Kalau ongkir, berapa?"]
    assert questions_of("Saya mau tanya. Bisa COD?") == ["Saya mau tanya. Bisa COD?"]


def test_thanks_greetings_and_complaints_are_parts_but_not_questions() -> None:
    parts = parts_of("Halo kak\nmakasih infonya, terus kalau retur gimana?")

    assert [(part.text, part.kind) for part in parts] == [
        ("Halo kak", Kind.GREETING),
        ("makasih infonya", Kind.THANKS),
        ("kalau retur gimana?", Kind.QUESTION),
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("makasih kak 🙏", Kind.THANKS),
        ("Thank you so much!", Kind.THANKS),
        ("Selamat pagi min", Kind.GREETING),
        ("Halo, bisa bantu?", Kind.GREETING),
        ("Saya mau komplain, barang rusak!", Kind.COMPLAINT),
        ("The item arrived broken", Kind.COMPLAINT),
        ("Bagaimana kalau paket rusak?", Kind.QUESTION),
        ("Halo, bisa COD?", Kind.QUESTION),
    ],
)
def test_each_part_is_told_by_its_words(text: str, kind: Kind) -> None:
    assert kind_of(text) is kind


def test_a_complaint_is_upset_and_a_question_about_a_policy_is_not() -> None:
    assert is_upset("Paket saya belum sampai padahal sudah seminggu!!")
    assert is_upset("Paketnya rusak. Gimana nih")
    assert is_upset("This is the worst service, I want my money back")
    assert not is_upset("Berapa lama pengiriman ke Bandung?")
    assert not is_upset("makasih kak")


def test_a_message_of_many_questions_is_looked_up_six_at_most() -> None:
    message = "\n".join(f"{n}. ongkir ke kota nomor {n} berapa?" for n in range(1, 41))

    parts = parts_of(message)

    assert len(parts) == MAX_QUESTIONS == 6
    assert all(part.is_question for part in parts)
    assert "nomor 6 " in parts[-1].text
    assert "nomor 40" in parts[-1].text


@pytest.mark.parametrize(
    "message",
    [
        "Why can't I attach a file? terus can you send me a replacement for the broken one?",
        "1) Can you replace the broken one 2) Can you send just the part",
        "kak can you send a replacement before I return the broken one?",
        "min, bisa tukar kalau barangnya rusak",
    ],
)
def test_a_question_about_trouble_after_a_joiner_list_marker_or_address_is_no_complaint(
    message: str,
) -> None:
    assert not is_upset(message)
    assert all(part.is_question for part in parts_of(message))


def test_a_trouble_followed_by_a_bare_question_word_is_a_question() -> None:
    assert parts_of("barang rusak, gimana?") == [Part("barang rusak gimana?", Kind.QUESTION)]


@pytest.mark.parametrize(
    ("question", "elliptic"),
    [
        ("kalau Mandiri?", True),
        ("what about Papua?", True),
        ("klo ke luar jawa?", True),
        ("kalau ukurannya tidak pas bisa tukar ke ukuran lain?", False),
        ("Mandiri?", False),
        # pointing back at the question before, a little more may be said
        ("atas nama siapa itu?", True),
        ("does that include a free upgrade?", True),
        ("will you log in to it?", True),
        ("Is it okay to pay by bank transfer from another country?", False),
    ],
)
def test_a_follow_up_leaving_its_topic_to_the_question_before_is_elliptic(
    question: str, elliptic: bool
) -> None:
    assert is_elliptic(question) is elliptic


def test_trouble_under_if_is_a_case_asked_about_not_a_complaint() -> None:
    message = "Ongkir retur siapa yang tanggung? kalau barangnya cacat"

    assert not is_upset(message)
    assert [part.kind for part in parts_of(message)] == [Kind.QUESTION, Kind.QUESTION]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "kak aku tinggal di makassar, bisa dikirimin ga? trs nyampe brp hari",
            [
                Part("bisa dikirimin ga?", Kind.QUESTION, "kak aku tinggal di makassar"),
                Part("nyampe brp hari", Kind.QUESTION),
            ],
        ),
        (
            "wifi aku putus2 terus, harus ngapain dulu sebelum buka tiket?",
            [Part("harus ngapain dulu sebelum buka tiket?", Kind.QUESTION, "wifi aku putus2")],
        ),
        (
            "My laptop fell off the desk, does the warranty cover it?",
            [Part("does the warranty cover it?", Kind.QUESTION, "My laptop fell off the desk")],
        ),
        (
            "bisa kirim ke bali? saya di denpasar",
            [Part("bisa kirim ke bali?", Kind.QUESTION, "saya di denpasar")],
        ),
        # chat Indonesian drops the "aku" before what the customer wants or is doing
        (
            "kak mau beli 10 kaktus buat souvenir nikahan, bisa kirim ke Makassar?",
            [
                Part(
                    "bisa kirim ke Makassar?",
                    Kind.QUESTION,
                    "kak mau beli 10 kaktus buat souvenir nikahan",
                )
            ],
        ),
        (
            "lagi cari kado buat temen, ada yg kecil?",
            [Part("ada yg kecil?", Kind.QUESTION, "lagi cari kado buat temen")],
        ),
        (
            "pengen ganti ssd sendiri, bisa minta service manual nya?",
            [Part("bisa minta service manual nya?", Kind.QUESTION, "pengen ganti ssd sendiri")],
        ),
        (
            "Want to replace the SSD myself, is the warranty still valid?",
            [
                Part(
                    "is the warranty still valid?",
                    Kind.QUESTION,
                    "Want to replace the SSD myself",
                )
            ],
        ),
    ],
)
def test_what_the_customer_tells_without_asking_is_the_setting_of_a_question_not_one(
    message: str, parts: list[Part]
) -> None:
    assert parts_of(message) == parts


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        # what the customer wants, asked or alone, is a question
        ("mau order dong", ["mau order dong"]),
        ("lagi ada promo ga?", ["lagi ada promo ga?"]),
        (
            "mau kirim desktop buat repair, packing nya pake apa yg aman?",
            ["mau kirim desktop buat repair, packing nya pake apa yg aman?"],
        ),
    ],
)
def test_a_want_that_asks_or_stands_alone_stays_a_question(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


def test_a_list_item_is_a_question_even_when_it_tells_rather_than_asks() -> None:
    assert questions_of("1. aku mau order kaktus mini 2. ongkir ke bogor brp") == [
        "aku mau order kaktus mini",
        "ongkir ke bogor brp",
    ]


@pytest.mark.parametrize(
    ("message", "greeting", "questions"),
    [
        (
            "Halo min, selamat sore. mau tanya dong, nomor telp supportnya brp? trs buka sabtu ga?",
            "Halo min, selamat sore.",
            ["nomor telp supportnya brp?", "buka sabtu ga?"],
        ),
        (
            "Selamat siang kak 🙏 bisa bayar pake BCA ga? sama konfirmasinya kemana",
            "Selamat siang kak 🙏",
            ["bisa bayar pake BCA ga?", "konfirmasinya kemana"],
        ),
        (
            "Hi there, how often should I water it? And can it stay in the rain?",
            "Hi there",
            ["how often should I water it?", "can it stay in the rain?"],
        ),
    ],
)
def test_greetings_in_front_of_the_questions_are_a_part_of_their_own(
    message: str, greeting: str, questions: list[str]
) -> None:
    parts = parts_of(message)

    assert parts[0] == Part(greeting, Kind.GREETING)
    assert [part.text for part in parts[1:]] == questions


@pytest.mark.parametrize("message", ["malam ini bisa kirim?", "pagi2 gini udah buka kak?"])
def test_a_time_of_day_without_a_closing_mark_is_a_word_of_the_question(message: str) -> None:
    assert parts_of(message) == [Part(message, Kind.QUESTION)]


@pytest.mark.parametrize(
    "message",
    [
        "Servis aku ternyata di luar garansi. Part yang rusak siapa yang bayar?",
        "My repair is no longer under warranty. Who pays for the damaged parts?",
    ],
)
def test_asking_who_is_a_question_not_a_complaint(message: str) -> None:
    assert not is_upset(message)


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "Hi, thanks for the quick reply earlier! Also why should I have a live USB ready?",
            ["why should I have a live USB ready?"],
        ),
        (
            "makasih atas infonya kemarin kak! trs resinya kapan dikirim?",
            ["resinya kapan dikirim?"],
        ),
    ],
)
def test_thanks_for_something_is_thanks_not_a_question_to_hand_over(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions
    assert Kind.THANKS in [part.kind for part in parts_of(message)]


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "data konfirmasi aku bakal dipublish ga trs kaktus disiram brp kali seminggu",
            ["data konfirmasi aku bakal dipublish ga", "kaktus disiram brp kali seminggu"],
        ),
        (
            "aku udah transfer, resinya udah dikirim belum kak\nestimasi sampai brp hari",
            ["aku udah transfer, resinya udah dikirim belum kak", "estimasi sampai brp hari"],
        ),
        (
            "I sent my laptop in, will it be insured or not\nand how long is the repair",
            ["will it be insured or not", "how long is the repair"],
        ),
    ],
)
def test_a_yes_no_tag_at_the_end_asks_without_a_question_mark(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        # a full stop ends a chat sentence even before a small letter
        (
            "udah seminggu tapi paketnya blm nyampe. normalnya brp hari sih? bisa track dmn",
            ["normalnya brp hari sih?", "bisa track dmn"],
        ),
        (
            "My laptop screen just died, really frustrating. Do I need to send the hard drive?",
            ["Do I need to send the hard drive?"],
        ),
        # not after an abbreviation or an amount
        (
            "Transfer ke Jl. Sudirman bisa? Rp. 20.000 cukup?",
            ["Transfer ke Jl. Sudirman bisa?", "Rp. 20.000 cukup?"],
        ),
    ],
)
def test_a_sentence_told_before_a_question_is_a_part_of_its_own(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    "message",
    [
        "udah seminggu tapi paketnya blm nyampe. normalnya brp hari sih?",
        "My laptop screen just died, really frustrating. Do I need to send the hard drive?",
        "kesel bgt kak, so annoying. bisa dilacak dmn?",
    ],
)
def test_a_complaint_sentence_in_front_of_questions_is_upset(message: str) -> None:
    assert is_upset(message)
    assert Kind.COMPLAINT in [part.kind for part in parts_of(message)]


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        # a request to know asks, and its words are not searched
        ("mau tau cara belinya kak. sama no wa adminnya", ["cara belinya kak.", "no wa adminnya"]),
        (
            "Assalamualaikum kak, mau tau jam buka admin nya. trus bisa order lewat IG?",
            ["jam buka admin nya.", "bisa order lewat IG?"],
        ),
        ("aku pengen tau kaktusnya dikeringin dulu ya", ["kaktusnya dikeringin dulu ya"]),
        (
            "I'd like to know your support hours. Also wondering if you reply on weekends",
            ["your support hours.", "you reply on weekends"],
        ),
        # "aku mau liat …" tells of the customer, and asks: a question, not a setting
        (
            "aku mau liat katalognya kak. trs bisa cod?",
            ["aku mau liat katalognya kak.", "bisa cod?"],
        ),
    ],
)
def test_a_question_told_as_a_request_to_know_is_a_question(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


def test_two_greetings_closed_by_a_full_stop_are_one_greeting() -> None:
    parts = parts_of("Halo min, selamat sore. ongkir ke bali brp?")

    assert parts[0] == Part("Halo min, selamat sore.", Kind.GREETING)
    assert kind_of("Halo kak, selamat pagi") is Kind.GREETING
    assert kind_of("halo pagi ini bisa kirim?") is Kind.QUESTION


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        # question words and "terus" as customers spell them (the colloquial lexicon's)
        ("ongkir ke jogja brp sama bsa cod ga", ["ongkir ke jogja brp", "bsa cod ga"]),
        ("resi dicek dmna sama brpa hari nyampe", ["resi dicek dmna", "brpa hari nyampe"]),
        ("harga kaktus brp sm gmna cara ordernya", ["harga kaktus brp", "gmna cara ordernya"]),
        ("ongkir ke jogja brapa? teros bisa cod?", ["ongkir ke jogja brapa?", "bisa cod?"]),
        # still whole: "sama" joins two things asked about
        ("kaktus sama pot ada?", ["kaktus sama pot ada?"]),
    ],
)
def test_question_words_and_joiners_are_known_in_their_chat_spellings(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


def test_a_question_word_in_its_chat_spelling_asks() -> None:
    # asked, so neither the customer's setting nor a complaint
    parts = parts_of("aku udah transfer konfirmasinya dmna. trs resinya dikirim kpan")
    assert [part.text for part in parts] == [
        "aku udah transfer konfirmasinya dmna.",
        "resinya dikirim kpan",
    ]
    assert kind_of("paket aku blm nyampe knapa") is Kind.QUESTION


@pytest.mark.parametrize(
    "text", ["Did not arrive yet!!", "Should have arrived yesterday, still broken", "blm sampe!!"]
)
def test_an_auxiliary_without_its_subject_asks_nothing(text: str) -> None:
    assert kind_of(text) is Kind.COMPLAINT


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "Hi, what can I do with a live USB? also should I back up my stuff before calling",
            ["what can I do with a live USB?", "should I back up my stuff before calling"],
        ),
        (
            "bisa COD ga kak? trus did you ship it already",
            ["bisa COD ga kak?", "did you ship it already"],
        ),
        (
            "ongkir ke bandung brp and may I know the account name",
            ["ongkir ke bandung brp", "may I know the account name"],
        ),
    ],
)
def test_an_english_question_opening_with_an_auxiliary_asks_and_is_no_setting(
    message: str, questions: list[str]
) -> None:
    # "should I back up my stuff" speaks of the customer, and still asks
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "quick questions:\n1. what time is your support open\n2. do you answer on weekends",
            ["what time is your support open", "do you answer on weekends"],
        ),
        ("quick question: do you ship to bali?", ["do you ship to bali?"]),
        ("I have 2 questions. 1. ongkir brp 2. bisa cod", ["ongkir brp", "bisa cod"]),
        ("ada beberapa pertanyaan kak\n- ongkir brp\n- bisa cod", ["ongkir brp", "bisa cod"]),
        (
            "Halo kak, mau tanya 2 hal ya. ongkir ke bali brp? bisa cod?",
            ["ongkir ke bali brp?", "bisa cod?"],
        ),
    ],
)
def test_a_line_announcing_the_questions_is_no_question_of_its_own(
    message: str, questions: list[str]
) -> None:
    # searched, "quick questions:" found a passage by chance; handed over, it became a gap
    assert questions_of(message) == questions


def test_a_question_about_questions_still_asks() -> None:
    assert questions_of("Do you answer questions on weekends?") == [
        "Do you answer questions on weekends?"
    ]


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        ("kalau barangnya rusak, bisa retur ga?", ["kalau barangnya rusak, bisa retur ga?"]),
        ("If it arrives damaged, can I return it?", ["If it arrives damaged, can I return it?"]),
        (
            "kalo attach file ga bisa, can I email it? ke alamat apa?",
            ["kalo attach file ga bisa, can I email it?", "ke alamat apa?"],
        ),
        # a follow-up after a comma still asks on its own
        ("bisa bayar pakai OVO, kalau Dana?", ["bisa bayar pakai OVO", "kalau Dana?"]),
    ],
)
def test_a_condition_before_a_comma_is_a_word_of_the_question_after_it(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "kak kalo ssd nya aja yg rusak, bisa dikirim part nya aja ga?",
            ["kak kalo ssd nya aja yg rusak, bisa dikirim part nya aja ga?"],
        ),
        (
            "ongkir ke bali brp? terus kalau paketnya rusak, bisa retur ga?",
            ["ongkir ke bali brp?", "kalau paketnya rusak, bisa retur ga?"],
        ),
        (
            "Can I buy an extended warranty? And if I send it in, should I include the charger?",
            [
                "Can I buy an extended warranty?",
                "if I send it in, should I include the charger?",
            ],
        ),
    ],
)
def test_a_condition_after_the_person_addressed_or_a_joiner_stays_with_its_question(
    message: str, questions: list[str]
) -> None:
    # cut off, "if I send the laptop in" was searched alone and answered with the packing passage
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "First, my wifi keeps cutting out, is there anything I should check? Second, do you"
            " offer on-site repair?",
            ["is there anything I should check?", "do you offer on-site repair?"],
        ),
        (
            "kak pertama, ongkir ke bali brp? kedua, bisa bayar pake bca?",
            ["kak ongkir ke bali brp?", "bisa bayar pake bca?"],
        ),
        (
            "Firstly: do you ship to bali? Lastly: can I pay by card?",
            ["do you ship to bali?", "can I pay by card?"],
        ),
        # an ordinal that is a word of the question stays one
        ("kedua nya bisa dikirim?", ["kedua nya bisa dikirim?"]),
        ("Do you have a second hand one?", ["Do you have a second hand one?"]),
    ],
)
def test_an_ordinal_before_a_comma_numbers_the_questions_and_is_no_word_of_them(
    message: str, questions: list[str]
) -> None:
    # "Second" was a question of its own, searched and handed over as a knowledge gap
    assert questions_of(message) == questions


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "hi, couple of things\n• does a ticket take attachments?\n• what's your number",
            ["does a ticket take attachments?", "what's your number"],
        ),
        (
            "A few things: do you ship to bali? and can I pay by card?",
            ["do you ship to bali?", "can I pay by card?"],
        ),
        ("ada 2 hal kak\n- ongkir brp\n- bisa cod", ["ongkir brp", "bisa cod"]),
    ],
)
def test_a_line_announcing_things_to_ask_is_no_question_of_its_own(
    message: str, questions: list[str]
) -> None:
    assert questions_of(message) == questions
