"""Generate the offline classifier's training set (`train.csv`).

Run: `python -m services.enricher.classification.data.generate`.

Seeded and deterministic: the same code writes the same `train.csv`. Each intent has templates in
Indonesian, English and code-mixed Indonesian-English, written for this project (a leading `-`
marks a negative template, `+` a positive one, the rest are neutral). Slots (`{product}`,
`{order}`, `{city}`, ...) take varied values; then chat noise is added: slang and
abbreviations (udh, blm, brp, yg, gak), dropped punctuation, lower case, stretched letters,
typos, emojis, and sentiment tails ("makasih kak 🙏", "kok lama banget sih"). A share of the
Indonesian lines is code-mixed by swapping words for the English ones people use in chat.
The held-out set (`heldout.csv`) is hand-written separately and never read here.
"""

import csv
import random
import re
from pathlib import Path

SEED = 20240506
PER_INTENT = 700
OUT = Path(__file__).with_name("train.csv")

SLOTS: dict[str, list[str]] = {
    "k": ["kak", "kakak", "min", "gan", "sis", "admin", "mas", "mbak", "ka", "kk", "bos"],
    "product": [
        "kemeja batik",
        "sepatu sneakers",
        "tas selempang",
        "jaket denim",
        "hoodie oversize",
        "gamis syari",
        "serum vitamin c",
        "masker wajah",
        "blender mini",
        "rice cooker",
        "powerbank 10000mah",
        "kaos polos",
        "celana chino",
        "dompet kulit",
        "jam tangan",
        "kacamata hitam",
        "sandal jepit",
        "hijab pashmina",
        "rak buku",
        "kursi lipat",
        "tumbler stainless",
        "lipstik matte",
        "parfum",
        "sprei katun",
        "earphone bluetooth",
        "casing hp",
        "mukena travel",
        "kebaya modern",
        "sweater rajut",
        "botol minum",
    ],
    "product_en": [
        "batik shirt",
        "running shoes",
        "sling bag",
        "denim jacket",
        "hoodie",
        "face serum",
        "sheet mask",
        "blender",
        "rice cooker",
        "power bank",
        "t-shirt",
        "chino pants",
        "leather wallet",
        "watch",
        "sunglasses",
        "sandals",
        "scarf",
        "bookshelf",
        "folding chair",
        "tumbler",
        "lipstick",
        "perfume",
        "bed sheet",
        "wireless earbuds",
        "phone case",
        "sweater",
        "water bottle",
        "backpack",
        "dress",
        "moisturizer",
    ],
    "city": [
        "Jakarta",
        "Bandung",
        "Surabaya",
        "Medan",
        "Semarang",
        "Makassar",
        "Palembang",
        "Denpasar",
        "Yogyakarta",
        "Jogja",
        "Malang",
        "Bekasi",
        "Depok",
        "Bogor",
        "Batam",
        "Pekanbaru",
        "Manado",
        "Kupang",
        "Jayapura",
        "Samarinda",
        "Padang",
        "Solo",
        "Cirebon",
        "Ambon",
        "Banjarmasin",
        "Lampung",
        "Mataram",
        "Sorong",
    ],
    "courier": [
        "JNE",
        "J&T",
        "SiCepat",
        "AnterAja",
        "Pos Indonesia",
        "Ninja Xpress",
        "GoSend",
        "GrabExpress",
        "Lion Parcel",
        "Tiki",
        "ID Express",
        "Paxel",
    ],
    "size": ["S", "M", "L", "XL", "XXL", "37", "38", "39", "40", "41", "42", "43", "44", "3XL"],
    "color": [
        "hitam",
        "putih",
        "merah",
        "navy",
        "maroon",
        "abu",
        "coklat",
        "hijau army",
        "mocca",
        "dusty pink",
        "krem",
        "biru",
        "kuning",
        "ungu",
        "olive",
        "sage",
    ],
    "color_en": [
        "black",
        "white",
        "red",
        "navy",
        "grey",
        "brown",
        "green",
        "pink",
        "beige",
        "blue",
        "yellow",
        "purple",
    ],
    "bank": ["BCA", "Mandiri", "BRI", "BNI", "CIMB", "Permata", "BSI", "Danamon"],
    "wallet": ["OVO", "GoPay", "DANA", "ShopeePay", "LinkAja", "QRIS"],
    "name": [
        "Budi",
        "Siti",
        "Andi",
        "Dewi",
        "Rizky",
        "Putri",
        "Agus",
        "Ayu",
        "Fajar",
        "Intan",
        "Yusuf",
        "Nurul",
        "Hendra",
        "Lestari",
        "Bayu",
        "Wulan",
    ],
    "days": ["2", "3", "4", "5", "6", "7", "8", "10", "12", "14", "dua", "tiga", "lima"],
    "when": [
        "kemarin",
        "tadi pagi",
        "minggu lalu",
        "3 hari lalu",
        "kemaren",
        "senin kemarin",
        "tanggal 5",
        "dari tgl 10",
        "barusan",
        "semalam",
    ],
    "when_en": [
        "yesterday",
        "last week",
        "three days ago",
        "this morning",
        "on Monday",
        "last night",
        "a week ago",
        "5 days ago",
    ],
    "qty": ["2", "3", "5", "10", "12", "20", "50", "100", "1 lusin", "setengah lusin"],
    "promo": [
        "flash sale",
        "harbolnas",
        "11.11",
        "12.12",
        "payday",
        "ramadhan sale",
        "promo akhir tahun",
        "cuci gudang",
        "promo gajian",
        "promo kemerdekaan",
    ],
}


def _order(rng: random.Random) -> str:
    number = str(rng.randint(100, 99999))
    return rng.choice([f"#{number}", number, f"#{number}", f"no {number}", f"nomor {number}"])


def _amount(rng: random.Random) -> str:
    thousands = rng.choice([35, 50, 75, 99, 120, 150, 175, 200, 250, 320, 450, 500, 750, 1200])
    return rng.choice(
        [
            f"Rp {thousands}.000",
            f"Rp{thousands}.000",
            f"{thousands}rb",
            f"{thousands}k",
            f"{thousands} ribu",
            f"Rp {thousands}.000,-",
            f"{thousands / 1000:g}jt".replace(".", ","),
        ]
    )


TEMPLATES: dict[str, dict[str, list[str]]] = {
    "order_status": {
        "id": [
            "{k} pesanan saya {order} sudah dikirim?",
            "status orderan {order} gimana ya {k}",
            "barang pesanan saya kapan dikirim {k}?",
            "{k} mau cek pesanan atas nama {name}",
            "nomor resi untuk pesanan {order} berapa {k}?",
            "paket saya sudah sampai mana ya?",
            "pesanan {when} sudah diproses belum?",
            "kapan paket saya sampai {k}?",
            "tolong cek status pesanan saya {k}",
            "orderan saya sudah dipacking belum?",
            "apakah pesanan {order} sudah diserahkan ke kurir?",
            "pesanan saya masih menunggu dikirim ya {k}?",
            "resi belum update dari {when}",
            "{k} order saya {when} udah dikirim belum",
            "minta resi pesanan atas nama {name} {k}",
            "-sudah {days} hari pesanan saya belum sampai juga",
            "-kok pesanan saya belum dikirim2 sih {k}",
            "-pesanan {order} gak ada kabarnya, gimana ini",
            "-udah bayar dari {when} tapi barang belum dikirim",
            "-lama banget paketnya ga nyampe nyampe",
            "+makasih {k}, pesanan saya sudah dikirim belum ya?",
            "+{k} baik deh, mau tanya paket saya posisinya dimana",
        ],
        "en": [
            "what is the status of my order {order}?",
            "has my order {order} shipped?",
            "can I get the tracking number for my order?",
            "when will my package arrive?",
            "is my order being processed?",
            "where is my parcel now?",
            "I ordered {when_en}, when will it be shipped?",
            "could you check my order under the name {name}?",
            "any update on order {order}?",
            "my tracking hasn't updated since {when_en}",
            "has the courier picked up my order yet?",
            "-my order {order} still hasn't arrived, it's been {days} days",
            "-why is my order still not shipped? I paid {when_en}",
            "-still waiting for my package, this is taking forever",
            "+thanks! could you tell me when order {order} will arrive?",
            "+hi, love the shop! is my order on its way?",
        ],
        "mixed": [
            "{k} order aku {order} udah di ship belum?",
            "tracking number buat pesanan aku mana ya {k}",
            "status order aku gimana {k}? udah on the way?",
            "{k} please cek order atas nama {name}",
            "paket aku udah delivered belum ya",
            "order {when} kok masih pending ya {k}",
            "resi nya udah ada {k}? mau tracking",
            "-order aku stuck terus ga ada update, please cek",
            "-udah {days} hari tapi paket nya belum arrive",
            "-delay banget order aku {k}",
            "+thank you {k}, btw order aku udah dikirim?",
        ],
    },
    "shipping": {
        "id": [
            "ongkir ke {city} berapa {k}?",
            "kirim ke {city} berapa hari sampai?",
            "bisa kirim pakai {courier}?",
            "pengiriman pakai kurir apa saja {k}?",
            "bisa kirim ke {city} tidak?",
            "estimasi pengiriman ke {city} berapa lama?",
            "barang dikirim dari kota mana {k}?",
            "apakah bisa pengiriman sameday ke {city}?",
            "{k} bisa kirim hari ini juga?",
            "pengiriman ke luar negeri bisa?",
            "kalau pakai {courier} ongkirnya berapa ke {city}?",
            "hari minggu ada pengiriman nggak {k}?",
            "jam berapa batas kirim hari ini?",
            "bisa pakai kurir instan?",
            "ongkos kirim ke {city} pakai {courier} brp",
            "-ongkirnya mahal sekali ke {city}",
            "-kenapa ongkir ke {city} mahal banget sih",
            "+wah tokonya keren, bisa kirim ke {city} ga {k}?",
        ],
        "en": [
            "how much is shipping to {city}?",
            "do you ship to {city}?",
            "which courier do you use?",
            "can you send it with {courier}?",
            "how many days does delivery to {city} take?",
            "do you offer same day delivery?",
            "do you ship overseas?",
            "where do you ship from?",
            "what is the delivery cost with {courier} to {city}?",
            "can it be delivered today?",
            "is express shipping available?",
            "-shipping to {city} is so expensive",
            "-why is the delivery fee so high?",
            "+great shop! do you deliver to {city}?",
        ],
        "mixed": [
            "ongkir ke {city} brp {k}? pake {courier}",
            "bisa same day delivery ke {city}?",
            "shipping ke {city} berapa lama {k}?",
            "kurir nya bisa pake {courier} ga?",
            "bisa instant delivery ga {k}?",
            "delivery fee ke {city} berapa ya?",
            "kirim ke {city} bisa express ga?",
            "-shipping cost nya mahal banget ke {city}",
            "+mantap {k}, bisa ship ke {city}?",
        ],
    },
    "payment": {
        "id": [
            "bisa bayar pakai {wallet}?",
            "pembayaran bisa transfer {bank}?",
            "nomor rekening {bank} nya berapa {k}?",
            "saya sudah transfer {amount} ya {k}",
            "sudah saya bayar via {bank}, mohon dicek",
            "bisa bayar di tempat (COD)?",
            "bukti transfer dikirim ke mana?",
            "bisa cicilan nggak?",
            "pembayaran lewat virtual account gimana caranya?",
            "batas waktu bayar sampai kapan {k}?",
            "tolong konfirmasi pembayaran pesanan {order}",
            "bisa bayar pakai kartu kredit?",
            "rekening atas nama siapa {k}?",
            "-sudah bayar tapi statusnya belum lunas",
            "-pembayaran saya gagal terus pakai {wallet}",
            "-saldo kepotong tapi pembayaran gagal",
            "+sudah saya transfer ya {k}, terima kasih",
        ],
        "en": [
            "can I pay with {wallet}?",
            "do you accept bank transfer to {bank}?",
            "what's your account number?",
            "I have transferred {amount}, please check",
            "is COD available?",
            "can I pay by credit card?",
            "how do I pay with a virtual account?",
            "please confirm my payment for order {order}",
            "can I pay in instalments?",
            "where should I send the payment proof?",
            "-my payment failed but the money was taken",
            "-I paid but the order still says unpaid",
            "+payment sent, thank you!",
        ],
        "mixed": [
            "{k} udah transfer ya, please cek payment nya",
            "bisa bayar pake {wallet} ga?",
            "payment via {bank} bisa?",
            "virtual account nya expired {k}, minta baru",
            "udah paid {amount} ya {k}",
            "bisa COD ga {k}? atau harus transfer",
            "invoice order {order} udah lunas?",
            "-payment aku failed terus {k}",
            "+done transfer {amount} ya {k}, thanks!",
        ],
    },
    "product_question": {
        "id": [
            "bahan {product} ini apa {k}?",
            "{product} ukuran {size} lingkar dadanya berapa?",
            "apakah {product} ini original?",
            "{product} ini cocok untuk kulit sensitif?",
            "cara pakai {product} gimana {k}?",
            "garansi {product} berapa lama?",
            "{product} ini tebal atau tipis?",
            "ukuran {product} panjangnya berapa cm?",
            "apakah {product} sudah ada BPOM?",
            "{product} ini bisa dicuci mesin?",
            "spesifikasi {product} apa saja {k}?",
            "{product} ini muat berapa liter?",
            "beda {product} yang biasa sama yang premium apa?",
            "size chart {product} ada {k}?",
            "apakah {product} halal?",
            "+{product} nya bagus banget {k}, bahannya apa ya?",
            "+suka sama {product} nya, ini tahan air?",
        ],
        "en": [
            "what material is the {product_en}?",
            "is the {product_en} true to size?",
            "does the {product_en} come with a warranty?",
            "is the {product_en} waterproof?",
            "what are the dimensions of the {product_en}?",
            "is this {product_en} original?",
            "how do I use the {product_en}?",
            "is the {product_en} suitable for sensitive skin?",
            "what's the capacity of the {product_en}?",
            "can the {product_en} be machine washed?",
            "what's the difference between the two {product_en} models?",
            "+love the {product_en}! what is it made of?",
        ],
        "mixed": [
            "{product} ini waterproof ga {k}?",
            "material {product} nya apa?",
            "size chart {product} ada ga {k}?",
            "{product} nya cocok buat daily use?",
            "ini original product atau bukan {k}?",
            "{product} nya include charger ga?",
            "{product} ini support fast charging?",
            "bahan nya breathable ga {k}?",
            "+design {product} nya cakep, bahan nya apa?",
        ],
    },
    "stock_availability": {
        "id": [
            "{product} ukuran {size} masih ada {k}?",
            "warna {color} masih ready?",
            "stok {product} masih ada?",
            "kapan restock {product} {k}?",
            "{product} ini ready stock atau PO?",
            "masih tersedia {product} warna {color}?",
            "{k} ada stok ukuran {size}?",
            "kalau ambil {qty} pcs stoknya ada?",
            "{product} sudah habis ya?",
            "stok {color} kosong ya {k}?",
            "produk ini masih dijual?",
            "yang warna {color} ukuran {size} ready?",
            "-kok {product} habis terus sih",
            "-sudah lama kosong, kapan ada lagi?",
            "+akhirnya nemu {product} ini, masih ada {k}?",
        ],
        "en": [
            "is the {product_en} still in stock?",
            "do you have size {size} in {color_en}?",
            "when will the {product_en} be restocked?",
            "is this ready stock or pre-order?",
            "is the {color_en} one sold out?",
            "do you have {qty} units available?",
            "is the {product_en} available?",
            "any {product_en} left in size {size}?",
            "-it's always out of stock, so frustrating",
            "+I really want the {product_en}, is it still available?",
        ],
        "mixed": [
            "{product} size {size} ready ga {k}?",
            "warna {color} masih available?",
            "restock {product} kapan {k}?",
            "ini ready stock atau pre order?",
            "stock {color} masih ada?",
            "{product} nya sold out ya {k}?",
            "-sold out mulu {k}, kapan restock?",
            "+mau banget {product} ini, still available {k}?",
        ],
    },
    "pricing_promo": {
        "id": [
            "harga {product} berapa {k}?",
            "ada diskon untuk pembelian {qty} pcs?",
            "promo {promo} mulai kapan?",
            "kode voucher untuk pembeli baru apa {k}?",
            "bisa kurang harganya {k}?",
            "harga grosir {product} berapa?",
            "ada promo gratis ongkir?",
            "harga reseller berapa {k}?",
            "kalau beli {qty} harganya jadi berapa?",
            "voucher saya tidak bisa dipakai",
            "diskonnya sampai kapan {k}?",
            "{product} lagi promo ga?",
            "harga {product} {amount} itu sudah termasuk ongkir?",
            "-harganya mahal banget dibanding toko lain",
            "-kok harga naik terus sih",
            "+murah banget {k}, ada diskon lagi nggak?",
        ],
        "en": [
            "how much is the {product_en}?",
            "do you have any promo codes?",
            "is there a discount if I buy {qty}?",
            "when does the {promo} start?",
            "what's the reseller price?",
            "is the price negotiable?",
            "any bundle deals?",
            "does the voucher work on sale items?",
            "is {amount} the final price?",
            "-the price is way too high",
            "+amazing prices! any discount for loyal customers?",
        ],
        "mixed": [
            "price {product} brp {k}?",
            "ada promo {promo} ga?",
            "diskon nya berapa persen {k}?",
            "voucher code nya apa {k}?",
            "beli {qty} dapet discount ga?",
            "harga nya bisa nego ga?",
            "ada buy 1 get 1 ga {k}?",
            "price list terbaru dong {k}",
            "-harga nya overpriced {k}",
            "+promo nya worth it banget, masih ada?",
        ],
    },
    "return_refund": {
        "id": [
            "cara retur barang gimana {k}?",
            "bisa tukar ukuran {size}?",
            "saya mau tukar warna {k}",
            "bagaimana kebijakan pengembalian barang?",
            "refund saya sudah diproses?",
            "alamat retur dimana {k}?",
            "saya mau batalkan pesanan {order} dan minta uang kembali",
            "berapa lama proses refund?",
            "ongkir retur ditanggung siapa?",
            "bisa tukar barang yang sudah dipakai?",
            "-barang yang datang rusak, saya mau retur",
            "-{product} nya cacat, minta ganti",
            "-salah kirim barang, tolong ditukar",
            "-refund saya belum masuk sudah {days} hari",
            "-barang tidak sesuai, saya minta uang kembali",
            "+makasih {k}, saya mau tukar ukuran ya",
        ],
        "en": [
            "how do I return the {product_en}?",
            "can I exchange it for size {size}?",
            "what is your return policy?",
            "has my refund been processed?",
            "I want to cancel order {order} and get a refund",
            "how long does a refund take?",
            "who pays for the return shipping?",
            "-the {product_en} arrived damaged, I want a refund",
            "-you sent the wrong item, please replace it",
            "-my refund still hasn't come after {days} days",
            "+thank you! how can I exchange the color?",
        ],
        "mixed": [
            "mau return {product} nya {k}, gimana caranya?",
            "bisa exchange size ga {k}?",
            "refund nya berapa lama?",
            "return policy nya gimana {k}?",
            "mau cancel order {order} terus refund",
            "-barang nya rusak, please refund",
            "-wrong item {k}, minta tuker",
            "-refund aku belum masuk {k}",
            "+thanks {k}, mau exchange warna ya",
        ],
    },
    "complaint": {
        "id": [
            "-pelayanan toko ini sangat mengecewakan",
            "-adminnya lama sekali balasnya",
            "-kualitas {product} jelek banget",
            "-packing nya asal asalan, barangnya penyok",
            "-kurirnya tidak sopan",
            "-saya kecewa belanja di sini",
            "-chat saya tidak dibalas dari {when}",
            "-barangnya beda dengan foto, kecewa",
            "-parah banget pelayanannya",
            "-adminnya judes",
            "-gak akan belanja di sini lagi",
            "-barang bau dan kotor",
            "-respon admin lambat sekali",
            "-toko ini tidak profesional",
            "-kecewa berat sama kualitasnya",
            "saya mau menyampaikan keluhan",
            "mau komplain soal pelayanan {k}",
        ],
        "en": [
            "-your service is really bad",
            "-very disappointed with the quality",
            "-the packaging was terrible",
            "-the courier was rude",
            "-nobody replies to my messages",
            "-worst online shop ever",
            "-the {product_en} looks nothing like the photos",
            "-this is unacceptable",
            "-I am not happy with your service at all",
            "-your admin is so slow",
            "I want to make a complaint",
        ],
        "mixed": [
            "-kecewa banget sama service nya",
            "-admin nya slow response banget",
            "-quality {product} nya jelek, not worth it",
            "-packing nya berantakan, so disappointed",
            "-customer service nya ga helpful sama sekali",
            "-worst experience belanja di sini",
            "-chat aku di ignore terus, annoying",
            "mau kasih complain soal delivery {k}",
        ],
    },
    "account": {
        "id": [
            "lupa password akun {k}",
            "cara daftar akun gimana?",
            "kode OTP tidak masuk",
            "mau ganti email di akun saya",
            "cara ubah alamat di profil?",
            "mau hapus akun saya {k}",
            "email verifikasi tidak masuk",
            "cara reset kata sandi gimana?",
            "mau ganti nomor hp di akun",
            "poin member saya belum masuk",
            "cara jadi member gimana {k}?",
            "username saya lupa",
            "-tidak bisa masuk ke akun saya",
            "-akun saya diblokir tanpa alasan",
            "+makasih {k}, cara daftar member gimana ya?",
        ],
        "en": [
            "I forgot my password",
            "how do I sign up?",
            "I didn't get the OTP code",
            "how can I change my email?",
            "please delete my account",
            "how do I update my address in my profile?",
            "the verification email never arrived",
            "how do I reset my password?",
            "my reward points are missing",
            "-I can't log into my account",
            "-my account was suspended for no reason",
            "+thanks! how do I become a member?",
        ],
        "mixed": [
            "lupa password akun aku {k}, gimana reset nya?",
            "OTP nya ga masuk {k}",
            "cara sign up gimana?",
            "mau update email di account aku",
            "verification code nya belum dapet",
            "reward point nya belum masuk {k}",
            "mau delete account {k}",
            "-ga bisa login {k}, error terus",
            "-account aku ke lock",
        ],
    },
    "greeting_thanks": {
        "id": [
            "halo {k}",
            "hai {k}",
            "selamat pagi {k}",
            "selamat siang",
            "selamat sore {k}",
            "selamat malam",
            "permisi {k}",
            "assalamualaikum",
            "pagi {k}",
            "p",
            "halo",
            "oke {k}",
            "siap {k}",
            "baik {k}",
            "+terima kasih {k}",
            "+makasih banyak {k}",
            "+terima kasih atas bantuannya",
            "+mantap {k} makasih",
            "+oke siap, terima kasih",
            "+sip makasih {k}",
            "+barang sudah sampai, terima kasih {k}",
            "+sudah diterima ya, makasih",
            "+makasih ya sudah dibantu",
            "+terimakasih banyak",
        ],
        "en": [
            "hi",
            "hello",
            "good morning",
            "good afternoon",
            "good evening",
            "hey there",
            "ok",
            "okay",
            "noted",
            "bye",
            "see you",
            "+thank you",
            "+thanks a lot",
            "+thanks for your help",
            "+much appreciated",
            "+great, thank you",
            "+got it, thanks",
            "+received the package, thank you",
        ],
        "mixed": [
            "hi {k}",
            "hello {k}",
            "halo, good morning {k}",
            "ok noted {k}",
            "oke {k} noted",
            "+thank you {k}",
            "+thanks {k}",
            "+makasih, very helpful",
            "+thank you so much {k}",
            "+oke thanks {k}",
            "+sip thank you ya",
            "+makasih banyak, appreciate it",
        ],
    },
    "human_request": {
        "id": [
            "saya mau bicara dengan admin",
            "bisa sambungkan ke customer service?",
            "minta nomor telepon admin {k}",
            "saya mau ngobrol sama orang asli",
            "tolong hubungi saya lewat telepon",
            "bisa bicara dengan pemilik toko?",
            "ini bot ya? saya mau sama manusia",
            "ada CS yang bisa ditelepon?",
            "tolong admin yang balas",
            "minta kontak admin {k}",
            "-botnya tidak membantu, mana adminnya",
            "-dari tadi dijawab bot terus, saya mau orang",
        ],
        "en": [
            "can I speak to a human?",
            "I want to talk to a real person",
            "please connect me to customer service",
            "can someone call me?",
            "I'd like to speak with the manager",
            "is there a live agent?",
            "let me talk to an admin",
            "-stop the bot, I need a person",
            "-this bot is useless, get me a human",
        ],
        "mixed": [
            "mau talk to admin {k}",
            "bisa connect ke real person?",
            "please sambungin ke CS {k}",
            "bisa call aku {k}?",
            "minta contact admin nya dong",
            "ada live agent ga?",
            "-bot nya ga ngerti, please human aja",
            "-aku mau chat sama orang, not bot",
        ],
    },
    "other": {
        "id": [
            "ada lowongan kerja {k}?",
            "toko fisiknya dimana?",
            "jam operasional toko sampai jam berapa?",
            "mau kerja sama endorse {k}",
            "instagram tokonya apa?",
            "ini nomor siapa ya",
            "maaf salah kirim",
            "tes tes",
            "lagi hujan nih di sini",
            "mau tanya alamat kantornya",
            "bisa jadi supplier di toko ini?",
            "{k} lagi ngapain",
            "-jangan kirim broadcast lagi ke nomor saya",
            "+semoga tokonya makin laris ya",
        ],
        "en": [
            "are you hiring?",
            "where is your office?",
            "what time do you open?",
            "can we do a collaboration?",
            "what is your instagram?",
            "sorry wrong chat",
            "test",
            "who is this?",
            "nice weather today",
            "-please stop messaging me",
            "+wishing your business success",
        ],
        "mixed": [
            "sorry salah chat {k}",
            "open hours toko nya jam berapa?",
            "mau collab {k}, bisa?",
            "ada shopee official store ga?",
            "lokasi store nya dimana {k}?",
            "lowongan kerja masih open?",
            "-stop spam broadcast please",
            "+good luck terus {k}!",
        ],
    },
}

# Sentiment tails added to neutral templates: the intent stays, the sentiment changes.
POSITIVE_TAILS = {
    "id": [
        "makasih {k}",
        "terima kasih",
        "🙏",
        "😊",
        "mantap",
        "makasih ya",
        "hehe",
        "👍",
        "wah keren",
        "suka banget",
        "yeay",
        "senang banget",
        "puas belanja di sini",
        "tokonya recommended",
        "bagus banget produknya",
        "cakep",
        "langganan nih",
        "pelayanannya ramah",
        "mantul",
        "asik",
    ],
    "en": [
        "thanks!",
        "thank you",
        "😊",
        "appreciate it",
        "love your shop",
        "🙏",
        "awesome",
        "great service",
        "love it",
        "so happy",
        "you guys are the best",
        "amazing",
        "excited",
        "wonderful",
    ],
}
NEGATIVE_TAILS = {
    "id": [
        "kok lama banget sih",
        "kecewa deh",
        "dari tadi ga dibalas",
        "parah",
        "😡",
        "😤",
        "tolong cepat!!",
        "ribet banget",
        "kesel",
        "nyebelin",
        "payah",
        "bete",
        "zonk",
        "mengecewakan",
        "ga jelas banget",
        "capek nunggu",
        "buruk",
        "kasar banget",
    ],
    "en": [
        "this is so frustrating",
        "not happy",
        "😡",
        "come on",
        "so annoying",
        "ugh",
        "ridiculous",
        "terrible",
        "awful",
        "really upset",
        "unacceptable",
        "fed up",
    ],
}
# How people write in chat: abbreviations and spellings (applied word by word, at random).
SLANG = {
    "sudah": ["udah", "udh", "sdh", "dah"],
    "belum": ["blm", "blom", "belom"],
    "berapa": ["brp", "brapa"],
    "yang": ["yg"],
    "tidak": ["gak", "ga", "nggak", "tdk", "engga"],
    "saya": ["aku", "sy", "gw"],
    "kakak": ["kak", "ka"],
    "bagaimana": ["gimana", "gmn"],
    "gimana": ["gmn", "gmana"],
    "terima kasih": ["makasih", "trims", "thx", "mksh"],
    "tolong": ["tlg"],
    "untuk": ["utk", "buat"],
    "dengan": ["dgn", "sama"],
    "bisa": ["bs"],
    "kalau": ["kalo", "klo"],
    "banget": ["bgt", "bangettt"],
    "sekali": ["bgt"],
    "pesanan": ["orderan", "pesenan"],
    "apakah": ["apa"],
    "tapi": ["tp"],
    "karena": ["krn"],
    "lagi": ["lg"],
    "juga": ["jg"],
    "sampai": ["sampe", "nyampe"],
    "dong": ["donk"],
}
# Words Indonesian chat swaps for English: an Indonesian line becomes code-mixed.
MIX = {
    "pesanan": "order",
    "harga": "price",
    "ongkir": "ongkir",
    "sudah": "already",
    "tolong": "please",
    "terima kasih": "thank you",
    "barang": "item",
    "bayar": "payment",
    "pengiriman": "delivery",
    "dikirim": "di-ship",
    "stok": "stock",
    "ukuran": "size",
    "warna": "color",
    "tersedia": "available",
    "habis": "sold out",
    "diskon": "discount",
    "akun": "account",
    "kurir": "courier",
    "kembali": "back",
    "rusak": "broken",
    "kecewa": "disappointed",
    "bagus": "nice",
    "cepat": "fast",
    "lambat": "slow",
}
EMOJIS = {
    "neutral": ["🙏", "😅", "🤔", "👋"],
    "positive": ["😍", "😊", "👍", "🥰", "🙏"],
    "negative": ["😡", "😤", "🙄", "😠", "😞"],
}


def _fill(template: str, rng: random.Random) -> str:
    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "order":
            return _order(rng)
        if name == "amount":
            return _amount(rng)
        return rng.choice(SLOTS[name])

    return re.sub(r"\{(\w+)\}", slot, template)


def _swap(
    text: str, table: dict[str, list[str]] | dict[str, str], rate: float, rng: random.Random
) -> str:
    for word, replacement in table.items():
        if rng.random() < rate and re.search(rf"\b{word}\b", text, re.IGNORECASE):
            chosen = replacement if isinstance(replacement, str) else rng.choice(replacement)
            text = re.sub(rf"\b{word}\b", chosen, text, flags=re.IGNORECASE)
    return text


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) > 4 and word.isalpha():
        at = rng.randrange(1, len(word) - 1)
        word = rng.choice(
            [
                word[:at] + word[at + 1 :],
                word[:at] + word[at] + word[at:],
                word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :],
            ]
        )
        words[index] = word
    return " ".join(words)


def _noise(text: str, sentiment: str, rng: random.Random) -> str:
    text = _swap(text, SLANG, 0.5, rng)
    if rng.random() < 0.15:
        text = _typo(text, rng)
    if rng.random() < 0.5:
        text = text.lower()
    elif rng.random() < 0.5:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.3:
        text = text.rstrip("?!.")
    elif rng.random() < 0.15:
        text = text.rstrip("?!.") + rng.choice(["??", "???", "!!", " ?", "..."])
    if rng.random() < 0.15:
        text += " " + rng.choice(EMOJIS[sentiment])
    return " ".join(text.split())


def _example(intent: str, rng: random.Random) -> tuple[str, str, str, str]:
    language = rng.choices(["id", "en", "mixed"], weights=[5, 3, 3])[0]
    template = rng.choice(TEMPLATES[intent][language])
    sentiment = {"-": "negative", "+": "positive"}.get(template[0], "neutral")
    text = _fill(template.lstrip("+-"), rng)
    if language == "id" and rng.random() < 0.25:
        mixed = _swap(text, MIX, 0.6, rng)
        language = "mixed" if mixed != text else language
        text = mixed
    if sentiment == "neutral" and intent not in ("complaint", "greeting_thanks"):
        roll, tails = rng.random(), "en" if language == "en" else "id"
        if roll < 0.12:
            sentiment, tail = "positive", rng.choice(POSITIVE_TAILS[tails])
        elif roll < 0.22:
            sentiment, tail = "negative", rng.choice(NEGATIVE_TAILS[tails])
        else:
            tail = ""
        if tail:
            tail = _fill(tail, rng)
            text = f"{tail}, {text}" if rng.random() < 0.4 else f"{text} {tail}"
    return _noise(text, sentiment, rng), intent, sentiment, language


def generate(seed: int = SEED, per_intent: int = PER_INTENT) -> list[tuple[str, str, str, str]]:
    rng = random.Random(seed)
    rows: dict[str, tuple[str, str, str, str]] = {}
    for intent in TEMPLATES:
        for _ in range(per_intent):
            row = _example(intent, rng)
            rows.setdefault(row[0].lower(), row)
    return list(rows.values())


def main() -> None:
    rows = generate()
    with OUT.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "intent", "sentiment", "language"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
