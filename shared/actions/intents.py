"""What a customer's message asks of an order action, read with the text pipeline's
normalisation ("batalin" -> "batalkan", "gak" -> "tidak"): which action they want, whether
they confirm one, the order number and a new address. No I/O here.

The confirmation rule reads the whole message: every word must be a yes word ("ya", "iya",
"yes", "ok", "lanjut") or politeness ("kak", "please"), and one at least a yes word; the same
for a no. Anything else is another answer, which confirms nothing.
"""

import re
from enum import StrEnum

from shared.answering.commerce_tools import find_order_numbers
from shared.text.normalise import normalise
from shared.text.vocabulary import COUNTRIES


class ActionKind(StrEnum):
    CANCEL = "cancel"
    CHANGE_ADDRESS = "change_address"
    PAYMENT_LINK = "payment_link"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    OTHER = "other"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CANCEL = _words("batal batalkan membatalkan pembatalan cancel cancellation")
_CANCELLED = _words("dibatalkan cancelled canceled")  # a request only after a request word
# A request word, or an imperative particle ("dibatalin aja", "dibatalkan dong").
_REQUEST = _words("minta tolong mohon mau ingin please want like need aja saja dong deh")
# "pesanan 1234 bisa dibatalkan?": asking whether it can be done, for a named order, asks it.
_CAN = _words("bisa bs can could")
_WHY = _words("kenapa mengapa kok why")
# Asking how cancelling works, or what happens if, is no request, unless an order is named.
_ABOUT = _words(
    "kalau kalo jika if bagaimana gimana how cara caranya kebijakan policy syarat mana dimana where"
)
_SHOP = _words("toko store shop outlet")  # "alamat toko baru": the shop's address, no order's
_ADDRESS = _words("alamat address")
_CHANGE = _words(
    "salah ganti ubah ubahkan diganti diubah gantikan koreksi perbaiki edit pindah baru change "
    "update wrong correct new fix"
)
_LINK = _words("link tautan url")
_PAY = _words("bayar pembayaran payment pay checkout")
_YES = _words(
    "ya iya yes yup yep y ok oke okay okey betul benar setuju lanjut lanjutkan confirm "
    "konfirmasi sure boleh siap yakin jadi correct gas gaskan"
)
_NO = _words("tidak bukan jangan no nope not dont tak")
# Putting it off or dropping it ("nanti dulu", "let me think about it", "never mind", "tidak
# usah"): no yes, so nothing is done now. Words that cannot be part of an address.
_NOT_NOW = _words(
    "nanti later pikir pikirkan dipikir mikir think tunggu wait hold besok tomorrow mind usah "
    "nah leave skip forget"
)
# Words a yes may carry besides yes words and politeness: who agrees, and the action agreed to
# ("Ya, saya setuju", "yes, cancel it", "iya kirim linknya"); "baik" and "right" only beside a
# yes word, since "baik kak, terima kasih" acknowledges without agreeing.
_AGREEING = _words(
    "saya aku i me my it itu ini yang tersebut that thats s this the a with is go ahead proceed "
    "agree proses diproses process dilanjutkan baik baiklah right"
)
_NAMING: dict[ActionKind, frozenset[str]] = {
    ActionKind.CANCEL: _CANCEL | _CANCELLED | _words("order pesanan"),
    ActionKind.CHANGE_ADDRESS: _ADDRESS | _CHANGE | _words("order pesanan"),
    ActionKind.PAYMENT_LINK: _LINK | _PAY | _words("kirim send order pesanan"),
}
_POLITE = _words(
    "kak kakak min admin gan sis please pls dong deh saja aja sudah silakan tolong mohon ya "
    "thanks thank you terima kasih makasih sekarang now dulu lah nya do it"
)
_KNOWN = _CANCEL | _CANCELLED | _ADDRESS | _CHANGE | _LINK | _PAY | _words("pesanan order")
_WORD = re.compile(r"[a-z]+")
# A number on its own: not part of a longer one, a phone number (a leading 0 or +) or a price.
_LONE_NUMBER = re.compile(r"(?<![\d+.,])([1-9]\d{2,9})(?![\d.,]\d|\d|\s?(?:rb|ribu|k|jt|juta)\b)")
_ADDRESS_WORDS = _words(
    "jl jln jalan gang gg blok no nomor rt rw kel kelurahan kec kecamatan kota kab kabupaten "
    "desa perumahan komplek street st road rd avenue ave lane city"
)
_POSTCODE = re.compile(r"\b\d{5}\b")
# Where a request goes on to name the new address: "ganti alamat pesanan 1234 ke Jl. ...".
_TO_ADDRESS = re.compile(r"\b(?:ke|jadi|menjadi|to|into)\b|:", re.IGNORECASE)
MAX_ADDRESS_CHARS = 200
# The names a store's own country goes by (any other country named in an address is abroad).
_OWN_COUNTRY_NAMES = {"ID": {"indonesia"}, "MY": {"malaysia"}, "SG": {"singapura", "singapore"}}


def _stems(text: str) -> list[str]:
    """The message's words, normalised, without the clitic "-nya" ("bayarnya" -> "bayar"), and
    without "-ku" or "-mu" where a word the rules know is left ("pembayaranku")."""
    words = [w.removesuffix("nya") if len(w) > 5 else w for w in _WORD.findall(normalise(text))]
    return [_without_ku_mu(word) for word in words]


def _without_ku_mu(word: str) -> str:
    stem = word[:-2]
    return stem if word.endswith(("ku", "mu")) and stem in _KNOWN else word


def wanted_action(text: str) -> ActionKind | None:
    """The order action the message asks for, if any."""
    words = set(_stems(text))
    if words & _WHY:  # "kenapa pesanan saya dibatalkan?" asks, it does not request
        return None
    if words & _ABOUT and order_number_in(text) is None:  # "kalau batal bisa refund?"
        return None
    if words & _LINK and words & _PAY:
        return ActionKind.PAYMENT_LINK
    if words & _ADDRESS and words & _CHANGE and not words & _SHOP:
        return ActionKind.CHANGE_ADDRESS
    if words & _CANCEL or (words & _CANCELLED and words & _REQUEST):
        return ActionKind.CANCEL
    if words & _CANCELLED and words & _CAN and order_number_in(text) is not None:
        return ActionKind.CANCEL
    return None


def answer_of(text: str, kind: ActionKind | None = None) -> Answer:
    """Whether the whole message says yes to `kind` (the action proposed), no, or something
    else. A yes is yes words with politeness, who agrees and the action's own words, nothing
    else; a no may also be any message putting it off that asks and requests nothing else
    (a no does nothing, so reading it widely is safe)."""
    words = set(_stems(text))
    if not words or "?" in text:
        return Answer.OTHER
    allowed = _YES | _POLITE | _AGREEING | (_NAMING[kind] if kind else frozenset())
    if words <= allowed and words & _YES and not words & _NO:
        return Answer.YES  # "YA", "Ya, saya setuju", "yes, cancel it"
    if words <= allowed | _NO and words & _NO:
        return Answer.NO  # "tidak jadi", "no thanks", "jangan dulu"
    if words & _NOT_NOW and wanted_action(text) in (None, kind):
        return Answer.NO  # "nanti dulu deh kak", "let me think about it first"
    return Answer.OTHER


def order_number_in(text: str) -> str | None:
    """The order number a message about an order action names: "pesanan #1234", else a
    number on its own ("minta link bayarnya lagi 1234", or "1234" answering "which order?")."""
    numbers = find_order_numbers(text)
    if numbers:
        return numbers[0]
    found = _LONE_NUMBER.search(text)
    return found.group(1) if found else None


def looks_like_address(text: str) -> bool:
    """A message that can be a postal address: long enough, with a number or an address word,
    and no question."""
    if len(text.strip()) < 10 or "?" in text:
        return False
    words = set(_WORD.findall(text.lower()))
    return any(char.isdigit() for char in text) or bool(words & _ADDRESS_WORDS)


def split_address(text: str) -> tuple[str, str | None]:
    """A request for an address change, and the new address it carries after "ke", "jadi",
    "to" or a colon, when what follows names a street or a postcode; else (text, None)."""
    for connector in _TO_ADDRESS.finditer(text):
        rest = text[connector.end() :].strip()
        named = set(_WORD.findall(rest.lower())) & _ADDRESS_WORDS or postcode_in(rest)
        if named and looks_like_address(rest):
            return text[: connector.start()], rest.rstrip(" .,;")
    return text, None


def postcode_in(text: str) -> str | None:
    """The last five-digit number of an address: its postcode."""
    found = _POSTCODE.findall(text)
    return found[-1] if found else None


def names_another_country(text: str, country: str) -> bool:
    """True when the address names a country other than the store's own."""
    named = set(_WORD.findall(text.lower())) & COUNTRIES
    return bool(named - _OWN_COUNTRY_NAMES.get(country.upper(), set()))


def clean_address(text: str) -> str:
    """The address as it is written to WooCommerce: one line, at most 200 characters."""
    return " ".join(text.replace("\n", ", ").split())[:MAX_ADDRESS_CHARS]
