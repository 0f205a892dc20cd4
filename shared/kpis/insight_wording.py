"""The words of the insights, in Indonesian and English: labels, sentences and hypotheses.

Figures and metric names stay the same in both languages; only what a store owner reads changes.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

Language = Literal["id", "en"]
Period = Literal["day_over_day", "week_over_week"]


@dataclass(frozen=True)
class Wording:
    counts: dict[str, str]  # metric -> label
    first_response: str
    intent: str  # "{intent}" placeholder
    intents: dict[str, str]  # intent -> its name in this language
    share: str  # "{sentiment}" placeholder
    sentiments: dict[str, str]
    periods: dict[Period, str]
    up: str
    down: str
    points: str
    from_none: str
    head: str  # "{day}" placeholder
    no_change: str  # "{inbound}", "{replies}", "{hand_overs}" placeholders
    what_changed: str
    causes: str
    rise_causes: dict[str, str]
    weekdays: tuple[str, ...]
    months: tuple[str, ...]

    def day(self, day: date) -> str:
        return f"{self.weekdays[day.weekday()]} {day.day} {self.months[day.month - 1]} {day.year}"

    def intent_label(self, intent: str) -> str:
        return self.intent.format(intent=self.intents.get(intent, intent.replace("_", " ")))

    def share_label(self, sentiment: str) -> str:
        return self.share.format(sentiment=self.sentiments.get(sentiment, sentiment))


ENGLISH = Wording(
    counts={
        "inbound_messages": "Inbound messages",
        "unique_customers": "Customers",
        "replies": "Replies sent",
        "replies_not_sent": "Replies not sent",
        "hand_overs": "Hand-overs",
        "delivery_failures": "Delivery failures",
    },
    first_response="Median first response",
    intent="Messages about {intent}",
    intents={},
    share="Share of {sentiment} messages",
    sentiments={},
    periods={"day_over_day": "day over day", "week_over_week": "week over week"},
    up="up",
    down="down",
    points="points",
    from_none="from none",
    head="KPIs of {day} against the day before and the same day a week before.",
    no_change=(
        "No notable change: {inbound} inbound messages, {replies} replies sent, "
        "{hand_overs} hand-overs."
    ),
    what_changed="What changed:",
    causes="Possible causes (hypotheses to check):",
    rise_causes={
        "inbound_messages": "a campaign, a broadcast or a busy weekday may be bringing more "
        "customers; check that replies keep up",
        "hand_overs": "the bot handed more conversations to people: check the LLM "
        "configuration (tool failures) and gaps in the knowledge it answers from",
        "delivery_failures": "more WhatsApp messages failed: check the Twilio number, the "
        "24-hour session window and Twilio's error codes",
        "replies_not_sent": "replies could not go out: check the Twilio configuration and account",
        "first_response_p50_seconds": "first replies got slower: check the LLM's latency, a "
        "backlog in the responder, or messages left for people outside working hours",
        "intent.complaint": "complaints rose: check delivery delays, product quality and packing",
        "intent.order_status": "more customers chase their orders: check shipping delays or a "
        "courier problem",
        "intent.shipping": "more shipping questions: check courier costs or a new delivery area",
        "intent.payment": "more payment questions: check the payment gateway and transfer "
        "confirmations",
        "intent.return_refund": "more returns and refunds: check recent product quality or "
        "wrong items sent",
        "intent.stock_availability": "more stock questions: a popular item may be sold out",
        "intent.pricing_promo": "more price and promo questions: a promotion may be running or "
        "expected",
        "intent.human_request": "more customers ask for a person: the bot may be missing "
        "answers they need",
        "intent.account": "more account questions: check login, OTP and sign-up",
        "sentiment.negative": "customers are less happy: look at the intents that rose with it",
    },
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
)

INDONESIAN = Wording(
    counts={
        "inbound_messages": "Pesan masuk",
        "unique_customers": "Pelanggan",
        "replies": "Balasan terkirim",
        "replies_not_sent": "Balasan tidak terkirim",
        "hand_overs": "Alih ke tim",
        "delivery_failures": "Pesan gagal terkirim",
    },
    first_response="Median balasan pertama",
    intent="Pesan tentang {intent}",
    intents={
        "order_status": "status pesanan",
        "shipping": "pengiriman",
        "payment": "pembayaran",
        "product_question": "pertanyaan produk",
        "stock_availability": "ketersediaan stok",
        "pricing_promo": "harga dan promo",
        "return_refund": "retur dan refund",
        "complaint": "keluhan",
        "account": "akun",
        "greeting_thanks": "salam dan terima kasih",
        "human_request": "permintaan bicara dengan orang",
        "other": "lainnya",
    },
    share="Porsi pesan {sentiment}",
    sentiments={"negative": "negatif", "neutral": "netral", "positive": "positif"},
    periods={"day_over_day": "dibanding kemarin", "week_over_week": "dibanding minggu lalu"},
    up="naik",
    down="turun",
    points="poin",
    from_none="dari nol",
    head="KPI {day} dibanding hari sebelumnya dan hari yang sama seminggu sebelumnya.",
    no_change=(
        "Tidak ada perubahan berarti: {inbound} pesan masuk, {replies} balasan terkirim, "
        "{hand_overs} alih ke tim."
    ),
    what_changed="Yang berubah:",
    causes="Kemungkinan penyebab (dugaan yang perlu dicek):",
    rise_causes={
        "inbound_messages": "kampanye, broadcast, atau hari ramai mungkin mendatangkan lebih "
        "banyak pelanggan; pastikan balasan tetap cepat",
        "hand_overs": "bot mengalihkan lebih banyak percakapan ke tim: cek konfigurasi LLM "
        "(kegagalan alat) dan celah di pengetahuan yang dipakainya",
        "delivery_failures": "lebih banyak pesan WhatsApp gagal: cek nomor Twilio, jendela "
        "24 jam, dan kode error Twilio",
        "replies_not_sent": "balasan tidak bisa terkirim: cek konfigurasi dan akun Twilio",
        "first_response_p50_seconds": "balasan pertama melambat: cek latensi LLM, antrean di "
        "responder, atau pesan yang menunggu tim di luar jam kerja",
        "intent.complaint": "keluhan naik: cek keterlambatan pengiriman, kualitas produk, dan "
        "pengemasan",
        "intent.order_status": "lebih banyak pelanggan menanyakan pesanan: cek keterlambatan "
        "pengiriman atau masalah kurir",
        "intent.shipping": "lebih banyak pertanyaan pengiriman: cek ongkir kurir atau area "
        "pengiriman baru",
        "intent.payment": "lebih banyak pertanyaan pembayaran: cek payment gateway dan "
        "konfirmasi transfer",
        "intent.return_refund": "lebih banyak retur dan refund: cek kualitas produk terbaru "
        "atau barang yang salah kirim",
        "intent.stock_availability": "lebih banyak pertanyaan stok: produk populer mungkin habis",
        "intent.pricing_promo": "lebih banyak pertanyaan harga dan promo: mungkin ada promo "
        "yang berjalan atau ditunggu",
        "intent.human_request": "lebih banyak pelanggan minta bicara dengan orang: bot mungkin "
        "kurang jawaban yang mereka perlukan",
        "intent.account": "lebih banyak pertanyaan akun: cek login, OTP, dan pendaftaran",
        "sentiment.negative": "pelanggan kurang puas: lihat intent yang naik bersamaan",
    },
    weekdays=("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    months=(
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
)

WORDINGS: dict[Language, Wording] = {"id": INDONESIAN, "en": ENGLISH}
LANGUAGE_NAMES: dict[Language, str] = {"id": "Indonesian", "en": "English"}
