"""The offline answer to one question: the passages' sentences that carry it, as a reply."""

from shared.answering.compose import MAX_CHARS, compose, fitted, segments_of
from shared.answering.reply_check import problems
from shared.knowledge.retrieval import Passage
from shared.stores.bot_settings import Language, Tone

FAQ = (
    "Apakah bisa bayar di tempat (COD)? Bisa. COD tersedia untuk wilayah Jabodetabek dengan "
    "total belanja maksimal Rp 1.500.000.\n\n"
    "Berapa lama pengiriman? Pengiriman ke Pulau Jawa 2-3 hari kerja, luar Jawa 4-7 hari kerja."
)
RETURNS = (
    "## Syarat Retur\n"
    "1. Retur diajukan paling lambat 7 hari setelah barang diterima.\n"
    "2. Wajib ada video unboxing tanpa jeda.\n"
    "3. Produk promo tidak dapat dikembalikan.\n"
    "4. Sepatu belum dipakai di luar ruangan dan kotaknya masih ada."
)
SHIPPING_PDF = (  # a PDF page: lines cut mid-sentence, sub-headings on lines of their own
    "Kebijakan Pengiriman Toko Budi Sepatu\n"
    "Semua pesanan dikirim dari gudang kami di Bandung. Kurir yang tersedia:\n"
    "JNE, J&T Express dan SiCepat.\n"
    "Ongkos Kirim dan Estimasi\n"
    "Ongkir dihitung dari berat paket dan kota tujuan, mulai Rp 10.000 per kg, dan\n"
    "ditanggung pembeli kecuali ada promo gratis ongkir.\n"
    "Nomor Resi\n"
    "Nomor resi dikirim lewat WhatsApp paling lambat 1x24 jam setelah paket diserahkan."
)


def passage(text: str, heading: str | None = None, n: int = 0) -> Passage:
    return Passage(
        chunk_id=f"doc-1:1:{n}",
        document_id="doc-1",
        filename="faq-toko-budi.docx",
        locator=f"§ {n}",
        heading=heading,
        text=text,
        score=0.8,
    )


def reply(question: str, *texts: str, language: Language = Language.ID) -> str:
    composed = compose(
        question,
        [passage(t, "FAQ Toko Budi Sepatu > Pembayaran") for t in texts],
        language,
        Tone.FRIENDLY,
    )
    assert composed is not None
    return composed.text


def test_a_yes_no_question_gets_a_short_lead_and_the_facts_without_the_faqs_question() -> None:
    answer = reply("Bisa COD?", FAQ)

    assert answer == (
        "Bisa, kak. COD tersedia untuk wilayah Jabodetabek dengan total belanja maksimal "
        "Rp 1.500.000."
    )


def test_no_title_heading_path_or_markdown_reaches_the_reply() -> None:
    for question in ("Bisa COD?", "Berapa lama pengiriman?", "retur paling lambat kapan?"):
        answer = reply(question, FAQ, RETURNS)

        assert not any(mark in answer for mark in (">", "FAQ", "#", "Menurut"))
        assert not problems(answer, Language.ID, [question], [])


def test_a_list_keeps_only_its_relevant_items_without_their_numbers() -> None:
    answer = reply("retur paling lambat berapa hari?", RETURNS)

    assert answer == "Retur diajukan paling lambat 7 hari setelah barang diterima."


def test_a_pdfs_lines_are_sentences_again_and_its_sub_headings_are_not_said() -> None:
    answer = reply("ongkir dihitung dari apa?", SHIPPING_PDF)

    assert answer == (
        "Ongkir dihitung dari berat paket dan kota tujuan, mulai Rp 10.000 per kg, dan "
        "ditanggung pembeli kecuali ada promo gratis ongkir."
    )
    assert [s.text for s in segments_of(SHIPPING_PDF)][:2] == [
        "Semua pesanan dikirim dari gudang kami di Bandung.",
        "Kurir yang tersedia: JNE, J&T Express dan SiCepat.",
    ]


def test_an_english_question_answered_only_in_indonesian_says_so_before_quoting() -> None:
    answer = reply("How long does shipping take?", FAQ, language=Language.EN)

    assert answer == (
        "Our information on this is written in Indonesian: Pengiriman ke Pulau Jawa 2-3 hari "
        "kerja, luar Jawa 4-7 hari kerja."
    )


def test_the_customers_language_is_preferred_when_both_answer() -> None:
    both = (
        "Can I pay cash on delivery? Yes, cash on delivery is available in Greater Jakarta.\n\n"
        "Bisa bayar COD? Bisa, COD tersedia untuk Jabodetabek."
    )

    assert reply("Can I pay cash on delivery (COD)?", both, language=Language.EN) == (
        "Yes. Cash on delivery is available in Greater Jakarta."
    )
    assert reply("bisa cod kak?", both) == "Bisa, kak. COD tersedia untuk Jabodetabek."


def test_a_negative_answer_keeps_its_meaning() -> None:
    faq = "Apakah bisa kirim ke luar negeri? Belum, pengiriman ke luar negeri belum tersedia."

    assert reply("bisa kirim ke luar negeri?", faq) == (
        "Belum, kak. Pengiriman ke luar negeri belum tersedia."
    )
    # "Tidak semua ..." is no "no": without an answer word first, no lead
    assert reply("bisa retur produk promo?", "Tidak semua produk promo dapat diretur.") == (
        "Tidak semua produk promo dapat diretur."
    )


def test_a_formal_store_is_not_addressed_as_kak() -> None:
    composed = compose("Bisa COD?", [passage(FAQ)], Language.ID, Tone.FORMAL)

    assert composed is not None
    assert composed.text.startswith("Bisa, Bapak/Ibu.")


def test_a_long_passage_gives_a_bounded_answer_of_whole_sentences() -> None:
    long = " ".join(
        f"Pengiriman ke kota nomor {n} memakan waktu {n} hari kerja." for n in range(60)
    )

    answer = reply("berapa hari pengiriman?", long)

    assert len(answer) <= MAX_CHARS
    assert answer.endswith(".")


def test_the_answer_cites_only_the_passages_its_sentences_come_from() -> None:
    passages = [passage(RETURNS, n=0), passage(FAQ, n=1)]

    composed = compose("Bisa COD?", passages, Language.ID, Tone.FRIENDLY)

    assert composed is not None
    assert [p.chunk_id for p in composed.passages] == ["doc-1:1:1"]


def test_a_list_is_said_with_the_sentence_that_announces_it_never_that_sentence_alone() -> None:
    returns = (
        "Produk yang dapat diretur yaitu:\n"
        "- belum digunakan.\n"
        "- masih ada label dan kotaknya\n\n"
        "Refund diproses 3 hari kerja."
    )

    answer = reply("Produk apa aja yang bisa diretur kak?", returns)

    assert answer == (
        "Produk yang dapat diretur yaitu: belum digunakan; masih ada label dan kotaknya."
    )


def test_a_sentence_announcing_a_list_the_passage_does_not_hold_is_left_out() -> None:
    backup = (
        "If the hard drive is included, please back up all important data. "
        "Methods for backing up data include:"
    )

    answer = reply("How do I back up my data?", backup, language=Language.EN)

    assert answer == "If the hard drive is included, please back up all important data."


def test_abbreviations_and_stray_marks_do_not_cut_a_sentence() -> None:
    payment = (
        "Transfer ke BNI a.n. Budi Santoso, minimal Rp. 50.000. "
        "Setelah transfer, paket dikemas 1-2 hari lalu dikirim, biasanya 2-3 hari. ."
    )

    assert reply("rekening BNI-nya atas nama siapa kak?", payment) == (
        "Transfer ke BNI a.n. Budi Santoso, minimal Rp. 50.000."
    )
    assert reply("brp lama dikemas?", payment) == (
        "Setelah transfer, paket dikemas 1-2 hari lalu dikirim, biasanya 2-3 hari."
    )


def test_a_question_asking_how_long_is_answered_by_the_sentence_stating_a_duration() -> None:
    repairs = (
        "We bring the system in for diagnosis and repairs. Repair costs are covered under "
        "warranty. Typical repairs are 3-5 business days from receipt of the computer."
    )

    answer = reply("How long does a repair usually take?", repairs, language=Language.EN)

    assert answer.startswith("Typical repairs are 3-5 business days")


def test_the_first_passage_retrieved_answers_unless_a_later_one_matches_clearly_better() -> None:
    shipping = "Semua pesanan dikirim lewat JNE dan J&T ke seluruh Indonesia."
    payment = "Kirim bukti transfer lewat WhatsApp."

    assert reply("dikirim lewat apa kak?", shipping, payment) == shipping
    assert reply("bukti transfer dikirim lewat apa?", shipping, payment) == payment


def test_a_sentence_cut_where_its_chunk_ended_is_never_said() -> None:
    cut_by_the_chunk = (
        "Pengiriman ke Pulau Jawa 2-3 hari kerja. Untuk pengiriman ke luar Jawa, ongkir dihitung "
        "per kg dan"
    )

    answer = reply("Ongkir ke luar Jawa gimana?", cut_by_the_chunk)

    assert answer == "Pengiriman ke Pulau Jawa 2-3 hari kerja."


def test_a_list_items_closing_and_is_dropped_not_taken_for_a_cut() -> None:
    terms = (
        "Pengembalian dapat diajukan bila produk sebagai berikut:\n"
        "- belum digunakan ataupun dikonsumsi; dan\n"
        "- label dan segel produk tidak rusak."
    )

    answer = reply("Syarat pengembalian produk apa?", terms)

    assert answer == (
        "Pengembalian dapat diajukan bila produk sebagai berikut: belum digunakan ataupun "
        "dikonsumsi; label dan segel produk tidak rusak."
    )


def test_every_answer_keeps_its_first_sentence_before_any_keeps_a_second() -> None:
    shipping = ["Ke Jawa 2-3 hari kerja.", "Ke luar Jawa 4-7 hari kerja.", "Resi lewat WA."]
    cod = ["Bisa, kak. COD untuk Jabodetabek.", "Maksimal Rp 1.500.000."]
    handed_over = ["Untuk pertanyaan “garansi”, tim kami akan menjawabnya di sini."]
    answers = [shipping, cod, handed_over]
    firsts = sum(len(answer[0]) for answer in answers) + 2 * 2

    assert fitted(answers, firsts) == [shipping[:1], cod[:1], handed_over]
    assert fitted(answers, firsts + 1 + len(shipping[1])) == [shipping[:2], cod[:1], handed_over]
    assert fitted(answers, 10_000) == answers
    assert fitted(answers, 0) == [shipping[:1], cod[:1], handed_over]


def test_a_numbered_heading_stating_a_rule_is_said_when_it_answers() -> None:
    tips = [
        passage("Tanaman kaktus tidak membutuhkan terlalu banyak air.", f"Tips > {rule}", n)
        for n, rule in enumerate(["1. Siram tanaman 1-2 kali per minggu", "2. Jangan kena hujan"])
    ]

    composed = compose("kaktus disiram brp kali seminggu kak?", tips, Language.ID, Tone.FRIENDLY)

    assert composed is not None
    assert composed.text.startswith("Siram tanaman 1-2 kali per minggu.")


def test_a_numbered_heading_is_said_with_the_body_that_explains_it() -> None:
    media = passage(
        "Dengan komposisi 1:1:1 (tanah berpasir, sekam/kulit padi, pupuk kandang).",
        "Tips Merawat Kaktus > 5. Ganti media tanam 3 bulan sekali.",
    )

    composed = compose("media tanamnya campuran apa aja", [media], Language.ID, Tone.FRIENDLY)

    assert composed is not None
    assert composed.text == (
        "Ganti media tanam 3 bulan sekali. Dengan komposisi 1:1:1 (tanah berpasir, sekam/kulit "
        "padi, pupuk kandang)."
    )


def test_a_numbered_question_or_the_documents_title_is_never_said_as_a_fact() -> None:
    asked = passage("A Live USB can be used as a rescue disk.", "Ticket > 2. Do you have a USB?")
    titled = passage("Kirim ke seluruh Indonesia.", "3. Pengiriman")

    assert [s.text for s in segments_of(asked.text, 0, asked.heading)] == [asked.text]
    assert [s.text for s in segments_of(titled.text, 0, titled.heading)] == [titled.text]


def test_inline_html_tags_of_a_markdown_page_are_not_said() -> None:
    page = "Format the external drive either 'ext4' or 'ntfs' using the <u>Disks</u> program."

    answer = reply("which format for the external drive?", page, language=Language.EN)

    assert answer == "Format the external drive either 'ext4' or 'ntfs' using the Disks program."
