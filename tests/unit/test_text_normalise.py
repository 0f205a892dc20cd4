"""The normalisation pipeline of shared/text: real chat forms in Indonesian and English."""

import pytest

from shared.knowledge.lexical import TYPO, LexicalIndex
from shared.knowledge.retrieval import MIN_SCORE
from shared.text.normalise import Word, forget_words, normalise, terms, words
from shared.text.stemming import stem, store_stemmer
from shared.text.typos import NearestWords, distance


@pytest.mark.parametrize(
    ("message", "normalised"),
    [
        ("kak sepatunya bs tuker size ga?", "kak sepatunya bisa tukar size tidak?"),
        ("resi udh kluar blm min", "resi sudah keluar belum min"),
        ("paketnya kpn nyampe y", "paketnya kapan sampai ya"),
        ("brg2nya dikirim pake apa", "barang-barangnya dikirim pakai apa"),
        ("mantappp bangettt", "mantap banget"),
        ("Maaaaf kak", "maaf kak"),
        ("hati2 di jalan", "hati-hati di jalan"),
        ("brgnya udh sampe", "barangnya sudah sampai"),
        ("kirimin ke alamat ini", "kirimkan ke alamat ini"),
        ("bisa kirim pakai J&T?", "bisa kirim pakai jnt?"),
        ("Do you deliver on weekends?", "do you deliver on weekends?"),
        ("Do you ship to the US?", "do you ship to the usa?"),
        ("CAN YOU SHIP TO US", "can you ship to us"),
    ],
)
def test_chat_forms_become_standard_words(message: str, normalised: str) -> None:
    assert normalise(message) == normalised


def test_a_shop_phrase_holding_a_chat_spelling_is_found() -> None:
    assert normalise("bs bayar ditempat ga") == "bisa cod tidak"  # "ditempat": "di tempat"


@pytest.mark.parametrize(
    ("chat", "documents"),
    [
        ("kardusnya", "box"),
        ("aslinya", "original"),
        ("layar baret", "scratched LCDs"),
        ("dibungkus", "wrap"),
        ("packingnya", "packed"),
        ("hardisk", "the hard drive"),
        ("ongkos", "biaya"),
        ("pc nya", "computer"),
        ("souvenir nikahan", "wedding souvenir"),
        ("beli sparepart", "purchase the part"),
        ("backupnya", "backing"),  # "backing up data"
        ("rekening a.n. Budi", "rekening atas nama Budi"),  # a bank transfer's abbreviation
        ("bea cukai", "customs"),  # a terms page's English to an Indonesian question
        ("produknya rusak", "damaged products"),
        ("hubungi penjual", "contact the seller"),
        ("kebijakan privasi", "privacy policy"),
    ],
)
def test_indonesian_chat_meets_the_words_english_and_formal_documents_use(
    chat: str, documents: str
) -> None:
    assert sorted(terms(chat)) == sorted(terms(documents))


def test_chat_abbreviations_of_social_media_become_their_names() -> None:
    assert terms("ada ig nya?") == terms("instagram")
    assert terms("dm aja") == terms("direct message")


def test_a_word_the_lexicons_do_not_know_is_left_as_written() -> None:
    assert normalise("Batik Lasem 150rb, SKU-12") == "batik lasem 150rb, sku-12"


@pytest.mark.parametrize(
    ("chat", "formal"),
    [
        ("kak sepatunya bs tuker size ga?", "apakah ukuran sepatu bisa ditukar?"),
        ("resi udh kluar blm min", "apakah nomor resi sudah keluar?"),
        ("paketnya kpn nyampe y", "kapan paket sampai?"),
        ("brg2nya dikirim pake apa", "barang-barang dikirim memakai apa?"),
        ("kirimin ke jakarta", "kirimkan ke jakarta"),
        ("bayarin pake cod", "membayar dengan cod"),
        ("ongkirnya brp", "berapa ongkos kirim?"),
        ("Do you deliver on weekends?", "pengiriman sabtu dan minggu"),
        ("Do you accept credit cards?", "menerima kartu kredit?"),
        ("Which payment methods on Monday?", "metode pembayaran senin"),
        ("Is it in stock?", "stoknya?"),
    ],
)
def test_chat_and_english_meet_the_formal_indonesian_terms(chat: str, formal: str) -> None:
    assert set(terms(chat)) >= set(terms(formal)) - {"nomor"}
    assert terms(chat)


def test_affixed_colloquial_forms_reach_the_glossary() -> None:
    assert terms("ongkirnya") == terms("ongkos kirim")
    assert terms("shippingnya") == terms("pengiriman")


@pytest.mark.parametrize(
    ("words", "root"),
    [
        ("kirimin dikirimin kirim", "kirim"),
        ("bayarin bayar dibayar", "bayar"),
        ("tasnya tas", "tas"),
        ("hpnya hp", "hp"),
    ],
)
def test_chat_suffixes_and_short_roots_stem(words: str, root: str) -> None:
    assert {stem(word) for word in words.split()} == {root}


@pytest.mark.parametrize(
    ("words", "root"),
    [
        ("sebulan bulan", "bulan"),  # "pupuknya sebulan brp kali?"
        ("seminggu minggu", "minggu"),
        ("kehapus terhapus hapus", "hapus"),  # chat's passive "ke-": "file aku kehapus"
        ("kesiram tersiram siram", "siram"),
        ("hubungi dihubungi menghubungi hubungin", "hubung"),
    ],
)
def test_chat_prefixes_and_the_suffix_i_come_off_known_roots(words: str, root: str) -> None:
    assert {stem(word) for word in words.split()} == {root}


# What a store's documents write, as its index holds them: the roots chat's prefix comes off.
STORE_WORDS = {"siram", "cek", "kirim", "cicil", "tunggu", "tutup", "post", "anti", "pakan"}


@pytest.mark.parametrize(
    ("words", "root"),
    [
        ("nyiram nyiramnya menyiram siram", "siram"),  # "nyiramnya tiap hari ga?"
        ("ngecek ngeceknya mengecek cek", "cek"),  # "ngeceknya dimana"
        ("ngirim ngirimnya kirim", "kirim"),
        ("nyicil cicil", "cicil"),  # "ny-" before "c" too: "bisa nyicil ga?"
        ("nunggu tunggu", "tunggu"),
        ("nutup tutup", "tutup"),  # "garansi nutup kerusakan cairan ga?"
    ],
)
def test_chats_active_prefix_comes_off_a_word_the_store_writes(words: str, root: str) -> None:
    store_stem = store_stemmer(STORE_WORDS)

    assert {store_stem(word) for word in words.split()} == {root}


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("nanti", "nanti"),  # roots of their own, not "anti", "pakan"
        ("makan", "makan"),
        ("most", "most"),  # an English word: no "post"
        ("money", "money"),
    ],
)
def test_a_root_or_english_word_opening_like_the_prefix_stays_whole(
    word: str, stemmed: str
) -> None:
    assert store_stemmer(STORE_WORDS)(word) == stemmed


def test_chats_active_prefix_stays_a_word_of_its_own_outside_a_store() -> None:
    # the offline classifier learns from the chat form ("nyesel", "nunggu")
    assert stem("nyiramnya") != stem("siram")


@pytest.mark.parametrize(
    ("question", "first"),
    [("kalo paketnya ga nyampe2 ngeceknya dimana", 0), ("nyiramnya tiap hari ga?", 1)],
)
def test_chats_active_prefix_finds_the_passage_writing_the_root(question: str, first: int) -> None:
    index = LexicalIndex(
        ["Lacak paket melalui menu Cek Resi.", "Siram tanaman 1-2 kali per minggu.", "Kontak"]
    )

    assert index.search(question, limit=5).positions.tolist()[0] == first


def test_homonyms_that_matter_in_shops_stay_apart() -> None:
    assert stem("pakaian") != stem("dipakai")  # clothes, to use
    assert stem("desain") != stem("desa")  # design, village: "-in" is no suffix here
    assert stem("setuju") != stem("tujuan")  # to agree, destination: no "se-" here
    assert stem("beli") == "beli"  # a root ending in "i" keeps it
    assert stem("kecil") == "kecil"  # "ke-" only before a known root
    assert terms("Bekasi") != terms("bekas")  # a city's name has no affixes
    assert stem("diskon") == "diskon"
    assert stem("batas") != stem("bata")  # limit, brick: "-s" is no English plural here
    assert terms("What sizes?") == terms("ukuran")


@pytest.mark.parametrize(
    ("words", "root"),
    [
        ("change changed changing changes", "chang"),
        ("ship shipping shipped ships", "ship"),
        ("attach attaching attached attachments", "attach"),
        ("usual usually", "usual"),
        ("log logging logged", "log"),
        ("apply applied", "apply"),
        ("agree agreed", "agree"),
    ],
)
def test_english_inflections_meet_their_stem(words: str, root: str) -> None:
    assert {stem(word) for word in words.split()} == {root}


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("kapan barangnya di dispatch kak?", "dispatch"),
        ("displaynya retak min, bisa diganti?", "display"),
        ("is my personal data safe?", "personal"),
        ("cs nya bisa di direct message ga?", "direct"),
        ("laptopnya kena dirty water, garansi?", "dirty"),
        ("is there a membership discount?", "membership"),
    ],
)
def test_no_indonesian_prefix_comes_off_an_english_word(message: str, kept: str) -> None:
    # "discount" was "di-" + "scount", "display" "di-" + "splay", "personal" "per-" + "sonal"
    assert kept in terms(message)


def test_indonesian_prefixes_still_come_off_chat_verbs() -> None:
    assert terms("paketnya udh dikirim? kok diproses lama, pengiriman terlambat") == [
        "paket",
        "kirim",
        "proses",
        "kirim",
        "lambat",
    ]


def test_english_stemming_leaves_short_words_and_verbs_in_ply_whole() -> None:
    assert [stem(word) for word in ("used", "bring", "reply", "free", "need")] == [
        "used",
        "bring",
        "reply",
        "free",
        "need",
    ]


def test_affixed_indonesian_roots_are_no_english_plurals_and_particles_follow_words() -> None:
    assert stem("diproses") == stem("proses") == "proses"  # not "diprose"
    assert stem("langkah") == "langkah"  # not "lang" + "-kah"
    assert stem("setelah") == "setelah"
    assert stem("bisakah") == "bisa"
    assert stem("kirimlah") == "kirim"


@pytest.mark.parametrize(
    ("message", "root"),
    [
        ("barangnya penting bgt kak", "penting"),  # no "peN-" + "ting"
        ("yg paling laris apa?", "paling"),  # no "pal" + English "-ing"
        ("kaktusnya kering, gmn?", "kering"),
        ("ada warna kuningnya?", "kuning"),
        ("proses pengeringan brp lama", "kering"),  # the listed root is reached, not "ering"
        ("kebijakan refundnya gmn", "bijak"),
    ],
)
def test_a_listed_root_is_never_taken_for_an_affixed_word(message: str, root: str) -> None:
    assert root in terms(message)


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("dipesan", "pesan"),  # no di-...-an: not "pes" (a listed root) + "-an"
        ("memesan", "pesan"),  # no meN-...-an
        ("pengecekan", "cek"),  # no peN-...-kan: not "kece" (a listed root) + "-kan"
        ("keterlambatan", "lambat"),  # ke-...-an, then ter-
        ("pemesanan", "pesan"),
    ],
)
def test_a_prefix_goes_only_with_the_suffixes_indonesian_pairs_it_with(
    word: str, root: str
) -> None:
    assert stem(word) == root


@pytest.mark.parametrize(
    ("message", "written"),
    [
        ("anak2 suka bermain di taman", "bermain"),  # "ber-" + "main", not "berma" + "-in"
        ("kulkasnya ada pendingin ga", "pendingin"),  # "peN-" + "dingin"
        ("barangnya dijamin ori ga", "dijamin"),  # a root ending in "-in"
        ("train ticket", "train"),  # not "tra", a three-letter root only the dictionary lists
        ("kak tolong kirimin hari ini", "kirimkan"),  # the Jakarta "-in" still
        ("isiin formnya dl", "isikan"),
    ],
)
def test_the_jakarta_in_only_where_the_standard_affixes_leave_no_root(
    message: str, written: str
) -> None:
    assert written in normalise(message).split()


def test_chat_se_on_a_function_word_is_another_function_word() -> None:
    assert stem("sebelum") == "sebelum"  # "before", not "belum" (not yet), a stop word
    assert "sebelum" in terms("perlu bikin live usb dlu gak sebelum hubungin cs?")
    assert stem("sebulan") == "bulan"  # on a content word "se-" still goes


def test_a_loanwords_own_an_is_no_suffix() -> None:
    assert stem("instan") == "instan"  # "Gojek instan": not "inst"
    assert stem("konsultan") == "konsultan"
    assert stem("pengiriman") == stem("kiriman") == "kirim"
    assert stem("layanan") == "layan"


def test_an_inflected_english_word_finds_its_glossary_entry() -> None:
    assert terms("refunded") == terms("refund")
    assert terms("Can I get it replaced?") == terms("ganti")
    assert terms("the tracked parcel") == terms("track package")
    assert "cicil" not in terms("installed")  # "installment" is no "install"


@pytest.mark.parametrize(
    ("english", "indonesian"),
    [
        ("Where can I see your catalogue?", "lihat katalog"),
        ("Do you repair laptops?", "servis laptop"),
        ("What is your phone number?", "nomor telpon"),
        ("no wa adminnya", "whatsapp admin"),
        ("Are you responsible for lost data?", "tanggung jawab data hilang"),
        ("Do you accept GoPay?", "terima dompet digital gopay"),
        ("Can I track my order?", "lacak resi pesanan"),
        ("Should I send the charger?", "kirim adaptor"),
    ],
)
def test_english_shop_words_and_shorthands_meet_indonesian_ones(
    english: str, indonesian: str
) -> None:
    assert set(terms(english)) >= set(terms(indonesian))


@pytest.mark.parametrize(
    ("question", "framing"),
    [
        ("How often do you restock?", "restock"),
        ("gimana cara retur, perlu video?", "retur video"),
        ("Can you recommend the best size for me?", "size"),
        ("no wa admin", "whatsapp admin"),  # "no": a negation or "nomor", never the topic
        ("refundnya setelah retur", "refund retur"),
        ("bayar dulu ya", "bayar"),  # chat's framing particles: "dulu", "doang", "biar"
        ("lcd doang", "lcd"),
        ("rusak gara2 packing", "rusak packing"),
        ("dibungkus biar aman", "dibungkus aman"),
        ("disiram tiap hari", "disiram hari"),
        ("datanya ga bakal di-share?", "datanya di-share"),  # "bakal": chat's "akan"
        ("kaktusku di dalem kamar", "kaktus kamar"),  # "dalem": chat's "dalam"
        ("mau tau cara belinya kak.", "belinya"),  # "want to know", as "know", "want" are
        ("pengen tau kaktusnya dikeringin dulu ya", "kaktusnya dikeringin"),
        ("pgn tau ongkirnya brp", "ongkirnya"),
        ("We're open on Saturday, we'll ship Monday", "open Saturday ship Monday"),  # contractions
    ],
)
def test_question_framing_words_of_both_languages_are_no_terms(question: str, framing: str) -> None:
    assert terms(question) == terms(framing)


def test_a_city_meets_the_island_shops_price_shipping_by() -> None:
    assert words("ongkir ke Medan brp") == [
        Word(("biaya", "kirim"), written="ongkir"),
        Word(("medan",), related=("sumatra",), place=True, written="medan"),
    ]
    assert {"bekasi", "jabodetabek"} <= set(terms("bisa COD di Bekasi?"))
    index = LexicalIndex(["Luar Jawa (Sumatra, Bali): ongkos kirim Rp 28.000 per kg.", "Cuaca"])

    found = index.search("ongkir ke Medan brp", limit=5)

    assert found.positions.tolist() == [0]
    assert found.coverage[0] == pytest.approx(1.0)


def test_cities_and_countries_are_places() -> None:
    assert [word.place for word in words("kirim ke Medan")] == [False, True]
    assert [word.place for word in words("capital of Indonesia")] == [False, True]


def test_a_place_alone_does_not_make_a_question_relevant() -> None:
    index = LexicalIndex(["Kami mengirim ke seluruh Indonesia, ongkos kirim sesuai kurir."] * 2)

    shipping = index.search("Do you ship to Indonesia?", limit=5)
    capital = index.search("What is the capital of Indonesia?", limit=5)

    assert float(shipping.coverage[0]) >= MIN_SCORE
    assert float(capital.coverage.max()) < MIN_SCORE


def test_a_country_in_capitals_is_not_the_pronoun() -> None:
    assert "negeri" in terms("Do you ship to the US?")
    assert terms("can you send it to us") == terms("send")


def test_typos_find_the_word_the_documents_use() -> None:
    vocabulary = ["garansi", "bayar", "rekening", "ongkos", "kirim", "voucher"]
    nearest = NearestWords(vocabulary)

    assert [vocabulary[p] for p in nearest.nearest("garnsi")] == ["garansi"]
    assert [vocabulary[p] for p in nearest.nearest("rekenig")] == ["rekening"]
    assert [vocabulary[p] for p in nearest.nearest("vocher")] == ["voucher"]
    assert [vocabulary[p] for p in nearest.nearest("bayr")] == ["bayar"]
    assert nearest.nearest("kursi") == []  # a different word is not a typo
    assert nearest.nearest("tas") == []  # short words are never corrected
    assert distance("pembayran", "pembayaran") == 1
    assert distance("ab", "ba") == 1


@pytest.mark.parametrize("question", ["transfer ke bank apa kak?", "Which bank do I pay into?"])
def test_a_bank_named_by_its_abbreviation_answers_which_bank(question: str) -> None:
    index = LexicalIndex(["Transfer ke BNI a.n. Keluarga Cactus.", "Kaktus dikirim setiap Senin."])

    found = index.search(question, limit=5)

    assert found.positions.tolist()[0] == 0
    assert found.coverage[0] >= MIN_SCORE


def test_a_misspelling_the_stemmer_cuts_still_finds_the_word() -> None:
    # "rekning" looks English to the stemmer ("rekn"), which no index word is near; as written
    # it is one edit from "rekening"
    index = LexicalIndex(["Transfer ke BCA a.n. Budi Santoso, nomor rekening 1234567890."])

    found = index.search("rekning atas nama siapa kak?", limit=5)

    assert [word.written for word in words("rekning")] == ["rekning"]
    assert found.coverage[0] == pytest.approx(1.0)


def test_a_misspelt_affixed_word_finds_the_word_as_the_documents_write_it() -> None:
    # "pengirman" stems to nothing the index holds ("kirim" is four edits away); as written it
    # is one edit from the documents' "pengiriman"
    index = LexicalIndex(
        [
            "Proses pengiriman biasanya membutuhkan waktu 2-3 hari.",
            "Pembayaran ke rekening BNI a.n. Keluarga Cactus.",
        ]
    )

    found = index.search("brp lama pengirman nya kak?", limit=5)

    assert found.positions.tolist() == [0]
    assert found.coverage[0] >= MIN_SCORE


def test_a_unit_asked_about_finds_an_amount_written_as_a_range_per_unit() -> None:
    index = LexicalIndex(
        [
            "Pupuk yang digunakan adalah pupuk organik 2-3cc/L air, siramkan secukupnya.",
            "Pupuk satu bulan sekali.",
        ]
    )

    found = index.search("pupuknya brp cc kak?", limit=5)

    assert found.positions.tolist() == [0, 1]
    assert found.coverage[0] == pytest.approx(1.0)  # "cc" is held, not an unknown word


@pytest.mark.parametrize("question", ["bisa order lewat IG?", "kak gmn cara order nya?"])
def test_ordering_in_chat_finds_a_shop_that_writes_buying(question: str) -> None:
    # the loanword "order" is "pesan", and a shop may write only "membeli" for it
    index = LexicalIndex(
        [
            "Pilih kaktus favorit anda melalui katalog website / Instagram, lalu membeli lewat "
            "Direct Message.",
            "Tanaman kaktus tidak membutuhkan terlalu banyak air.",
        ]
    )

    found = index.search(question, limit=5)

    assert found.positions.tolist()[0] == 0
    assert found.coverage[0] >= MIN_SCORE


@pytest.mark.parametrize(
    ("question", "held"),
    [("sprayin sebulan brp kali?", "spray"), ("kaktusnya distekin kapan kak?", "stek")],
)
def test_a_chat_affix_on_a_root_the_store_writes_finds_it(question: str, held: str) -> None:
    # Neither root is in the stemmer's lists (a loanword, a gardener's word): the store's own
    # words decide.
    index = LexicalIndex(["Spray organik 2-3cc/L air.", "Stek 3-4 hari sekali.", "Kontak admin"])

    found = index.search(question, limit=5)

    assert index.spelt([held]) == {held}
    assert not any(held in terms(word) for word in question.split())
    assert found.positions.tolist()[0] == ("spray", "stek").index(held)
    assert found.split[0][TYPO] == 0  # held as its own word, not as a misspelling


def test_a_dictionary_word_is_no_misspelling_of_a_written_word() -> None:
    # "lots" is one swap from "lost", a word the passage writes, but English knows it
    index = LexicalIndex(["We are not responsible for any lost data during the repair."])

    assert index.search("lots of space?", limit=5).positions.tolist() == []


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("klo ke bali?", "Cara beli: chat admin lalu transfer."),  # not "beli"
        ("ada toko offline nya ga di jawa?", "Pertanyaan dijawab admin dalam 1x24 jam."),
        ("ongkir ke batam brp?", "Pesanan bisa batal sebelum diproses."),  # a city: not "batal"
        ("kirim ke kudus brp hari?", "Ukuran baju kurus dan gemuk."),  # a regency: not "kurus"
        ("bisa pake paxel?", "Resolusi layar 1920 pixel."),  # a courier: not "pixel"
    ],
)
def test_a_place_or_a_courier_is_no_misspelling_of_a_store_word(
    question: str, passage: str
) -> None:
    # Each name is one edit from a word the passage writes (which the typo tolerance matched
    # before); the store never names it, so nothing is found.
    assert LexicalIndex([passage]).search(question, limit=5).positions.tolist() == []


def test_a_name_is_not_stemmed() -> None:
    assert [stem(word) for word in ("bali", "bekasi", "kediri", "pekalongan")] == [
        "bali",
        "bekasi",
        "kediri",
        "pekalongan",
    ]
    assert terms("balinya bs dikirim?") == ["bali", "kirim"]


def test_a_misspelt_question_finds_the_passage_with_the_word() -> None:
    index = LexicalIndex(
        [
            "Garansi jahitan 30 hari sejak barang diterima.",
            "Pembayaran lewat transfer BCA atau QRIS.",
            "Ongkos kirim Pulau Jawa flat Rp 12.000.",
        ]
    )

    found = index.search("garnsi jahitn brp hari", limit=5)

    assert found.positions.tolist()[0] == 0
    assert found.coverage[0] >= MIN_SCORE


KNOWLEDGE = [
    "Metode pembayaran: transfer bank BCA dan Mandiri, QRIS, dan COD (bayar di tempat).",
    "Nomor resi dikirim lewat WhatsApp paling lambat 1x24 jam setelah paket diserahkan ke kurir.",
    "Pesanan yang lunas sebelum pukul 14.00 dikirim di hari yang sama, Senin sampai Sabtu.",
    "Retur diajukan paling lambat 7 hari; tukar ukuran maksimal 1 kali, ongkir ditanggung pembeli.",
    "Admin WhatsApp melayani Senin sampai Jumat pukul 09.00-17.00 dan Sabtu pukul 09.00-14.00.",
]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("resi udh kluar blm min", 1),
        ("kak sepatunya bs tuker size ga?", 3),
        ("bayarin pake cod bisa gak sis", 0),
        ("Do you deliver on saturday?", 2),
        ("jam brp adminnya bales chat?", 4),
    ],
)
def test_answerable_chat_questions_pass_the_relevance_decision(question: str, answer: int) -> None:
    found = LexicalIndex(KNOWLEDGE).search(question, limit=5)

    assert found.positions.tolist()[0] == answer
    assert found.coverage[0] >= MIN_SCORE


@pytest.mark.parametrize(
    "question",
    [
        "kak ada jual tiket pesawat gak",
        "Do you sell laptops?",
        "min bisa top up pulsa ga",
        "Can you recommend a restaurant in Bali?",
    ],
)
def test_unanswerable_questions_stay_below_the_relevance_decision(question: str) -> None:
    found = LexicalIndex(KNOWLEDGE).search(question, limit=5)

    assert not len(found.coverage) or float(found.coverage.max()) < MIN_SCORE


def test_an_erasure_empties_the_word_caches_that_hold_customers_words() -> None:
    terms("Kirana pesan jilbab zamrud kemarin")
    assert stem.cache_info().currsize > 0

    forget_words()

    assert stem.cache_info().currsize == 0
