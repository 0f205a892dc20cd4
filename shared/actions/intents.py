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
_REQUEST = _words("minta tolong mohon mau ingin please want like need")
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
    "konfirmasi sure boleh siap yakin jadi"
)
_NO = _words("tidak bukan jangan no nope not dont tak")
_POLITE = _words(
    "kak kakak min admin gan sis please pls dong deh saja aja sudah silakan tolong mohon ya "
    "thanks thank you terima kasih makasih sekarang now dulu lah nya do it"
)
_WORD = re.compile(r"[a-z]+")
# A number on its own: not part of a longer one, a phone number (a leading 0 or +) or a price.
_LONE_NUMBER = re.compile(r"(?<![\d+.,])([1-9]\d{2,9})(?![\d.,]\d|\d|\s?(?:rb|ribu|k|jt|juta)\b)")
_ADDRESS_WORDS = _words(
    "jl jln jalan gang gg blok no nomor rt rw kel kelurahan kec kecamatan kota kab kabupaten "
    "desa perumahan komplek street st road rd avenue ave lane city"
)
_POSTCODE = re.compile(r"\b\d{5}\b")
MAX_ADDRESS_CHARS = 200
# The names a store's own country goes by (any other country named in an address is abroad).
_OWN_COUNTRY_NAMES = {"ID": {"indonesia"}, "MY": {"malaysia"}, "SG": {"singapura", "singapore"}}


def _stems(text: str) -> list[str]:
    """The message's words, normalised, without the clitic "-nya" ("bayarnya" -> "bayar")."""
    words = _WORD.findall(normalise(text))
    return [word.removesuffix("nya") if len(word) > 5 else word for word in words]


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
    return None


def answer_of(text: str) -> Answer:
    """Whether the whole message says yes, no, or something else."""
    words = _WORD.findall(normalise(text))
    if not words or "?" in text:
        return Answer.OTHER
    if all(word in _YES | _POLITE for word in words) and set(words) & _YES:
        return Answer.YES if not set(words) & _NO else Answer.OTHER
    if all(word in _NO | _YES | _POLITE for word in words) and set(words) & _NO:
        return Answer.NO  # "tidak jadi", "no thanks", "jangan dulu"
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
