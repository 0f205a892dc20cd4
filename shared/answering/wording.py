"""What the bot says by itself, in the customer's language (Indonesian or English)."""

import re
from enum import StrEnum
from functools import lru_cache

from shared.events import HandOverReason
from shared.stores.bot_settings import Language, Tone
from shared.text.lexicon import WORDS
from shared.text.stemming import english_singular
from shared.text.synonyms import one_language_words
from shared.text.vocabulary import GLOSSARY

_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent function words that tell the two languages apart in short chat messages.
_INDONESIAN = _words(
    "apa apakah ada aja aku bagaimana barang belum berapa bisa boleh dan dari dengan di gak "
    "gimana ini itu jam juga kalau kami kapan ke kenapa mau mana mohon nggak ngga pesanan saya "
    "sudah tidak tolong udah untuk yang ongkir harga kirim sebelum setelah perlu dulu harus lagi "
    "masih sama "
    # closed-class words of written Indonesian: reviews and complaints use few of the above
    # (NusaX, docs/evaluation.md)
    "sangat sekali saja cukup semua tapi tetapi namun karena jadi pun oleh pada akan lebih buat "
    "banget bagi atau agar supaya dia mereka kita kamu anda tersebut sini situ sana hanya sedang "
    "telah pernah bukan adalah merupakan seperti biar tetap sendiri kok tak "
    # frequent words of everyday Indonesian no English sentence uses, and "nya" written apart
    # ("makanan nya"): short texts without a function word were not told (bench.language_short)
    "nya tempat satu salah pertama kali banyak orang memang jangan ingin pengen paling "
    "baru suka sekarang selalu pakai pake ketika jika sejak beli jual benar masuk "
    "dalam beberapa sebagai waktu makin semakin kemarin bikin punya bersama tahu tau selain "
    "cari walaupun meskipun lama macam hari biasa ternyata kurang besar kecil enak bagus "
    "murah mahal cepat lambat sampai datang bayar uang nanti besok tadi gue gw lu"
)
# An Indonesian possessive or definite suffix on a word of its own ("pengirimannya", "sizenya"):
# Indonesian whatever the stem.
_INDONESIAN_SUFFIX = re.compile(r"^[a-z]{3,}nya$")
_ENGLISH = _words(
    "a an and any are can could do does for have how i is it me my of on please price "
    "ship shipping the there this to want what when where which why will with would you your "
    "be was were been they them their we us our he she his her its that than then so very too "
    "not but just really also only all at in by from as if or about into out more most some such "
    "has had here these those who did don doesn isn didn "
    # everyday English words and chat spellings ("wanna", "ur", "im"); not the shop words
    # Indonesian chat borrows ("order", "refund", "cancel", "ready", "online")
    "need help good great new wanna gonna ur im know like get got see use check now back one "
    "after before because should much many every other still well make going yes nice"
)
# Words that frame a message rather than say it: greetings, thanks, the address ("kak", "min")
# and chat particles. Bilingual customers carry them across ("Hi kak, ...", "how much ya?",
# "... thanks"), so they tell the language only of a message that has nothing else.
_FRAMING = {
    Language.ID: _words(
        "kak kakak min gan sis ya dong sih nih kok deh halo hai terima kasih makasih selamat "
        "pagi siang sore malam"
    ),
    Language.EN: _words("hi hello hey thanks thank morning evening"),
}


def detect_language(
    text: str, default: Language, margin: int = 1, content_words: bool = True
) -> Language:
    """The customer's language by its function words, chat words read as their standard form
    ("gmn" as "bagaimana"); `default` unless one side has `margin` more of them. Greetings,
    thanks, the address and particles count only when the rest tells nothing; then, in a short
    text and with `content_words`, words of one language only, two more of one side ("tanaman
    hias kaktus"): a customer's words, not a shop's sentence, which names its channels and
    buttons in English ("Instagram: toko (Melalui Direct Message)")."""
    words = _standard_words(text)
    framing = [word for word in words if _frames(word)]
    body = [word for word in words if not _frames(word)]
    said = _told(body, _INDONESIAN, _ENGLISH, margin)
    framed = _told(framing, _FRAMING[Language.ID], _FRAMING[Language.EN], margin)
    own = _WORD.findall(_ATTACHED.sub(" ", text.lower()))
    content = (
        (_told(own, *_one_language_words(), CONTENT_MARGIN) or _in_shop_english(own, words))
        if content_words and _short(own)
        else None
    )
    return said or framed or content or default


def part_language(part: str, message_language: Language) -> Language:
    """The language one question of a message is answered in: the message's, unless the
    part's own function words tell the other by two more ("… sekalian, can I pay by card?").
    Its greetings, address and particles ("gotta send the adapter w/ it ya kak?") and the shop
    words of a short part ("1. delivery time? 2. ongkir brp?") never switch it: the customer
    wrote the message's language around them."""
    body = [word for word in _standard_words(part) if not _frames(word)]
    return _told(body, _INDONESIAN, _ENGLISH, PART_MARGIN) or message_language


PART_MARGIN = 2  # one word of the other language is not enough to switch a part


def _standard_words(text: str) -> list[str]:
    return [standard for word in _WORD.findall(text.lower()) for standard in _standard(word)]


def _frames(word: str) -> bool:
    return any(word in side for side in _FRAMING.values())


# Content words tell only a short text's language, by this lead: one English word is often a
# name or a borrowing in Indonesian chat ("size?", "pizza hut"), and a longer text without a
# function word is a list of names.
CONTENT_MARGIN = 2
# What a photo or document says, in brackets after the customer's words ("[document text:
# Invoice …]", services/responder/media.py): a label and a file's words, not the customer's.
_ATTACHED = re.compile(r"\[[^\]]*\]")
CONTENT_WORDS_AT_MOST = 6


def _short(words: list[str]) -> bool:
    return len(words) <= CONTENT_WORDS_AT_MOST


@lru_cache(maxsize=1)
def _one_language_words() -> tuple[frozenset[str], frozenset[str]]:
    """Indonesian and English words of WordNet's table that the other language does not write,
    less the shop words Indonesian chat borrows and their glossary translations ("refund",
    "ready", "stock")."""
    english, indonesian = one_language_words()
    borrowed = {
        word for key, meant in GLOSSARY.items() for w in (key, *meant) for word in w.split()
    }
    return indonesian - borrowed, english - borrowed


# English words Indonesian chat writes as its own ("ready stock?", "bisa COD?", "refund policy"):
# they tell no English even in a message of English words only.
_BORROWED = _words(
    "ready stock order cod refund cancel online offline free size promo sale admin chat "
    "transfer upload download link packing booking checkout reseller dropship update review "
    "voucher cashback paylater restock preorder sold out original ori fast slow respon full "
    "set policy wa cs seller buyer packaging response recommended recommend top guys double "
    "repeat bubble wrap official"
)


@lru_cache(maxsize=1)
def _shop_words() -> tuple[frozenset[str], frozenset[str]]:
    """For a short message that nothing else told: the words of WordNet's table that one
    language only writes and the function words above, the English side keeping the shop words
    the content words leave out ("delivery", "account"), less those Indonesian chat borrows. A
    customer asking "bank account? whatsapp?" or "COD? delivery time?" writes English."""
    english, indonesian = one_language_words()
    return indonesian | _INDONESIAN, (english | _ENGLISH) - _BORROWED - _INDONESIAN


def _in_shop_english(written: list[str], standard: list[str]) -> Language | None:
    """English when two words or more are English and none is Indonesian, as written or as its
    chat word's standard form ("dgn"): "bagus so far" may be an Indonesian customer's."""
    indonesian, english = _shop_words()
    if any(word in indonesian or _INDONESIAN_SUFFIX.match(word) for word in (*written, *standard)):
        return None
    lead = sum(english_singular(word) in english for word in written)  # "weekends"
    return Language.EN if lead >= CONTENT_MARGIN else None


def load() -> None:
    """Builds the word lists now (WordNet's table with them, about a second), so that no
    customer's first short message waits for them."""
    _one_language_words()
    _shop_words()


def _standard(word: str) -> list[str]:
    """The word's standard form; an English word stays as written, since the lexicon also
    translates what Indonesian chat borrows ("wanna" -> "mau")."""
    return [word] if word in _ENGLISH else WORDS.get(word, word).split()


def _told(
    words: list[str], indonesian: frozenset[str], english: frozenset[str], margin: int
) -> Language | None:
    lead = sum(word in indonesian or _INDONESIAN_SUFFIX.match(word) is not None for word in words)
    lead -= sum(word in english for word in words)
    if lead >= margin:
        return Language.ID
    if -lead >= margin:
        return Language.EN
    return None


class Phrase(StrEnum):
    DONT_KNOW = "dont_know"
    PASSING_ON = "passing_on"
    SORRY_PASSING_ON = "sorry_passing_on"
    CANNOT_HELP = "cannot_help"
    OUTSIDE_HOURS = "outside_hours"
    TEAM_FOLLOWS = "team_follows"
    PART_FOLLOWS = "part_follows"
    YES = "yes"
    NO = "no"
    IN_OTHER_LANGUAGE = "in_other_language"
    YOU_ARE_WELCOME = "you_are_welcome"
    HELLO = "hello"
    SORRY_TROUBLE = "sorry_trouble"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_GRANTED = "consent_granted"


PHRASES: dict[Language, dict[Phrase, str]] = {
    Language.ID: {
        Phrase.DONT_KNOW: "Maaf, saya belum punya informasi tentang itu. "
        "Tim kami akan segera membantu Anda di sini.",
        Phrase.PASSING_ON: "Baik, saya teruskan ke tim kami. "
        "Mohon ditunggu, admin kami akan segera membalas di sini.",
        Phrase.SORRY_PASSING_ON: "Mohon maaf atas ketidaknyamanannya. Saya teruskan ke tim kami; "
        "admin kami akan segera membalas di sini.",
        Phrase.CANNOT_HELP: "Maaf, saya tidak bisa membantu dengan itu. "
        "Tim kami akan menindaklanjuti pesan Anda.",
        Phrase.OUTSIDE_HOURS: "Saat ini di luar jam operasional kami; "
        "tim kami akan menindaklanjuti pesan Anda begitu kami buka.",
        Phrase.TEAM_FOLLOWS: "Tim kami akan melanjutkan percakapan ini dengan Anda di sini.",
        Phrase.PART_FOLLOWS: "Untuk pertanyaan “{part}”, saya belum punya informasinya; "
        "tim kami akan menjawabnya di sini.",
        Phrase.YES: "{word}, {address}.",
        Phrase.NO: "{word}, {address}.",
        Phrase.IN_OTHER_LANGUAGE: "Informasi kami tentang ini tertulis dalam bahasa Inggris: "
        "{text}",
        Phrase.YOU_ARE_WELCOME: "Sama-sama, {address}! Senang bisa membantu.",
        Phrase.HELLO: "Halo, {address}! Ada yang bisa kami bantu?",
        Phrase.SORRY_TROUBLE: "Mohon maaf atas ketidaknyamanannya, {address}.",
        Phrase.CONSENT_WITHDRAWN: "Baik, kami tidak akan lagi mengirimkan kabar pesanan maupun "
        "promosi ke nomor ini. Anda tetap bisa bertanya kepada kami di sini kapan saja. "
        "Balas MULAI untuk kembali menerima kabar pesanan.",
        Phrase.CONSENT_GRANTED: "Baik, kami akan kembali mengirimkan kabar pesanan Anda ke nomor "
        "ini. Balas BERHENTI kapan saja untuk menghentikannya.",
    },
    Language.EN: {
        Phrase.DONT_KNOW: "Sorry, I don't have information about that yet. "
        "Someone from our team will help you here shortly.",
        Phrase.PASSING_ON: "Sure, I'm passing you on to our team. "
        "Please wait, a person will reply here shortly.",
        Phrase.SORRY_PASSING_ON: "We're sorry for the trouble. I'm passing you on to our team; "
        "a person will reply here shortly.",
        Phrase.CANNOT_HELP: "Sorry, I can't help with that. "
        "Our team will follow up on your message.",
        Phrase.OUTSIDE_HOURS: "We're outside our business hours right now; "
        "our team will follow up on your message when we open.",
        Phrase.TEAM_FOLLOWS: "Someone from our team will continue this conversation with you here.",
        Phrase.PART_FOLLOWS: "About “{part}”, I don't have that information yet; "
        "someone from our team will answer it here.",
        Phrase.YES: "Yes.",
        Phrase.NO: "No.",
        Phrase.IN_OTHER_LANGUAGE: "Our information on this is written in Indonesian: {text}",
        Phrase.YOU_ARE_WELCOME: "You're welcome! Glad to help.",
        Phrase.HELLO: "Hi! How can we help you?",
        Phrase.SORRY_TROUBLE: "We're sorry for the trouble.",
        Phrase.CONSENT_WITHDRAWN: "Done: we won't send order updates or promotions to this "
        "number any more. You can still ask us anything here. Reply START to get order updates "
        "again.",
        Phrase.CONSENT_GRANTED: "Done: we'll send your order updates to this number again. "
        "Reply STOP at any time to end them.",
    },
}

_HAND_OVER_PHRASE = {
    HandOverReason.CUSTOMER_REQUEST: Phrase.PASSING_ON,
    HandOverReason.MISSING_KNOWLEDGE: Phrase.DONT_KNOW,
    HandOverReason.NEGATIVE_SENTIMENT: Phrase.SORRY_PASSING_ON,
    HandOverReason.POLICY: Phrase.CANNOT_HELP,
    HandOverReason.TOOL_FAILURE: Phrase.DONT_KNOW,
    HandOverReason.OUTSIDE_HOURS: Phrase.OUTSIDE_HOURS,
    HandOverReason.ORDER_ACTION: Phrase.PASSING_ON,
}


def phrase(language: Language, which: Phrase) -> str:
    return PHRASES[language][which]


def hand_over_text(reason: HandOverReason, language: Language, fallback: str | None) -> str:
    """What the bot says when it hands over without an answer: the store's fallback reply if
    it set one, else a built-in text for the reason."""
    return fallback or phrase(language, _HAND_OVER_PHRASE[reason])


def address(tone: Tone) -> str:
    """How an Indonesian reply addresses the customer: "Kak" unless the store is formal."""
    return "Bapak/Ibu" if tone is Tone.FORMAL else "kak"
