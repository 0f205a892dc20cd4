"""What the bot says about an order action, in the customer's language. The texts state exactly
what will be done and how to confirm; a refusal names no detail of an order that is not the
customer's own."""

from enum import StrEnum

from shared.actions.intents import ActionKind
from shared.stores.bot_settings import Language


class Say(StrEnum):
    CONFIRM = "confirm"
    ASK_ORDER = "ask_order"
    ASK_ADDRESS = "ask_address"
    DONE = "done"
    DECLINED = "declined"
    EXPIRED = "expired"
    NOT_OWN = "not_own"
    NOT_ALLOWED = "not_allowed"
    ABROAD = "abroad"
    NOT_PAYABLE = "not_payable"
    CHANGED = "changed"
    FAILED = "failed"


# What each action does, as a verb phrase and as a noun, in each language.
_DOING = {
    Language.ID: {
        ActionKind.CANCEL: "membatalkan pesanan #{number}",
        ActionKind.CHANGE_ADDRESS: "mengganti alamat pengiriman pesanan #{number} "
        "menjadi:\n{address}",
        ActionKind.PAYMENT_LINK: "mengirim ulang link pembayaran pesanan #{number}",
    },
    Language.EN: {
        ActionKind.CANCEL: "cancel order #{number}",
        ActionKind.CHANGE_ADDRESS: "change the shipping address of order #{number} to:\n{address}",
        ActionKind.PAYMENT_LINK: "send the payment link of order #{number} again",
    },
}
_DONE = {
    Language.ID: {
        ActionKind.CANCEL: "Pesanan #{number} sudah dibatalkan.",
        ActionKind.CHANGE_ADDRESS: "Alamat pengiriman pesanan #{number} sudah diganti menjadi:\n"
        "{address}",
        ActionKind.PAYMENT_LINK: "Ini link pembayaran pesanan #{number}:\n{link}",
    },
    Language.EN: {
        ActionKind.CANCEL: "Order #{number} is cancelled.",
        ActionKind.CHANGE_ADDRESS: "The shipping address of order #{number} is now:\n{address}",
        ActionKind.PAYMENT_LINK: "Here is the payment link of order #{number}:\n{link}",
    },
}
_TEXTS = {
    Language.ID: {
        Say.CONFIRM: "Saya akan {doing}{summary}.\n\nBalas *YA* dalam {minutes} menit untuk "
        "mengonfirmasi. Pesan lain tidak mengubah apa pun.",
        Say.ASK_ORDER: "Boleh tahu nomor pesanannya? Kirimkan nomornya saja, misalnya 1234.",
        Say.ASK_ADDRESS: "Baik. Kirimkan alamat pengiriman baru untuk pesanan #{number} (jalan, "
        "kota, kode pos) dalam {minutes} menit.",
        Say.DECLINED: "Baik, tidak ada yang diubah pada pesanan #{number}.",
        Say.EXPIRED: "Waktu konfirmasi untuk pesanan #{number} sudah habis, jadi tidak ada yang "
        "diubah. Silakan minta lagi bila masih perlu.",
        Say.NOT_OWN: "Pesanan {number} tidak terdaftar dengan nomor WhatsApp ini, jadi saya "
        "tidak bisa mengubahnya di sini.",
        Say.NOT_ALLOWED: "Pesanan #{number} sudah berstatus {status}, jadi tidak bisa saya "
        "ubah lewat chat.",
        Say.ABROAD: "Alamat pengiriman hanya bisa diganti ke alamat di negara toko ini.",
        Say.NOT_PAYABLE: "Pesanan #{number} berstatus {status} dan tidak menunggu pembayaran, "
        "jadi tidak ada link pembayaran untuknya.",
        Say.CHANGED: "Pesanan #{number} sudah berubah sejak tadi (sekarang {status}), jadi "
        "tidak ada yang saya ubah.",
        Say.FAILED: "Maaf, saya tidak berhasil {doing} karena sistem toko sedang bermasalah.",
    },
    Language.EN: {
        Say.CONFIRM: "I will {doing}{summary}.\n\nReply *YES* within {minutes} minutes to "
        "confirm. Any other message changes nothing.",
        Say.ASK_ORDER: "Which order is it? Please send its number alone, for example 1234.",
        Say.ASK_ADDRESS: "Sure. Please send the new shipping address for order #{number} "
        "(street, city, postcode) within {minutes} minutes.",
        Say.DECLINED: "All right, nothing was changed on order #{number}.",
        Say.EXPIRED: "The time to confirm for order #{number} has passed, so nothing was "
        "changed. Please ask again if you still need it.",
        Say.NOT_OWN: "Order {number} is not placed with this WhatsApp number, so I cannot "
        "change it in this chat.",
        Say.NOT_ALLOWED: "Order #{number} is already {status}, so I cannot change it in chat.",
        Say.ABROAD: "The shipping address can only be changed to one in this shop's country.",
        Say.NOT_PAYABLE: "Order #{number} is {status} and is not awaiting payment, so it has "
        "no payment link.",
        Say.CHANGED: "Order #{number} has changed since (it is now {status}), so I changed "
        "nothing.",
        Say.FAILED: "Sorry, I could not {doing} because the shop's system is having trouble.",
    },
}


def buttons(language: Language) -> list[str]:
    """The answers to a proposal as quick-reply buttons: a tap sends the title as the text."""
    return ["YA", "Tidak"] if language is Language.ID else ["YES", "No"]


def doing(language: Language, kind: ActionKind, number: str, address: str | None) -> str:
    return _DOING[language][kind].format(number=number, address=address or "")


def done(
    language: Language, kind: ActionKind, number: str, address: str | None, link: str | None
) -> str:
    return _DONE[language][kind].format(number=number, address=address or "", link=link or "")


def say(language: Language, what: Say, **values: str) -> str:
    return _TEXTS[language][what].format(**values)


def note(kind: ActionKind, requested_by: str, reference: str, address: str | None) -> str:
    """The private order note for the shop's staff (in English, like WooCommerce's own)."""
    what = {
        ActionKind.CANCEL: "Order cancelled",
        ActionKind.CHANGE_ADDRESS: f"Shipping address changed to: {address}",
        ActionKind.PAYMENT_LINK: "Payment link sent again",
    }[kind]
    return (
        f"{what} by Balas at the customer's request on WhatsApp ({requested_by}), "
        f"confirmed by the customer in chat. [balas-action {reference}]"
    )


def partly_hidden(number: str) -> str:
    """A customer's number as staff may see it in a note: +62812•••••890."""
    return number[:6] + "•" * max(len(number) - 9, 0) + number[-3:] if len(number) > 9 else number
