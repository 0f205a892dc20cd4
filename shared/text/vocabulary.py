"""The word lists of the normalisation pipeline (`normalise.py`): stop words, roots, a glossary.

All words are folded (lower case, no accents). Kept short on purpose: each entry is a word
customers of Indonesian shops actually write, and a wrong entry costs recall.
"""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say nothing about which passage answers: function words and pronouns, chat
# particles and greetings, and the framing of a question ("berapa", "how much", "tanya"; "mau
# tau", "pengen tau" as "want to know": "tahu" stays, being also tofu).
STOP_WORDS = _words(
    """
    ada adalah agak agar akan aku anda apa apakah atau bagaimana bagi bahwa banget bgmn bisa
    boleh brp buat bukan dah dalam dan dapat dari deh dengan dgn di dia dimana dong engga enggak
    ga gak gan gimana gitu hai halo hallo harus hei ini itu iya jadi jika juga kah kak kaka kakak
    kalau kalian kalo kami kamu kan kapan karena ke kenapa kita ko kok lagi lah mana mas masih
    mau mbak berapa mengapa mereka min minta mohon nah nanya ngga nggak nih nya oke ok pada para
    per pun punya saja sama saya sebagai sedang sih siapa sis sudah supaya sy tanya tentang kasih
    makasih tersebut tidak tdk tolong udah untuk utk wah ya yah yang yg aja aq bro sist soal info
    rp idr gk bs jg sdh krn dr telah persen lama belum sekarang kemana apaan bund bunda bun om
    a about am an and any are as at be been but by can could did do does for from had has have
    hello hi how i if in is it its just me my of on or our please so than thank thanks that the
    their them then there these they this those to us was we were what when where which who
    whom why will with would you your yours hey ok okay tell know want need much many percent
    get got give take now still also some here like make go going come long should way
    again different happen happens thing things other another anything something kind
    into onto until often usually because too guys recommend best cara perlu biasanya sering
    no setelah sesudah after dulu doang tiap setiap gara biar bakal re ve ll don
    ingin tau
    """
)

# Roots the stemmer must recognise, as it has no dictionary: those starting with k, p, t or s
# whose meN-/peN- forms drop that letter ("mengirim" is "kirim", but "mengambil" is "ambil",
# the default for a vowel), those ending like the suffix "-an" ("menyimpan" is "simpan"), and
# those ending like an English plural ("ongkos", "kaos").
KNOWN_ROOTS = _words(
    """
    kirim kembali kemas konfirmasi kecewa kenal keluar kumpul kurang kunjung kontak komplain
    kupas kredit kupon kode kunci pakai pesan pilih potong pinjam pindah pasang pikir pantau pasti
    pulih putus tukar tulis tunggu terima tanya tawar tutup tambah tampil tolak tanggung tunjuk
    tanda telepon tagih tahan tanggap tentu tetap temu tuju tampung tunda simpan langgan ongkos
    kaos bayar beli jual antar balik lacak proses cuci jahit ukur batal klaim lihat bantu buka
    masuk dapat minta bawa buat isi ganti hubung sambung lapor rusak hilang sampai cari ambil
    """
)
SHORT_ROOTS = _words("cek cat bom tik las lap pel")  # menge-/penge- + one syllable
# "-lah" that belongs to the root, not the particle: "masalah" is not "masa" + "lah".
ROOTS_ENDING_LIKE_PARTICLES = _words("masalah sekolah punya hanya tanya")
# Words that look affixed but are roots of their own, whose "stem" would be another shop word:
# "pakaian" (clothes) is not "pakai" (to use), "perban" (bandage) not "ban" (tyre), "setuju"
# (to agree) not "se-" + "tuju" (to aim).
NOT_AFFIXED = _words(
    """
    diskon pakaian perban berita kemeja kemudian pelangi peduli desain mesin kain cermin yakin
    miskin dingin angin kemarin mungkin izin ijin batin bensin vaksin protein domain login
    margin admin termin ingin setuju
    """
)

# Shop talk written in one language or as chat shorthand, mapped to the Indonesian words it
# means, so that offline retrieval (BM25 alone, no embeddings) still meets "return policy"
# with "pengembalian" and "ongkir" with "ongkos kirim". Keys are English singulars or
# shorthands; both questions and passages are mapped, so the index stays consistent.
GLOSSARY: dict[str, tuple[str, ...]] = {
    key: tuple(value.split())
    for key, value in {
        # Indonesian chat shorthand
        "ongkir": "biaya kirim",
        "ongkos": "biaya",
        "tf": "transfer",
        "trf": "transfer",
        "rek": "rekening",
        "norek": "nomor rekening",
        "hrg": "harga",
        "brg": "barang",
        "tgl": "tanggal",
        "pesen": "pesan",
        "pesenan": "pesanan",
        "ready": "tersedia",
        "restock": "stok",
        # English shop words
        "shipping": "kirim",
        "ship": "kirim",
        "shipped": "kirim",
        "shipment": "kirim",
        "delivery": "kirim",
        "deliver": "kirim",
        "delivered": "kirim",
        "send": "kirim",
        "sent": "kirim",
        "postage": "biaya kirim",
        "courier": "kurir",
        "parcel": "paket",
        "package": "paket",
        "track": "lacak resi",
        "tracking": "lacak resi",
        "return": "kembali",
        "back": "kembali",  # "money back"
        "returned": "kembali",
        "exchange": "tukar",
        "warranty": "garansi",
        "guarantee": "garansi",
        "payment": "bayar",
        "pay": "bayar",
        "paid": "bayar",
        "price": "harga",
        "cost": "biaya",
        "fee": "biaya",
        "order": "pesan beli",  # chat's "order lewat IG" is buying: "cara membeli"
        "ordered": "pesan beli",
        "buy": "beli",
        "purchase": "beli",
        "sell": "jual",
        "stock": "stok",
        "available": "tersedia",
        "availability": "tersedia",
        "size": "ukuran",
        "colour": "warna",
        "color": "warna",
        "material": "bahan",
        "fabric": "kain",
        "cloth": "kain",
        "cotton": "katun",
        "shirt": "kemeja",
        "trouser": "celana",
        "pant": "celana",
        "shoe": "sepatu",
        "bag": "tas",
        "weight": "berat",
        "wash": "cuci",
        "shop": "toko",
        "store": "toko",
        "open": "buka",
        "opening": "buka",
        "close": "tutup",
        "closed": "tutup",
        "hour": "jam",
        "pukul": "jam",  # o'clock: "pukul 14.00" and "jam 2"
        "day": "hari",
        "week": "minggu",
        "month": "bulan",
        "holiday": "libur",
        "free": "gratis",
        "address": "alamat",
        "city": "kota",
        "abroad": "luar negeri",
        "overseas": "luar negeri",
        "international": "internasional",
        "cancel": "batal",
        "cancelled": "batal",
        "canceled": "batal",
        "cancellation": "batal",
        "wrong": "salah",
        "damaged": "rusak",
        "broken": "rusak",
        "defect": "cacat",
        "defective": "cacat",
        "missing": "hilang",
        "lost": "hilang",
        "late": "terlambat",
        "delay": "terlambat",
        "delayed": "terlambat",
        "arrive": "sampai",
        "arrived": "sampai",
        "discount": "diskon",
        "off": "diskon",  # "15% off"
        "potongan": "diskon",  # "potongan harga"
        "balik": "kembali",  # "duitnya balik": the money comes back
        "payday": "gajian",
        "code": "kode",
        "coupon": "kupon",
        "point": "poin",
        "wholesale": "grosir",
        "insurance": "asuransi",
        # Shop talk both ways: loanwords, shorthands and English paraphrases to one word
        "see": "lihat",
        "look": "lihat",
        "view": "lihat",
        "catalog": "katalog",
        "catalogue": "katalog",
        "confirm": "konfirmasi",
        "confirmation": "konfirmasi",
        "repair": "servis",
        "fix": "servis",
        "box": "kotak",
        "kardus": "kotak",
        "original": "asli",
        "screen": "layar",
        "lcd": "layar",
        "wrap": "bungkus",
        "pack": "kemas",
        "packing": "kemas",
        "packaging": "kemas",
        "scratch": "gores",
        "baret": "gores",
        "perbaikan": "servis",
        "reparasi": "servis",
        "pc": "komputer",
        "computer": "komputer",
        "wedding": "nikah",
        "sparepart": "part",
        "backing": "backup",  # "backing up data"
        # chat spellings read as shop words here only: elsewhere they are also names and
        # places ("Dalem Kaum"), and the classifier reads them as written
        "dalem": "dalam",
        "phone": "telepon",
        "call": "telepon",
        "telpon": "telepon",
        "telp": "telepon",
        "tlp": "telepon",
        "wa": "whatsapp",
        "customer": "pelanggan",
        "service": "layanan",
        "support": "layanan pelanggan",
        "helpdesk": "layanan pelanggan",
        "cs": "admin layanan pelanggan",
        "charger": "adaptor",
        "adapter": "adaptor",
        "responsible": "tanggung jawab",
        "liable": "tanggung jawab",
        "include": "sertakan",
        "attach": "lampiran",
        "attachment": "lampiran",
        "upload": "unggah",
        "bill": "tagihan",
        "nota": "tagihan",
        "kuitansi": "tagihan",
        "cart": "keranjang",
        "gopay": "gopay dompet digital",
        "ovo": "ovo dompet digital",
        "shopeepay": "shopeepay dompet digital",
        "linkaja": "linkaja dompet digital",
        # Indonesian banks by their abbreviations: a page naming one answers "which bank?"
        "bca": "bca bank",
        "bni": "bni bank",
        "bri": "bri bank",
        "btn": "btn bank",
        "bsi": "bsi bank",
        "cimb": "cimb bank",
        "danamon": "danamon bank",
        "paylater": "paylater cicil",
        "preorder": "preorder pesan",
        # Days, months and the week
        "monday": "senin",
        "tuesday": "selasa",
        "wednesday": "rabu",
        "thursday": "kamis",
        "friday": "jumat",
        "saturday": "sabtu",
        "sunday": "minggu",
        "weekend": "sabtu minggu",
        "weekday": "senin jumat",
        "tomorrow": "besok",
        "today": "hari ini",
        "january": "januari",
        "february": "februari",
        "march": "maret",
        "april": "april",
        "june": "juni",
        "july": "juli",
        "august": "agustus",
        "september": "september",
        "october": "oktober",
        "november": "november",
        "december": "desember",
        "number": "nomor",
        "cheap": "murah",
        "before": "sebelum",
        # Payment and cards
        "accept": "terima",
        "method": "metode",
        "card": "kartu",
        "credit": "kredit",
        "debit": "debit",
        "cash": "tunai",
        "account": "rekening",
        "installment": "cicil",
        "instalment": "cicil",
        "wallet": "dompet",
        "ewallet": "dompet digital",
        "proof": "bukti",
        "invoice": "tagihan",
        "refund": "refund kembali",
        "money": "uang",
        "duit": "uang",
        "cod": "cod tunai",
        # Shipping and returns: loanwords beside their Indonesian words
        "ekspedisi": "kurir",
        "expedition": "kurir",
        "awb": "resi",
        "receipt": "resi",
        "retur": "retur kembali",
        "retour": "retur kembali",
        "swap": "tukar",
        "replace": "ganti",
        "replacement": "ganti",
        "unboxing": "unboxing video",
        "worldwide": "luar negeri",
        "usa": "amerika luar negeri",
        "uk": "inggris luar negeri",
        "country": "negara luar negeri",
        "insured": "asuransi",
        # Sizes and stock
        "small": "kecil",
        "large": "besar",
        "big": "besar",
        "fit": "pas",
        "chart": "tabel",
        "sleeve": "lengan",
        "long": "panjang",
        "short": "pendek",
        "soldout": "habis",
        "empty": "habis",
        "kosong": "habis",
        # Products
        "tshirt": "kaos",
        "skirt": "rok",
        "jacket": "jaket",
        "scarf": "selendang",
        "shawl": "selendang",
        "mask": "masker",
        "sarong": "sarung",
        "culotte": "kulot",
        "kid": "anak",
        "child": "anak",
        "children": "anak",
        "men": "pria",
        "women": "wanita",
        "silk": "sutra",
        "voucher": "voucher kode",
        "promo": "promo diskon",
        "sale": "sale diskon promo",
        "cashback": "cashback promo",
        "showroom": "showroom toko",
        "stitching": "jahit",
        "seam": "jahit",
        "button": "kancing",
        "fading": "luntur",
        "fade": "luntur",
        # Words of shipping, refund and terms pages, English to the Indonesian a page would use
        "customs": "bea cukai",
        "duty": "bea",
        "duties": "bea",
        "tax": "pajak",
        "download": "unduh",
        "surel": "email",
        "faktur": "tagihan",
        "damage": "rusak",
        "product": "produk",
        "item": "barang",
        "goods": "barang",
        "year": "tahun",
        "book": "buku",
        "berkas": "file",
        "tautan": "link",
        "access": "akses",
        "contact": "hubungi",
        "process": "proses",
        "photo": "foto",
        "condition": "kondisi",
        "fast": "cepat",
        "policy": "kebijakan",
        "privacy": "privasi",
        "seller": "penjual",
        "buyer": "pembeli",
        "situs": "website",
        "claim": "klaim",
        "complaint": "keluhan",
        "physical": "fisik",
        "license": "lisensi",
        "print": "cetak",
        "language": "bahasa",
    }.items()
}

# Countries: a place name is weaker evidence of what a question asks than a shop word ("What is
# the capital of Indonesia?" is no shipping question), like the cities of data/places.tsv.
COUNTRIES = _words(
    """
    indonesia malaysia singapura singapore brunei thailand filipina philippines vietnam jepang
    japan cina china tiongkok korea india australia amerika america inggris england jerman
    germany perancis prancis france belanda netherlands taiwan hongkong arab saudi eropa europe
    asia afrika africa kanada canada
    """
)
# Couriers, marketplaces, wallets and banks Indonesian shops name: names, which the typo
# tolerance never takes for a misspelt store word ("paxel" is no "pixel"; `names.py`).
BRANDS = _words(
    """
    jne jnt tiki sicepat anteraja ninja xpress wahana idexpress lalamove paxel gosend grab
    grabexpress gojek shopee tokopedia lazada bukalapak blibli tiktok instagram whatsapp
    facebook gopay ovo shopeepay linkaja bca bni bri mandiri
    """
)
