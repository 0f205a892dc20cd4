"""Where sentences end, in the shop texts Balas cuts into passages and replies."""

import pytest

from shared.text.sentences import sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Transfer ke BNI a.n. Budi Santoso. Konfirmasi ke admin ya kak!",
            ["Transfer ke BNI a.n. Budi Santoso.", "Konfirmasi ke admin ya kak!"],
        ),
        (
            "Toko kami di Jl. Malioboro No. 12, Yogyakarta. Buka tiap hari.",
            ["Toko kami di Jl. Malioboro No. 12, Yogyakarta.", "Buka tiap hari."],
        ),
        (
            "Minimal belanja Rp. 50.000 untuk COD. Ongkir ditanggung pembeli.",
            ["Minimal belanja Rp. 50.000 untuk COD.", "Ongkir ditanggung pembeli."],
        ),
        (
            "We ship with the U.S. Postal Service. Orders leave in 2 days.",
            ["We ship with the U.S. Postal Service.", "Orders leave in 2 days."],
        ),
        (
            "QRIS dikenai biaya 0.78% per transaksi. Detail di www.toko.id. Terima kasih.",
            ["QRIS dikenai biaya 0.78% per transaksi.", "Detail di www.toko.id.", "Terima kasih."],
        ),
        (
            "Caranya: 1. pilih produk 2. bayar. Lalu kirim bukti transfer.",
            ["Caranya: 1. pilih produk 2. bayar.", "Lalu kirim bukti transfer."],
        ),
        (
            "Kaos, kemeja, celana, dll. semua bisa diretur. Kecuali pakaian dalam.",
            ["Kaos, kemeja, celana, dll. semua bisa diretur.", "Kecuali pakaian dalam."],
        ),
        (
            'Tulis "sudah transfer." di catatan. Admin cek approx. 1 jam.',
            ['Tulis "sudah transfer." di catatan.', "Admin cek approx. 1 jam."],
        ),
    ],
)
def test_a_period_ends_a_sentence_only_where_one_ends(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_question_and_an_exclamation_end_sentences_too() -> None:
    assert sentences("Bisa COD? Bisa! Khusus Jabodetabek…  Lainnya transfer.") == [
        "Bisa COD?",
        "Bisa!",
        "Khusus Jabodetabek…",
        "Lainnya transfer.",
    ]
