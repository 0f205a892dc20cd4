"""The readability check of the evaluations (bench/readability.py) on replies the offline engine
wrote (issue 21 quotes them) and on the replies a shop assistant would write instead."""

import pytest

from bench.readability import Artifact, check, language_of

PASTED_WITH_HEADING = (
    "Menurut FAQ Toko Budi Sepatu > Apakah bisa bayar di tempat (COD)? kami: Bisa. COD tersedia "
    "untuk wilayah Jabodetabek…"
)
ENGLISH_QUESTION_INDONESIAN_PASSAGE = (
    "According to our Kebijakan Pengiriman: Kebijakan Pengiriman merupakan ketentuan penting "
    "terkait informasi pengiriman ketika Pembeli membuat pesanan, yang berisi detil mengenai "
    "metode dan biaya pengiriman, waktu pengiriman dan hal lainnya."
)
FLATTENED_LIST = (
    "Permintaan pengembalian dapat diajukan dalam jangka waktu 7 (tujuh) hari setelah Produk "
    "diterima oleh Pembeli dengan kondisi Produk sebagai berikut: - belum digunakan ataupun "
    "dikonsumsi secara nyata; - label, kemasan dan/atau segel Produk tidak rusak; dan"
)


def test_a_pasted_passage_shows_its_heading_path_a_stranded_word_and_a_cut() -> None:
    assert check(PASTED_WITH_HEADING, "id", ["faq-toko-budi-sepatu"]) == [
        Artifact.HEADING_PATH,
        Artifact.STRANDED,
        Artifact.CUT,
    ]


def test_an_indonesian_passage_given_to_an_english_question_without_notice() -> None:
    found = check(ENGLISH_QUESTION_INDONESIAN_PASSAGE, "en", ["Kebijakan Pengiriman"])

    assert found == [Artifact.HEADING_PATH, Artifact.WRONG_LANGUAGE]


def test_a_list_flattened_into_the_reply_leaves_dangling_bullets_and_ends_mid_sentence() -> None:
    assert check(FLATTENED_LIST, "id") == [Artifact.MARKDOWN, Artifact.CUT]


@pytest.mark.parametrize(
    "reply",
    [
        "**Pengiriman**\nBiaya jasa pengiriman ditanggung oleh Pembeli.",
        "## Returns\nWe accept returns of unopened kits within 30 days.",
        "Lihat [kebijakan kami](https://example.com/refund) untuk detailnya.",
        "Syarat pengembalian: 1. Produk yang dapat di retur yaitu produk rusak.",
        "Format the drive using the <u>Disks</u> program.",
    ],
)
def test_markdown_remnants(reply: str) -> None:
    assert Artifact.MARKDOWN in check(reply, "id")


@pytest.mark.parametrize(
    "reply",
    [
        "Bisa, kak. COD tersedia untuk wilayah Jabodetabek.",
        "Ongkos kirim ditanggung oleh pembeli, kak. Besarnya tergantung berat dan jarak.",
        "Yes, we ship to Canada with UPS Standard.",
        "Our policy, in Indonesian: Biaya jasa pengiriman sepenuhnya ditanggung oleh Pembeli.",
        "Kebijakan kami dalam bahasa Inggris: We process orders within 1-2 business days.",
        "1. Ongkir ditanggung pembeli.\n2. Bisa COD, kak.",
        "Maaf, saya belum punya informasi tentang itu. Tim kami akan segera membantu Anda di sini.",
        "Catatan: pesanan dikirim setelah pembayaran lunas.",
    ],
)
def test_replies_a_shop_assistant_would_write_pass(reply: str) -> None:
    customer = "en" if reply.startswith(("Yes", "Our")) else "id"

    assert check(reply, customer, ["Kebijakan Pengembalian Dana", "kebijakan-pengiriman"]) == []


def test_a_line_ending_in_a_colon_with_nothing_after_it_is_stranded() -> None:
    reply = (
        "Untuk setiap jenis pembayaran Pembeli akan dikenakan biaya administrasi sebagai berikut:"
    )

    assert check(reply, "id") == [Artifact.STRANDED]


def test_a_reply_cut_at_a_word_or_with_dots_is_cut() -> None:
    assert check("Pesanan akan dikirimkan ke alamat yang tercantum di Form", "id") == [Artifact.CUT]
    assert check("We will send you the tracking number...", "en") == [Artifact.CUT]
    assert check("Produk yang dapat diretur yaitu.", "id") == [Artifact.CUT]
    assert check("Methods for backing up data include.", "en") == [Artifact.CUT]
    assert check("COD tersedia untuk belanja minimal Rp.", "id") == [Artifact.CUT]
    assert check("Transfer ke BNI a.n. Budi, minimal Rp. 50.000.", "id") == []


def test_a_document_title_or_file_name_in_the_text_is_a_heading_artifact() -> None:
    titles = ["Shipping and Returns Policy", "shipping-and-returns-policy"]

    found = check("Per our Shipping and Returns Policy, returns are store credit.", "en", titles)

    assert found == [Artifact.HEADING_PATH]


def test_over_a_thousand_characters_is_too_long() -> None:
    reply = "Pesanan akan segera diproses setelah pembayaran lunas. " * 20

    assert check(reply.strip(), "id") == [Artifact.TOO_LONG]


def test_a_notice_of_the_other_language_written_in_it_is_the_wrong_language() -> None:
    # "phone number? weekends?" answered from English pages with the Indonesian notice
    indonesian_notice = (
        "Informasi kami tentang ini tertulis dalam bahasa Inggris: By Phone - Contact us at "
        "(720)-226-9269."
    )
    english_notice = (
        "Our information on this is written in Indonesian: Kami menerima transfer bank BCA dan "
        "Mandiri."
    )

    assert check(indonesian_notice, "en") == [Artifact.WRONG_LANGUAGE]
    assert check(english_notice, "id") == [Artifact.WRONG_LANGUAGE]
    assert check(indonesian_notice, "id") == []
    assert check(english_notice, "en") == []
    assert check(indonesian_notice, "mixed") == []


def test_a_mixed_customer_may_read_either_language() -> None:
    assert check(ENGLISH_QUESTION_INDONESIAN_PASSAGE.split(": ", 1)[1], "mixed") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Biaya jasa pengiriman sepenuhnya ditanggung oleh Pembeli.", "id"),
        ("Returns for Purchase Orders are store credit only, and we do not ship to hotels.", "en"),
        ("ok kak", None),
    ],
)
def test_language_of_tells_indonesian_from_english(text: str, language: str | None) -> None:
    assert language_of(text) == language


def test_a_spaced_dash_inside_a_sentence_is_punctuation_not_a_bullet() -> None:
    reply = "We will send you an email with tracking information - if your shipping has tracking."

    assert check(reply, "en") == []


def test_an_empty_reply_has_no_artifact() -> None:
    assert check("", "id") == []
